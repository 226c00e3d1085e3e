// The receiving side's bookkeeping for acknowledgements and the SLOW signal (docs/udpack.md §5.2, §6.1).
// ACKs: received packet numbers as ranges (the 32 highest kept); an ACK goes out after ACK_EVERY_PACKETS
// ack-eliciting packets, at once on a gap or reordering, or MAX_ACK_DELAY_MS after the first unacknowledged one.
// SLOW: each packet's one-way delay is (arrival wall clock − header timestamp); the clocks' offset cancels
// against the minimum seen over the last 10 s. When every packet of the last SLOW_WINDOW_MS arrived more than
// SLOW_TARGET_MS late (the queueing delay), this side sets SLOW on what it sends, telling the sender to back off.
import { MAX_ACK_DELAY_MS } from './loss-recovery';
import { MAX_ACK_RANGES, type AckRange } from './records';
import { RangeSet } from './range-set';

export const SLOW_TARGET_MS = 25;
/**
 * Ack-eliciting packets per ACK (within MAX_ACK_DELAY_MS anyway). TCP acknowledges every second segment in the
 * kernel; here every ACK costs both sides a system call and an AEAD operation in JavaScript, so fewer, richer ACKs
 * (QUIC's ACK-frequency extension does the same) leave the CPU to the display.
 */
export const ACK_EVERY_PACKETS = 8;
/**
 * The queueing delay is the smallest excess among the packets that arrived in this window: a stall of this process
 * (or of anything between) releases a backlog whose newest packets show no excess, while a queue on the path delays
 * every packet.
 */
export const SLOW_WINDOW_MS = 50;
const MAX_WINDOW_SAMPLES = 4096;
const BASE_WINDOW_MS = 10_000;

export class AckTracker {
  private readonly received = new RangeSet();
  private largest = -1;
  private largestAt = 0;
  private unacked = 0;
  private deadline: number | undefined;
  private immediate = false;
  private dirty = false;
  // one-way delay (queueing) estimate
  private baseBuckets: { start: number; min: number }[] = [];
  /** Sliding-window minimum of one-way delays (a monotonic deque: delays increase from the front). */
  private readonly window: { at: number; owd: number }[] = [];
  private queueingMs = 0;
  private slowOn = false;

  constructor(private readonly ackDelayMs: number = MAX_ACK_DELAY_MS) {}

  /** Records an authenticated packet. */
  onPacket(pn: number, ackEliciting: boolean, now: number, owdMs: number, lagMs = 0): void {
    const outOfOrder = this.largest >= 0 && (pn < this.largest || pn > this.largest + 1);
    this.received.add(pn, pn + 1);
    this.received.limit(MAX_ACK_RANGES);
    if (pn > this.largest) {
      this.largest = pn;
      this.largestAt = now;
    }
    this.trackDelay(owdMs, now, lagMs);
    if (!ackEliciting) return;
    this.dirty = true;
    this.unacked++;
    if (outOfOrder || this.unacked >= ACK_EVERY_PACKETS) this.immediate = true;
    else this.deadline ??= now + this.ackDelayMs;
  }

  private trackDelay(owdMs: number, now: number, lagMs: number): void {
    // Two buckets of half the window each: the minimum over the last 5–10 s, O(1) per packet.
    const half = BASE_WINDOW_MS / 2;
    const current = this.baseBuckets[this.baseBuckets.length - 1];
    if (!current || now - current.start >= half) {
      this.baseBuckets = [...this.baseBuckets.slice(-1), { start: now, min: owdMs }];
    } else current.min = Math.min(current.min, owdMs);
    let base = Infinity;
    for (const b of this.baseBuckets) base = Math.min(base, b.min);
    const w = this.window;
    while (w.length > 0 && w[w.length - 1]!.owd >= owdMs) w.pop();
    w.push({ at: now, owd: owdMs });
    while (w.length > 1 && (w[0]!.at < now - SLOW_WINDOW_MS || w.length > MAX_WINDOW_SAMPLES)) w.shift();
    // What this process's own lateness explains (the datagram sat in the socket buffer) is not the network's.
    this.queueingMs = Math.max(0, w[0]!.owd - base - lagMs);
    // Hysteresis: on above the target, off below half of it.
    if (this.queueingMs > SLOW_TARGET_MS) this.slowOn = true;
    else if (this.queueingMs < SLOW_TARGET_MS / 2) this.slowOn = false;
  }

  /** Queueing delay on the path towards this side. */
  get queueingDelayMs(): number {
    return this.queueingMs;
  }

  /** Whether this side should set SLOW on the packets it sends. */
  get slow(): boolean {
    return this.slowOn;
  }

  /** An ACK should go now (piggybacked or alone). */
  ackDue(now: number): boolean {
    return this.immediate || (this.deadline !== undefined && now >= this.deadline);
  }

  /** There is something new to acknowledge (piggyback it on any packet). */
  get hasNews(): boolean {
    return this.dirty;
  }

  nextDeadline(): number | undefined {
    return this.immediate ? 0 : this.deadline;
  }

  /** Bytes the ACK record would take now (to reserve room for it). */
  estimateBytes(): number {
    const n = Math.min(this.received.size, MAX_ACK_RANGES);
    return 1 + 4 + 4 + 1 + 4 + Math.max(0, n - 1) * 8;
  }

  /** The ranges to send (highest first) and the ACK delay; resets the ACK timers. */
  buildAck(now: number): { ranges: AckRange[]; ackDelayUs: number } | undefined {
    if (this.largest < 0) return undefined;
    const ranges: AckRange[] = [];
    const all = this.received.all();
    for (let i = all.length - 1; i >= 0 && ranges.length < MAX_ACK_RANGES; i--) {
      const r = all[i]!;
      ranges.push({ first: r.start, last: r.end - 1 });
    }
    this.unacked = 0;
    this.deadline = undefined;
    this.immediate = false;
    this.dirty = false;
    return { ranges, ackDelayUs: Math.max(0, Math.round((now - this.largestAt) * 1000)) };
  }
}
