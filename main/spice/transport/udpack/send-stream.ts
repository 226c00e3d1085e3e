// The sending half of a UDPack stream: the bytes written and not yet acknowledged, which of them were lost and must
// go again, the write-unit boundaries that decide FRAG, the FIN, and the peer's flow-control limit. Chunks are
// cut so that each one holds bytes of a single write unit: FRAG is set when a chunk does not end its unit.
import { RangeSet } from './range-set';

export interface StreamChunk {
  offset: number;
  data: Uint8Array;
  fin: boolean;
  frag: boolean;
}

interface Held {
  offset: number;
  bytes: Uint8Array;
}

export class SendStream {
  /** Everything below is acknowledged and released. */
  private base = 0;
  /** Total bytes written. */
  private written = 0;
  /** Next byte never sent. */
  private next = 0;
  private readonly held: Held[] = [];
  private readonly acked = new RangeSet();
  private readonly lost = new RangeSet();
  /** Ends of write units above `base`, ascending. */
  private readonly boundaries: number[] = [];
  private finOffset: number | undefined;
  private finSent = false;
  private finAcked = false;
  private finLost = false;
  /** Proactive second copies of small interactive writes: [start, end, dueAt]. */
  private readonly redundant: { start: number; end: number; fin: boolean; at: number }[] = [];

  /** The peer's MAX_STREAM_DATA. */
  peerMax: number;

  constructor(
    readonly id: number,
    public priority: number,
    initialPeerMax: number,
  ) {
    this.peerMax = initialPeerMax;
  }

  /** Bytes written and not yet acknowledged (what this stream holds in memory). */
  get bufferedBytes(): number {
    return this.written - this.base;
  }

  /** Bytes written but never sent. */
  get unsentBytes(): number {
    return this.written - this.next;
  }

  /** Some bytes (or the FIN) have been sent at least once. */
  get hasSent(): boolean {
    return this.next > 0 || this.finSent;
  }

  get isFinished(): boolean {
    return this.finOffset !== undefined;
  }

  /** FIN sent and every byte and the FIN acknowledged. */
  get isDone(): boolean {
    return this.finAcked && this.base === this.written;
  }

  write(bytes: Uint8Array): void {
    if (this.finOffset !== undefined) throw new Error('write after end');
    if (bytes.length === 0) return;
    this.held.push({ offset: this.written, bytes });
    this.written += bytes.length;
    this.boundaries.push(this.written);
  }

  finish(): void {
    this.finOffset ??= this.written;
  }

  /** Is there anything to send, given `connCredit` bytes of new data the session allows? */
  wantsToSend(connCredit: number): boolean {
    if (!this.lost.isEmpty || this.finLost) return true;
    if (this.next < this.written && this.next < this.peerMax && connCredit > 0) return true;
    return this.finOffset !== undefined && !this.finSent && this.next === this.finOffset;
  }

  /** Would new data be sendable if the peer raised its limit? (for blocked reporting) */
  get blockedByPeer(): boolean {
    return this.next < this.written && this.next >= this.peerMax;
  }

  /**
   * The next chunk of at most `maxBytes` bytes: lost bytes first, then new ones within `connCredit`.
   * `newBytes` says how much of it is new (the caller charges the session's flow-control credit).
   */
  nextChunk(maxBytes: number, connCredit: number): (StreamChunk & { newBytes: number }) | undefined {
    maxBytes = Math.floor(maxBytes);
    if (maxBytes <= 0) return undefined;
    const lost = this.lost.first();
    if (lost) {
      const end = Math.min(lost.end, lost.start + maxBytes, this.unitEndAfter(lost.start));
      this.lost.remove(lost.start, end);
      const fin = this.finOffset === end && this.finLost;
      if (fin) this.finLost = false;
      return { ...this.chunk(lost.start, end, fin), newBytes: 0 };
    }
    if (this.finLost && this.finOffset !== undefined) {
      // Only the FIN was lost: resend it as an empty record at the final offset.
      this.finLost = false;
      return { offset: this.finOffset, data: new Uint8Array(0), fin: true, frag: false, newBytes: 0 };
    }
    const limit = Math.min(this.written, this.peerMax, this.next + connCredit, this.next + maxBytes);
    if (limit > this.next) {
      const start = this.next;
      const end = Math.min(limit, this.unitEndAfter(start));
      this.next = end;
      const fin = this.finOffset === end;
      if (fin) this.finSent = true;
      return { ...this.chunk(start, end, fin), newBytes: end - start };
    }
    if (this.finOffset !== undefined && !this.finSent && this.next === this.finOffset) {
      this.finSent = true;
      return { offset: this.finOffset, data: new Uint8Array(0), fin: true, frag: false, newBytes: 0 };
    }
    return undefined;
  }

