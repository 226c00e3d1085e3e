// The receiving half of a UDPack stream: reassembles chunks that arrive out of order, holds a write unit until its
// last fragment (FRAG clear) is in so the reader gets it whole, and enforces the flow-control limit this side
// advertised. Memory is bounded by that limit plus a bound on the number of out-of-order pieces.
import { ProtocolError } from '../../errors';

/** A unit larger than this is delivered in parts rather than held whole. */
export const MAX_HELD_UNIT_BYTES = 256 * 1024;
/** Out-of-order pieces one stream may hold; more means a peer fragmenting on purpose. */
export const MAX_OUT_OF_ORDER_PIECES = 8192;

interface Piece {
  offset: number;
  end: number;
  data: Uint8Array;
  /** The piece ends its write unit (FRAG clear). */
  unitEnd: boolean;
}

export class FlowControlError extends ProtocolError {}

export class RecvStream {
  /** Bytes handed to the reader. */
  private delivered = 0;
  /** Contiguous bytes received but held until their unit completes. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** The held data ends a unit. */
  private heldEndsUnit = false;
  private readonly pieces: Piece[] = [];
  private finalSize: number | undefined;
  private finDelivered = false;
  /** Highest offset received (for session-level flow control). */
  highest = 0;
  /** Bytes the reader has consumed (credit to give back). */
  consumed = 0;
  /** The limit this side advertised (MAX_STREAM_DATA). */
  maxAllowed: number;

  /** The current receive window: grows (doubling) while the reader keeps up with it, up to `maxWindowBytes`. */
  windowBytes: number;
  private lastCreditAt: number | undefined;

  constructor(
    readonly id: number,
    readonly maxWindowBytes: number,
    initialWindowBytes = maxWindowBytes,
  ) {
    this.windowBytes = Math.min(initialWindowBytes, maxWindowBytes);
    this.maxAllowed = this.windowBytes;
  }

  get contiguousEnd(): number {
    return this.delivered + this.heldBytes;
  }

  get isFinReceived(): boolean {
    return this.finalSize !== undefined;
  }

  get isFinDelivered(): boolean {
    return this.finDelivered;
  }

  /** Bytes this stream holds in memory (held plus out-of-order pieces). */
  get bufferedBytes(): number {
    let n = this.heldBytes;
    for (const p of this.pieces) n += p.end - p.offset;
    return n;
  }

  /**
   * Accepts a chunk. Returns how far `highest` grew (the session charges it against its own window).
   * Throws FlowControlError past the advertised limit or a final size that changes; ProtocolError when a peer
   * fragments beyond MAX_OUT_OF_ORDER_PIECES.
   */
  receive(offset: number, data: Uint8Array, fin: boolean, frag: boolean): number {
    const end = offset + data.length;
    if (end > this.maxAllowed)
      throw new FlowControlError(
        `stream ${this.id}: data up to ${end} beyond the allowed ${this.maxAllowed}`,
      );
    if (this.finalSize !== undefined && (end > this.finalSize || (fin && end !== this.finalSize)))
      throw new FlowControlError(`stream ${this.id}: data beyond its final size ${this.finalSize}`);
    if (fin) {
      if (end < this.highest) throw new FlowControlError(`stream ${this.id}: final size below data received`);
      this.finalSize = end;
    }
    const grew = Math.max(0, end - this.highest);
    this.highest = Math.max(this.highest, end);
    const unitEnd = !frag;
    const contiguous = this.contiguousEnd;
    if (end <= contiguous) return grew; // duplicate
    if (offset <= contiguous) {
      this.append(data.subarray(contiguous - offset), unitEnd);
      this.drainPieces();
    } else this.store({ offset, end, data, unitEnd });
    return grew;
  }

  private append(data: Uint8Array, unitEnd: boolean): void {
    if (data.length > 0) {
      this.held.push(data);
      this.heldBytes += data.length;
    }
    this.heldEndsUnit = unitEnd;
  }

  private store(piece: Piece): void {
    // Sorted insert by offset; overlaps are trimmed when pieces become contiguous.
    let lo = 0;
    let hi = this.pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pieces[mid]!.offset < piece.offset) lo = mid + 1;
      else hi = mid;
    }
    const same = this.pieces[lo];
    if (same && same.offset === piece.offset && same.end >= piece.end) return; // already held
    if (this.pieces.length >= MAX_OUT_OF_ORDER_PIECES)
      throw new ProtocolError(`stream ${this.id}: more than ${MAX_OUT_OF_ORDER_PIECES} out-of-order pieces`);
    // A copy, so a tiny piece does not pin its whole decrypted packet: memory stays proportional to the data.
    this.pieces.splice(lo, 0, { ...piece, data: Uint8Array.from(piece.data) });
  }

  private drainPieces(): void {
    while (this.pieces.length > 0) {
      const p = this.pieces[0]!;
      const contiguous = this.contiguousEnd;
      if (p.offset > contiguous) break;
      this.pieces.shift();
      if (p.end <= contiguous) continue;
      this.append(p.data.subarray(contiguous - p.offset), p.unitEnd);
    }
  }

  /**
   * Takes what the reader should get now: whole units, or a part of a unit when holding more would stall the sender
   * (past MAX_HELD_UNIT_BYTES or a quarter of the window — credit must keep flowing —, at this side's flow-control
   * limit, or `force`d when the session's limit is reached),
   * or the rest at the stream's end. `fin` says the stream ended after these bytes.
   */
  take(force = false): { data: Uint8Array | undefined; fin: boolean } {
    let data: Uint8Array | undefined;
    const atEnd = this.finalSize !== undefined && this.contiguousEnd === this.finalSize;
    const release =
      this.heldEndsUnit ||
      atEnd ||
      force ||
      this.heldBytes >= Math.min(MAX_HELD_UNIT_BYTES, this.windowBytes / 4) ||
      this.contiguousEnd >= this.maxAllowed;
    if (this.heldBytes > 0 && release) {
      data = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
      this.delivered += this.heldBytes;
      this.held = [];
      this.heldBytes = 0;
    }
    const fin = atEnd && this.heldBytes === 0 && !this.finDelivered;
    if (fin) this.finDelivered = true;
    return { data, fin };
  }

  /**
   * Credit to advertise: when the reader consumed half a window since the last advertisement, returns the new
   * MAX_STREAM_DATA (and records it); otherwise undefined. The window doubles when the sender came within a quarter
   * window of the limit, or that half window took less than two round trips — the window, not the reader, was the
   * limit (as TCP's receive-buffer auto-tuning does) — so a slow reader keeps only a little data in flight towards
   * it and what it gets stays fresh.
   */
  creditUpdate(now = 0, rttMs = 0): number | undefined {
    if (this.finalSize !== undefined) return undefined;
    if (this.consumed + this.windowBytes - this.maxAllowed < this.windowBytes / 2) return undefined;
    // The sender came close to the limit, or half a window went by in under two round trips: the window limits.
    const nearLimit = this.highest >= this.maxAllowed - this.windowBytes / 4;
    if (nearLimit || (this.lastCreditAt !== undefined && now - this.lastCreditAt < 2 * rttMs))
      this.windowBytes = Math.min(this.maxWindowBytes, 2 * this.windowBytes);
    this.lastCreditAt = now;
    this.maxAllowed = Math.max(this.maxAllowed, this.consumed + this.windowBytes);
    return this.maxAllowed;
  }
}
