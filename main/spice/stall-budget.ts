// Bounds the total time a server can make a channel wait for things it never sends: a GLZ image referenced but
// never received, a WAIT_FOR_CHANNELS or INVAL_ALL_PIXMAPS serial that never comes. Each such wait may last up to
// its own timeout, but only waits that time out are charged, and once the total is spent later ones do not wait
// at all — so a server repeating the trick stalls a channel seconds in all, not 5 s per reference.

/** Default total time waits that end in a timeout may take, per owner (GLZ dictionary, channel). */
export const DEFAULT_STALL_BUDGET_MS = 10_000;

export class StallBudget {
  private spentMs = 0;

  constructor(readonly totalMs: number = DEFAULT_STALL_BUDGET_MS) {}

  /** How long a new wait may last (≤ `wantedMs`); 0 means do not wait, the budget is spent. */
  timeoutFor(wantedMs: number): number {
    return Math.max(0, Math.min(wantedMs, this.totalMs - this.spentMs));
  }

  /** A wait of `ms` ended without what it waited for. */
  charge(ms: number): void {
    this.spentMs += ms;
  }

  get exhausted(): boolean {
    return this.spentMs >= this.totalMs;
  }
}