  /** The smallest unit end above `offset` (or the stream's end). */
  private unitEndAfter(offset: number): number {
    const b = this.boundaries;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return b[lo] ?? this.written;
  }

  private isBoundary(offset: number): boolean {
    return this.unitEndAfter(offset - 1) === offset;
  }

  private chunk(start: number, end: number, fin: boolean): StreamChunk {
    const data = this.bytesOf(start, end);
    return { offset: start, data, fin, frag: !fin && !this.isBoundary(end) };
  }

  /** Copies [start, end) out of the held buffers (a chunk may span several writes' tails? no: one unit each). */
  private bytesOf(start: number, end: number): Uint8Array {
    if (end <= start) return new Uint8Array(0);
    // Held buffers are in offset order; find the one holding `start` by binary search.
    let lo = 0;
    let hi = this.held.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.held[mid]!.offset <= start) lo = mid;
      else hi = mid - 1;
    }
    const first = this.held[lo];
    if (!first || first.offset > start)
      throw new Error(`stream ${this.id}: bytes at ${start} already released`);
    if (end <= first.offset + first.bytes.length)
      return first.bytes.subarray(start - first.offset, end - first.offset);
    const out = new Uint8Array(end - start);
    let at = start;
    for (let i = lo; at < end; i++) {
      const h = this.held[i]!;
      const from = at - h.offset;
      const to = Math.min(h.bytes.length, end - h.offset);
      out.set(h.bytes.subarray(from, to), at - start);
      at += to - from;
    }
    return out;
  }

  onAcked(offset: number, length: number, fin: boolean): void {
    // A range may be acknowledged twice (a resent copy and the original): only the part above `base` matters.
    const start = Math.max(offset, this.base);
    const end = offset + length;
    if (end > start) {
      this.acked.add(start, end);
      this.lost.remove(start, end);
    }
    if (fin) {
      this.finAcked = true;
      this.finLost = false;
    }
    const first = this.acked.first();
    if (first && first.start <= this.base) {
      this.base = first.end;
      this.acked.dropBelow(this.base);
      while (this.held.length > 0) {
        const h = this.held[0]!;
        if (h.offset + h.bytes.length > this.base) break;
        this.held.shift();
      }
      while (this.boundaries.length > 0 && this.boundaries[0]! <= this.base) this.boundaries.shift();
    }
  }

  onLost(offset: number, length: number, fin: boolean): void {
    const end = offset + length;
    if (length > 0 && end > this.base) {
      const start = Math.max(offset, this.base);
      this.lost.add(start, end);
      // Parts acknowledged meanwhile (through another copy) need not go again.
      for (const r of this.acked.all()) {
        if (r.start >= end) break;
        if (r.end > start) this.lost.remove(r.start, r.end);
      }
    }
    if (fin && !this.finAcked) this.finLost = true;
  }

  /** Schedules a second copy of [offset, offset+length) at `at` (interactive streams, docs §5.4). */
  scheduleRedundant(offset: number, length: number, fin: boolean, at: number): void {
    if (this.redundant.length < 64) this.redundant.push({ start: offset, end: offset + length, fin, at });
  }

  /** Earliest pending redundant copy, if any. */
  nextRedundantAt(): number | undefined {
    let min: number | undefined;
    for (const r of this.redundant) if (min === undefined || r.at < min) min = r.at;
    return min;
  }

  /** Moves due redundant copies that are still unacknowledged into the resend set. */
  releaseRedundant(now: number): void {
    for (let i = this.redundant.length - 1; i >= 0; i--) {
      const r = this.redundant[i]!;
      if (r.at > now) continue;
      this.redundant.splice(i, 1);
      this.onLost(r.start, r.end - r.start, r.fin);
    }
  }

  /** Drops everything (stream reset): nothing more will be sent. */
  abandon(): void {
    this.held.length = 0;
    this.boundaries.length = 0;
    this.redundant.length = 0;
    this.acked.clear();
    this.lost.clear();
    this.base = this.next = this.written;
    this.finOffset ??= this.written;
    this.finSent = this.finAcked = true;
    this.finLost = false;
  }
}
