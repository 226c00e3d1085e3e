// Bounds-checked little-endian cursor over a byte buffer. Every read past `end` throws ProtocolError,
// so a truncated or lying message can never yield undefined or silently wrap.
// `fork(offset)` follows spice.proto pointers, which are u32 offsets from the start of the message body.

import { ProtocolError } from '../errors';

export class SpiceReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Absolute index of the message body start in `bytes` (pointer base). */
  readonly base: number;
  /** Absolute end (exclusive) of readable data. */
  readonly end: number;
  /** Absolute read position. */
  pos: number;

  constructor(bytes: Uint8Array, base = 0, end = bytes.length, pos = base) {
    if (base < 0 || end > bytes.length || base > end || pos < base || pos > end) {
      throw new ProtocolError(`reader window ${base}..${end} (pos ${pos}) outside buffer of ${bytes.length}`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.end = end;
    this.pos = pos;
  }

  /** Bytes left from the current position to the end of the window. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Offset of the current position relative to the body start. */
  get offset(): number {
    return this.pos - this.base;
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(
        `truncated: ${what} needs ${n} bytes at offset ${at - this.base}, ${this.end - at} left`,
      );
    }
    this.pos = at + n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.need(1, 'u8'));
  }
  i8(): number {
    return this.view.getInt8(this.need(1, 'i8'));
  }
  u16(): number {
    return this.view.getUint16(this.need(2, 'u16'), true);
  }
  i16(): number {
    return this.view.getInt16(this.need(2, 'i16'), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4, 'u32'), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4, 'i32'), true);
  }
  u32be(): number {
    return this.view.getUint32(this.need(4, 'u32be'), false);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8, 'u64'), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.need(8, 'i64'), true);
  }
  /** A u64 that must fit in a JS number exactly (ids, sizes); larger values are a protocol error. */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`u64 value ${v} too large`);
    return Number(v);
  }

  /** A view (no copy) of the next n bytes. */
  bytesView(n: number): Uint8Array {
    const at = this.need(n, `${n}-byte field`);
    return this.bytes.subarray(at, at + n);
  }

  /** A view of everything left in the window (spice.proto `data[] @end` / `@as_ptr` to end of message). */
  rest(): Uint8Array {
    const at = this.pos;
    this.pos = this.end;
    return this.bytes.subarray(at, this.end);
  }

  skip(n: number): void {
    this.need(n, 'skip');
  }

  /** Count-checked array length: `count` items of at least `itemBytes` each must fit in what is left. */
  count(count: number, itemBytes: number, what: string): number {
    if (!Number.isInteger(count) || count < 0 || count * itemBytes > this.remaining) {
      throw new ProtocolError(
        `${what}: ${count} items of ${itemBytes} bytes do not fit in ${this.remaining} bytes`,
      );
    }
    return count;
  }

  /** A new reader positioned at body-relative `offset`, sharing the same window (pointer follow). */
  fork(offset: number): SpiceReader {
    const at = this.base + offset;
    if (offset < 0 || at > this.end) {
      throw new ProtocolError(`pointer ${offset} outside message of ${this.end - this.base} bytes`);
    }
    return new SpiceReader(this.bytes, this.base, this.end, at);
  }

  /** A reader over the next n bytes only, with its own base (for nested length-prefixed structures). */
  sub(n: number): SpiceReader {
    const at = this.need(n, `${n}-byte block`);
    return new SpiceReader(this.bytes, at, at + n, at);
  }

  /** NUL-terminated or fixed-size string; decodes UTF-8 up to the first NUL. */
  cstring(n: number): string {
    const raw = this.bytesView(n);
    const nul = raw.indexOf(0);
    return new TextDecoder().decode(nul >= 0 ? raw.subarray(0, nul) : raw);
  }
}
