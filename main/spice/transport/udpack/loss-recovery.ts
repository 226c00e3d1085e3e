// Loss recovery for one direction of a UDPack session, after RFC 9002: RTT estimation (smoothed RTT, variance,
// minimum, ACK delay subtracted), packets in flight, loss detection by packet threshold (3) and time threshold
// (9/8 RTT), and the probe timeout (PTO) with exponential backoff. Packet numbers are never reused: lost data is
// sent again in new packets by the connection.
import type { AckRange } from './records';

export const PACKET_THRESHOLD = 3;
export const TIME_THRESHOLD = 9 / 8;
export const GRANULARITY_MS = 1;
/** The longest this side delays an ACK (and assumes the peer does). */
export const MAX_ACK_DELAY_MS = 10;
/** Before any sample (QUIC's default). */
export const INITIAL_RTT_MS = 333;

export interface SentStreamChunk {
  streamId: number;
  offset: number;
  length: number;
  fin: boolean;
}

/** Records whose loss must be repaired (regenerated with current values). */
export type RepairableRecord =
  | { type: 'max-data' }
  | { type: 'max-stream-data'; streamId: number }
  | { type: 'reset-stream'; streamId: number };

export interface SentPacket {
  pn: number;
  timeSent: number;
  size: number;
  ackEliciting: boolean;
  /** Counts toward bytes in flight (ack-eliciting packets). */
  inFlight: boolean;
  streams: SentStreamChunk[];
  repairs: RepairableRecord[];
  /** Bytes delivered before this packet was sent (congestion control's app-limited check). */
  appLimited: boolean;
}

export class RttEstimator {
  latest = 0;
  smoothed = INITIAL_RTT_MS;
  variance = INITIAL_RTT_MS / 2;
  min = Infinity;
  private hasSample = false;

  get sampled(): boolean {
    return this.hasSample;
  }

  /** Seeds the estimate with an RTT measured during the handshake. */
  seed(rttMs: number): void {
    if (this.hasSample || !(rttMs > 0)) return;
    this.update(rttMs, 0);
  }

  update(sampleMs: number, ackDelayMs: number): void {
    const sample = Math.max(sampleMs, GRANULARITY_MS / 4);
    this.latest = sample;
    this.min = Math.min(this.min, sample);
    if (!this.hasSample) {
      this.hasSample = true;
      this.smoothed = sample;
      this.variance = sample / 2;
      return;
    }
    const delay = Math.min(ackDelayMs, MAX_ACK_DELAY_MS);
    const adjusted = sample - this.min >= delay ? sample - delay : sample;
    this.variance = (3 / 4) * this.variance + (1 / 4) * Math.abs(this.smoothed - adjusted);
    this.smoothed = (7 / 8) * this.smoothed + (1 / 8) * adjusted;
  }

  /** The probe timeout before backoff. */
  pto(): number {
    return this.smoothed + Math.max(4 * this.variance, GRANULARITY_MS) + MAX_ACK_DELAY_MS;
  }

  reset(): void {
    this.latest = 0;
    this.smoothed = INITIAL_RTT_MS;
    this.variance = INITIAL_RTT_MS / 2;
    this.min = Infinity;
    this.hasSample = false;
  }
}

export interface AckOutcome {
  acked: SentPacket[];
  lost: SentPacket[];
  /** An RTT sample was taken (the largest acknowledged packet was newly acknowledged and ack-eliciting). */
  rttSampled: boolean;
}

export class LossRecovery {
  readonly rtt = new RttEstimator();
  /** In packet-number order (Map keeps insertion order and numbers only grow). */
  private readonly sent = new Map<number, SentPacket>();
  private largestAcked = -1;
  private lossTime: number | undefined;
  private lastAckElicitingSent: number | undefined;
  bytesInFlight = 0;
  ptoCount = 0;

  get packetsTracked(): number {
    return this.sent.size;
  }

  get largestAckedPacket(): number {
    return this.largestAcked;
  }

