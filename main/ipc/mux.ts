// Frames on the byte socket between `saffron web` and its session process (a socketpair on the child's fd 3):
// control messages (host-protocol.ts, JSON) and the views' traffic, each frame tagged with its view. A damage
// frame is built in place — header, then the pixels copied straight from the surface — and the server forwards the
// chunks it reads as WebSocket fragments without joining them, so pixels are copied by neither process on the way
// beyond the socket crossings themselves.
//
// Frame: payloadBytes u32 LE, type u8, 3 zero bytes, viewId u32 LE, payload. The 12-byte header keeps a damage
// frame's pixels 4-byte aligned after the 20-byte damage header (12 + 20 = 32), so they are written as words.

export const MUX_HEADER_BYTES = 12;

export const MuxType = {
  /** host-protocol.ts message, JSON text; viewId 0. */
  control: 1,
  /** A contract message as JSON text (session → view) or a request text (view → session). */
  text: 2,
  /** A contract message in port-codec.ts's binary form (session → view), or a binary request (view → session). */
  binary: 3,
} as const;
export type MuxType = (typeof MuxType)[keyof typeof MuxType];

/** Largest payload accepted: a full 16384×16384 damage rectangle and its header. */
export const MAX_MUX_PAYLOAD_BYTES = 16384 * 16384 * 4 + 64;

/** A frame with room for `payloadBytes`, its header written; the payload starts at MUX_HEADER_BYTES. */
export function allocMuxFrame(type: MuxType, viewId: number, payloadBytes: number): Buffer {
  // allocUnsafeSlow: a buffer of its own at offset 0 (never a slice of the shared pool), not zero-filled.
  const frame = Buffer.allocUnsafeSlow(MUX_HEADER_BYTES + payloadBytes);
  frame.writeUInt32LE(payloadBytes, 0);
  frame.writeUInt32LE(type, 4);
  frame.writeUInt32LE(viewId, 8);
  return frame;
}

export function muxFrame(type: MuxType, viewId: number, payload: string | Uint8Array): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = allocMuxFrame(type, viewId, bytes.byteLength);
  frame.set(bytes, MUX_HEADER_BYTES);
  return frame;
}

export interface MuxFragment {
  type: number;
  viewId: number;
  /** Total payload size of the frame this piece belongs to. */
  payloadBytes: number;
  /** A view into a chunk read from the socket (not copied). */
  chunk: Buffer;
  first: boolean;
  last: boolean;
}

/**
 * Splits the byte stream back into frames, handing out each frame's payload as the pieces it arrived in (views of
 * the chunks read, never copies). `whole` joins a frame for consumers that need it in one piece (small control
 * and request frames). A malformed header is fatal for the link: the caller closes it.
 */
export class MuxReader {
  private header = Buffer.alloc(MUX_HEADER_BYTES);
  private headerFill = 0;
  private current: { type: number; viewId: number; payloadBytes: number; remaining: number } | undefined;

  constructor(
    private readonly onFragment: (fragment: MuxFragment) => void,
    private readonly onError: (message: string) => void,
    private readonly maxPayloadBytes = MAX_MUX_PAYLOAD_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.current) {
        const take = Math.min(MUX_HEADER_BYTES - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < MUX_HEADER_BYTES) return;
        this.headerFill = 0;
        const payloadBytes = this.header.readUInt32LE(0);
        const type = this.header.readUInt8(4);
        const viewId = this.header.readUInt32LE(8);
        if (payloadBytes > this.maxPayloadBytes || (type !== 1 && type !== 2 && type !== 3)) {
          this.onError(`malformed frame header (type ${type}, ${payloadBytes} bytes)`);
          return;
        }
        this.current = { type, viewId, payloadBytes, remaining: payloadBytes };
        if (payloadBytes === 0) {
          this.current = undefined;
          this.onFragment({ type, viewId, payloadBytes, chunk: Buffer.alloc(0), first: true, last: true });
        }
        continue;
      }
      const frame = this.current;
      const take = Math.min(frame.remaining, chunk.length - offset);
      const first = frame.remaining === frame.payloadBytes;
      frame.remaining -= take;
      const last = frame.remaining === 0;
      if (last) this.current = undefined;
      this.onFragment({
        type: frame.type,
        viewId: frame.viewId,
        payloadBytes: frame.payloadBytes,
        chunk: chunk.subarray(offset, offset + take),
        first,
        last,
      });
      offset += take;
    }
  }

  /** The frame in progress when the stream ended (its view must be told its message will not complete). */
  get pending(): { type: number; viewId: number; remaining: number } | undefined {
    return this.current;
  }
}

/** Joins fragments into whole payloads, up to `maxBytes` per frame (bigger frames are reported and skipped). */
export function wholeFrames(
  onFrame: (type: number, viewId: number, payload: Buffer) => void,
  onTooBig: (type: number, viewId: number, bytes: number) => void,
  maxBytes: number,
): (fragment: MuxFragment) => void {
  let parts: Buffer[] = [];
  return (f) => {
    if (f.payloadBytes > maxBytes) {
      if (f.first) onTooBig(f.type, f.viewId, f.payloadBytes);
      return;
    }
    if (f.first && f.last) {
      onFrame(f.type, f.viewId, f.chunk);
      return;
    }
    parts.push(f.chunk);
    if (!f.last) return;
    const payload = Buffer.concat(parts);
    parts = [];
    onFrame(f.type, f.viewId, payload);
  };
}
