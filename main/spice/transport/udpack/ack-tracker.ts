// The receiving side's bookkeeping for acknowledgements and the SLOW signal (docs/udpack.md §5.2, §6.1).
// ACKs: received packet numbers as ranges (the 32 highest kept); an ACK goes out after ACK_EVERY_PACKETS
// ack-eliciting packets, at once on a gap or reordering, or MAX_ACK_DELAY_MS after the first unacknowledged one.
// SLOW: each packet's one-way delay is (arrival wall clock − header timestamp); the clocks' offset cancels
// against the minimum seen over the last 10 s. When the excess of the last 8 packets (the queueing delay)
// passes SLOW_TARGET_MS, this side sets SLOW on what it sends, telling the sender to back off.
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
/** How long the queueing delay must stay above the target before SLOW is set. */
const SLOW_PERSIST_MS = 30;
/** Packets over which the queueing delay is the minimum excess. */
const RECENT_SAMPLES = 8;
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
  private readonly recentOwd = new Float64Array(RECENT_SAMPLES).fill(Infinity);
  private recentAt = 0;
  private queueingMs = 0;
  private slowOn = false;
  private elevatedSince: number | undefined;

  constructor(private readonly ackDelayMs: number = MAX_ACK_DELAY_MS) {}

  /** Records an authenticated packet. */
  onPacket(pn: number, ackEliciting: boolean, now: number, owdMs: number): void {
    const outOfOrder = this.largest >= 0 && (pn < this.largest || pn > this.largest + 1);
    this.received.add(pn, pn + 1);
    this.received.limit(MAX_ACK_RANGES);
    if (pn > this.largest) {
      this.largest = pn;
      this.largestAt = now;
    }
    this.trackDelay(owdMs, now);
    if (!ackEliciting) return;
    this.dirty = true;
    this.unacked++;
    if (outOfOrder || this.unacked >= ACK_EVERY_PACKETS) this.immediate = true;
    else this.deadline ??= now + this.ackDelayMs;
  }

  private trackDelay(owdMs: number, now: number): void {
    // Two buckets of half the window each: the minimum over the last 5–10 s, O(1) per packet.
    const half = BASE_WINDOW_MS / 2;
    const current = this.baseBuckets[this.baseBuckets.length - 1];
    if (!current || now - current.start >= half) {
      this.baseBuckets = [...this.baseBuckets.slice(-1), { start: now, min: owdMs }];
    } else current.min = Math.min(current.min, owdMs);
    let base = Infinity;
    for (const b of this.baseBuckets) base = Math.min(base, b.min);
    // The minimum over the last few packets, not their average: a stall of this process (a busy event loop)
    // delays a whole batch, but the batch's newest packet shows little excess; a real queue delays them all.
    this.recentOwd[this.recentAt++ % RECENT_SAMPLES] = owdMs;
    let recent = Infinity;
    for (const v of this.recentOwd) recent = Math.min(recent, v);
    this.queueingMs = Math.max(0, recent - base);
    // On once the excess stayed above the target for SLOW_PERSIST_MS (a stalled process drains its backlog in
    // less; a queue on the path lasts), off below half the target.
    if (this.queueingMs > SLOW_TARGET_MS) {
      this.elevatedSince ??= now;
      if (now - this.elevatedSince >= SLOW_PERSIST_MS) this.slowOn = true;
    } else if (this.queueingMs < SLOW_TARGET_MS / 2) {
      this.elevatedSince = undefined;
      this.slowOn = false;
    }
  }

  /** Smoothed queueing delay on the path towards this side. */
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