  onPacketSent(packet: SentPacket): void {
    this.sent.set(packet.pn, packet);
    if (packet.inFlight) this.bytesInFlight += packet.size;
    if (packet.ackEliciting) this.lastAckElicitingSent = packet.timeSent;
  }

  /** Processes an ACK record's ranges (highest first). */
  onAck(ranges: readonly AckRange[], ackDelayMs: number, now: number): AckOutcome {
    const acked: SentPacket[] = [];
    for (const range of ranges) {
      if (range.last - range.first < this.sent.size) {
        for (let pn = range.first; pn <= range.last; pn++) this.takeAcked(pn, acked);
      } else {
        for (const pn of this.sent.keys()) {
          if (pn > range.last) break;
          if (pn >= range.first) this.takeAcked(pn, acked);
        }
      }
    }
    acked.sort((a, b) => a.pn - b.pn);
    let rttSampled = false;
    const newest = acked[acked.length - 1];
    if (newest && newest.pn > this.largestAcked) {
      this.largestAcked = newest.pn;
      if (newest.ackEliciting) {
        this.rtt.update(now - newest.timeSent, ackDelayMs);
        rttSampled = true;
      }
    }
    if (acked.length > 0) this.ptoCount = 0;
    const lost = this.detectLost(now);
    return { acked, lost, rttSampled };
  }

  private takeAcked(pn: number, into: SentPacket[]): void {
    const packet = this.sent.get(pn);
    if (!packet) return;
    this.sent.delete(pn);
    if (packet.inFlight) this.bytesInFlight -= packet.size;
    into.push(packet);
  }

  /** Declares lost what the thresholds say is lost; sets the loss timer for the rest. */
  detectLost(now: number): SentPacket[] {
    this.lossTime = undefined;
    if (this.largestAcked < 0) return [];
    const lossDelay = Math.max(TIME_THRESHOLD * Math.max(this.rtt.latest, this.rtt.smoothed), GRANULARITY_MS);
    const lost: SentPacket[] = [];
    for (const packet of this.sent.values()) {
      if (packet.pn > this.largestAcked) break;
      // The same sum decides and sets the timer: `timeSent <= now - lossDelay` can differ from it in the last bit,
      // and a timer that fires without declaring anything lost would fire again at once, forever.
      const lostAt = packet.timeSent + lossDelay;
      if (this.largestAcked - packet.pn >= PACKET_THRESHOLD || lostAt <= now) {
        lost.push(packet);
      } else if (this.lossTime === undefined || lostAt < this.lossTime) this.lossTime = lostAt;
    }
    for (const packet of lost) {
      this.sent.delete(packet.pn);
      if (packet.inFlight) this.bytesInFlight -= packet.size;
    }
    return lost;
  }

  private hasAckElicitingInFlight(): boolean {
    for (const p of this.sent.values()) if (p.ackEliciting) return true;
    return false;
  }

  /** When the loss or probe timer fires next, and which one. */
  nextTimer(): { at: number; kind: 'loss' | 'pto' } | undefined {
    if (this.lossTime !== undefined) return { at: this.lossTime, kind: 'loss' };
    if (this.lastAckElicitingSent === undefined || !this.hasAckElicitingInFlight()) return undefined;
    const backoff = 2 ** Math.min(this.ptoCount, 10);
    return { at: this.lastAckElicitingSent + this.rtt.pto() * backoff, kind: 'pto' };
  }

  /** The oldest ack-eliciting packets still unacknowledged (what a probe resends first). */
  oldestUnacked(count: number): SentPacket[] {
    const out: SentPacket[] = [];
    for (const p of this.sent.values()) {
      if (!p.ackEliciting) continue;
      out.push(p);
      if (out.length >= count) break;
    }
    return out;
  }

  /** Drops every tracked packet as lost (a path change resets the controller; data is resent). */
  abandonAll(): SentPacket[] {
    const all = [...this.sent.values()];
    this.sent.clear();
    this.bytesInFlight = 0;
    this.lossTime = undefined;
    return all;
  }
}
