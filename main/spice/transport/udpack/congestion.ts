// Congestion control and pacing for one direction of a UDPack session (docs/udpack.md §6). Random loss is not
// read as congestion — on a lossy radio link that would starve the session as it starves TCP. The signals are:
//   SLOW  the receiver saw its one-way delay grow (a queue is building): window × 0.85, at most once per RTT;
//   heavy loss  more than 15 % of a round's packets lost: window × 0.7, at most once per RTT
// (a probe timeout alone changes nothing: it may only mean a busy peer).
// Growth: slow start doubles per round until the first signal, then +12.5 % per round (never while the sender is
// application-limited). Packets are paced at 1.25× window/RTT (2× in slow start) from a token bucket.

export const DEFAULT_DATAGRAM_BYTES = 1200;
export const INITIAL_WINDOW_PACKETS = 16;
export const MIN_WINDOW_PACKETS = 4;
export const SLOW_FACTOR = 0.85;
export const HEAVY_LOSS_FACTOR = 0.7;
export const HEAVY_LOSS_FRACTION = 0.15;
const HEAVY_LOSS_MIN_PACKETS = 4;
const MIN_ROUND_MS = 20;
const SLOW_START_EXIT_MIN_MS = 15;

export class CongestionController {
  cwnd: number;
  ssthresh = Infinity;
  private recoveryUntil = -Infinity;
  private roundStart = 0;
  private roundAcked = 0;
  private roundLost = 0;
  private tokens: number;
  private lastRefill = 0;
  /** Counters for tests and logs. */
  readonly stats = { slowSignals: 0, heavyLoss: 0, slowStartExits: 0 };

  constructor(
    readonly datagramBytes: number = DEFAULT_DATAGRAM_BYTES,
    readonly maxWindowBytes: number = 64 * 1024 * 1024,
  ) {
    this.cwnd = INITIAL_WINDOW_PACKETS * datagramBytes;
    this.tokens = this.bucketBytes(this.cwnd / 100);
  }

  get minWindow(): number {
    return MIN_WINDOW_PACKETS * this.datagramBytes;
  }

  get inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  canSend(bytesInFlight: number, size: number): boolean {
    return bytesInFlight + size <= this.cwnd;
  }

  onAcked(bytes: number, bytesInFlight: number, now: number, srttMs: number): void {
    this.roundAcked++;
    this.endRound(now, srttMs);
    if (now < this.recoveryUntil) return;
    // Application-limited (less than half the window was in use): acks say nothing about the path's capacity.
    if (bytesInFlight < this.cwnd / 2) return;
    if (this.inSlowStart) this.cwnd += bytes;
    else this.cwnd += (bytes * Math.max(this.datagramBytes, this.cwnd / 8)) / this.cwnd;
    this.cwnd = Math.min(this.cwnd, this.maxWindowBytes);
  }

  onLost(packets: number, now: number, srttMs: number): void {
    this.roundLost += packets;
    this.endRound(now, srttMs);
  }

  private endRound(now: number, srttMs: number): void {
    if (now - this.roundStart < Math.max(srttMs, MIN_ROUND_MS)) return;
    const total = this.roundAcked + this.roundLost;
    if (this.roundLost >= HEAVY_LOSS_MIN_PACKETS && this.roundLost / total > HEAVY_LOSS_FRACTION) {
      this.stats.heavyLoss++;
      this.reduce(HEAVY_LOSS_FACTOR, now, srttMs);
    }
    this.roundStart = now;
    this.roundAcked = 0;
    this.roundLost = 0;
  }

  /**
   * Slow start ends early when this side's own RTT samples show a queue (latest RTT well above the minimum), as
   * HyStart does: the SLOW flag takes a round trip to arrive, and in that round the window would double again.
   */
  onRttSample(latestMs: number, minMs: number): void {
    if (this.inSlowStart && latestMs > minMs + Math.max(SLOW_START_EXIT_MIN_MS, minMs / 4)) {
      this.stats.slowStartExits++;
      this.ssthresh = this.cwnd;
    }
  }

  /** The peer's SLOW flag: its one-way delay shows a queue. */
  onSlowSignal(now: number, srttMs: number): void {
    if (now < this.recoveryUntil) return;
    this.stats.slowSignals++;
    this.reduce(SLOW_FACTOR, now, srttMs);
  }

  private reduce(factor: number, now: number, srttMs: number): void {
    this.cwnd = Math.max(this.minWindow, this.cwnd * factor);
    this.ssthresh = this.cwnd;
    this.recoveryUntil = now + Math.max(srttMs, MIN_ROUND_MS);
  }

  /** A new path: start over. */
  reset(): void {
    this.cwnd = INITIAL_WINDOW_PACKETS * this.datagramBytes;
    this.ssthresh = Infinity;
    this.recoveryUntil = -Infinity;
    this.roundAcked = this.roundLost = 0;
  }

  // ---- pacing ----

  /** Bytes per millisecond. */
  pacingRate(srttMs: number): number {
    const gain = this.inSlowStart ? 2 : 1.25;
    return (gain * this.cwnd) / Math.max(srttMs, 1);
  }

  /**
   * The pacer's burst allowance: a quarter RTT of sending (at most 25 ms), at least 10 datagrams. Node's timers fire
   * late under load; a small bucket would then waste every late tick and cap the rate far below the window.
   */
  private bucketBytes(rate: number, srttMs = 0): number {
    return Math.max(10 * this.datagramBytes, rate * Math.min(25, Math.max(4, srttMs / 4)));
  }

  private refill(now: number, srttMs: number): void {
    const rate = this.pacingRate(srttMs);
    const elapsed = Math.max(0, now - this.lastRefill);
    this.lastRefill = now;
    this.tokens = Math.min(this.bucketBytes(rate, srttMs), this.tokens + elapsed * rate);
  }

  /** Takes pacing credit for a packet; false when the packet must wait (see `pacingDelay`). */
  takeTokens(size: number, now: number, srttMs: number): boolean {
    this.refill(now, srttMs);
    if (this.tokens < size) return false;
    this.tokens -= size;
    return true;
  }

  /** Milliseconds until `size` bytes of credit are there. */
  pacingDelay(size: number, now: number, srttMs: number): number {
    this.refill(now, srttMs);
    if (this.tokens >= size) return 0;
    return (size - this.tokens) / this.pacingRate(srttMs);
  }
}
