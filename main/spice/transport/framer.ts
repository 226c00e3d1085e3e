// Splits a channel's byte stream into SPICE data messages (REFERENCES G7-G9).
// Mini header {u16 type, u32 size} when MINI_HEADER was negotiated, else the full 18-byte header
// {u64 serial, u16 type, u32 size, u32 sub_list}. Chunks are kept as received: a message that lies inside one
// chunk is handed out as a view (no copy); only a message spanning chunks is assembled, once.

import { ProtocolError } from '../errors';
import type { MemoryAccount, MemoryBudget } from '../memory-budget';
import { SPICE_DATA_HEADER_BYTES, SPICE_MINI_DATA_HEADER_BYTES } from '../protocol/protocol';

export interface SpiceMessage {
  /** Serial of the message: from the full header, or counted (first = 1) with the mini header. */
  serial: number;
  type: number;
  /** The message body (a view: valid until the handler returns unless copied). */
  body: Uint8Array;
  /** Full-header sub-message list offset (0 = none). */
  subList: number;
}

/** Largest message body accepted. A 4K RGBA bitmap is ~33 MB; anything past this is a lie or an attack. */
export const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export interface FramerMemory {
  /** The session budget the buffered bytes (and a message announced but not yet complete) are charged to. */
  memory: MemoryBudget;
  /** Names the buffer in a refusal ("the display:0 channel's receive buffer"). */
  what: string;
}

export class MessageFramer {
  private readonly chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  private buffered = 0;
  private serial = 0;
  private readonly headerBytes: number;
  private readonly header: Uint8Array;
  private readonly headerView: DataView;
  private readonly account: MemoryAccount | null;
  private readonly what: string;
  /** Size (header + body) of the incomplete message at the head, once its header is known. */
  private awaited = 0;

  constructor(
    readonly miniHeader: boolean,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
    memory?: FramerMemory,
  ) {
    this.headerBytes = miniHeader ? SPICE_MINI_DATA_HEADER_BYTES : SPICE_DATA_HEADER_BYTES;
    this.header = new Uint8Array(this.headerBytes);
    this.headerView = new DataView(this.header.buffer);
    this.account = memory ? memory.memory.account() : null;
    this.what = memory?.what ?? 'the receive buffer';
  }

  /**
   * Charges what this framer holds or has been promised to the session budget: the buffered bytes, or the whole
   * announced message if larger (it will be assembled in one piece). Throws MemoryBudgetError past the cap, at
   * the header — a message declaring gigabytes fails at once instead of after the timeout.
   */
  private charge(): void {
    if (!this.account) return;
    const want = Math.max(this.buffered, this.awaited);
    if (want !== this.account.bytes) this.account.set(want, this.what);
  }

  /** Releases the memory charged (the channel closed). */
  dispose(): void {
    this.account?.release();
    this.chunks.length = 0;
    this.buffered = 0;
    this.awaited = 0;
  }

  /** Bytes received but not yet returned as messages. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // Keep plain Uint8Array views, not Buffers: message bodies are handed on, and Buffer#slice() does not copy,
    // so a consumer that "copies" with slice() and transfers the result would detach the socket's memory.
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.buffered += chunk.length;
    this.charge();
  }

  /** Returns the next complete message, or null if more bytes are needed. Throws ProtocolError on a bad header. */
  next(): SpiceMessage | null {
    if (this.buffered < this.headerBytes) {
      this.awaited = 0;
      this.charge();
      return null;
    }
    this.peek(this.header, this.headerBytes);
    const v = this.headerView;
    let type: number,
      size: number,
      serial: number,
      subList = 0;
    if (this.miniHeader) {
      type = v.getUint16(0, true);
      size = v.getUint32(2, true);
      serial = this.serial + 1;
    } else {
      const big = v.getBigUint64(0, true);
      serial = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
      type = v.getUint16(8, true);
      size = v.getUint32(10, true);
      subList = v.getUint32(14, true);
      if (subList !== 0 && subList >= size) {
        throw new ProtocolError(
          `message ${type}: sub-message list offset ${subList} outside body of ${size} bytes`,
        );
      }
    }
    if (size > this.maxMessageBytes) {
      throw new ProtocolError(`message ${type} declares ${size} bytes (limit ${this.maxMessageBytes})`);
    }
    if (this.buffered < this.headerBytes + size) {
      this.awaited = this.headerBytes + size;
      this.charge();
      return null;
    }
    this.awaited = 0;
    this.consume(this.headerBytes);
    const body = this.take(size);
    this.serial = this.miniHeader ? serial : this.serial + 1;
    this.charge();
    return { serial, type, body, subList };
  }

  /** Copies the first n buffered bytes into out without consuming them. */
  private peek(out: Uint8Array, n: number): void {
    let copied = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      const part = Math.min(n - copied, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + part), copied);
      copied += part;
      offset = 0;
      if (copied === n) return;
    }
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      const left = first.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first && first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.consume(n);
      return view;
    }
    const out = new Uint8Array(n);
    this.peek(out, n);
    this.consume(n);
    return out;
  }
}

/** Encodes a client message header + body into one buffer. */
export function frameMessage(
  miniHeader: boolean,
  serial: number,
  type: number,
  body: Uint8Array,
): Uint8Array {
  const headerBytes = miniHeader ? SPICE_MINI_DATA_HEADER_BYTES : SPICE_DATA_HEADER_BYTES;
  const out = new Uint8Array(headerBytes + body.length);
  const v = new DataView(out.buffer);
  if (miniHeader) {
    v.setUint16(0, type, true);
    v.setUint32(2, body.length, true);
  } else {
    v.setBigUint64(0, BigInt(serial), true);
    v.setUint16(8, type, true);
    v.setUint32(10, body.length, true);
    v.setUint32(14, 0, true);
  }
  out.set(body, headerBytes);
  return out;
}
