// Growable little-endian writer for client→server messages (and for test builders of server messages).

export class SpiceWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for n more bytes and returns where they go. It may replace buf and view, so every writer calls
   * it before touching either. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = at + n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  i8(v: number): this {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  i16(v: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, v | 0, true);
    return this;
  }
  u32be(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, false);
    return this;
  }
  u64(v: bigint | number): this {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
    return this;
  }
  i64(v: bigint | number): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(v), true);
    return this;
  }
  bytes(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }
  zeros(n: number): this {
    const at = this.reserve(n);
    this.buf.fill(0, at, at + n);
    return this;
  }

  /** Overwrite a u32 written earlier (for sizes and pointers known only later). */
  patchU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  /** The written bytes (a view; copy it if the writer is reused). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
