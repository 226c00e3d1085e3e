// Anti-replay for received packet numbers (as IPsec/DTLS do): the largest number seen plus a bitmap of the
// WINDOW numbers below it. A number seen before, or older than the window, is a replay (or too late to matter)
// and the packet is dropped. `check` runs before decryption (cheap rejection); `mark` only after the packet
// authenticated, so forged packets cannot poison the window.

export const REPLAY_WINDOW = 4096;

export class ReplayWindow {
  private largest = -1;
  private readonly bits = new Uint32Array(REPLAY_WINDOW / 32);

  /** True when `pn` may be new: not seen and not older than the window. */
  check(pn: number): boolean {
    if (pn > this.largest) return true;
    if (this.largest - pn >= REPLAY_WINDOW) return false;
    const slot = pn % REPLAY_WINDOW;
    return (this.bits[slot >>> 5]! & (1 << (slot & 31))) === 0;
  }

  /** Records `pn` as received (call after `check` and authentication). */
  mark(pn: number): void {
    if (pn > this.largest) {
      // Clear the slots the window slides over (they held numbers now older than the window).
      const advance = this.largest < 0 ? REPLAY_WINDOW : pn - this.largest;
      if (advance >= REPLAY_WINDOW) this.bits.fill(0);
      else for (let n = this.largest + 1; n <= pn; n++) this.clear(n % REPLAY_WINDOW);
      this.largest = pn;
    }
    const slot = pn % REPLAY_WINDOW;
    this.bits[slot >>> 5] = this.bits[slot >>> 5]! | (1 << (slot & 31));
  }

  get largestSeen(): number {
    return this.largest;
  }

  private clear(slot: number): void {
    this.bits[slot >>> 5] = this.bits[slot >>> 5]! & ~(1 << (slot & 31));
  }
}
