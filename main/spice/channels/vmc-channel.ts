// The spicevmc byte pipe shared by the usbredir, port, webdav and smartcard channels: SPICE_MSG_SPICEVMC_DATA and
// COMPRESSED_DATA (LZ4, when both sides announce SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4) in, the same two out.
// Subclasses see a plain byte stream (onVmcData, writeVmc) and add their own messages to the handler table.
import { ProtocolError, SpiceError, errorMessage } from '../errors';
import { decodeLz4Block } from '../decoders/lz4';
import * as E from '../protocol/enums';
import { SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4 } from '../protocol/protocol';
import type { SpiceReader } from '../wire/reader';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';
import { compressLz4Block } from './vmc-lz4';

/** Largest uncompressed size a COMPRESSED_DATA message may declare (spice-server sends at most 64 KiB + 32). */
export const VMC_MAX_UNCOMPRESSED_BYTES = 1024 * 1024;
/** Outgoing writes are split into messages of at most this many bytes (spice-server's own chunk size). */
export const VMC_MAX_MESSAGE_BYTES = 64 * 1024;
/** Below this, compression is not worth it (spice-gtk and spice-server use the same threshold). */
const COMPRESS_THRESHOLD_BYTES = 1000;

export interface VmcChannelOptions {
  /** LZ4-compress outgoing data when the server accepts it (default true). */
  compress?: boolean;
}

export interface VmcStats {
  bytesIn: number;
  bytesOut: number;
  /** Bytes of outgoing data that went out compressed, before and after compression. */
  compressedIn: number;
  compressedOut: number;
}

export abstract class SpiceVmcChannel<TMsg extends number = E.SpiceMsgSpicevmc> extends SpiceChannel<TMsg> {
  private readonly compressOut: boolean;
  private lz4Table: Int32Array | null = null;
  readonly stats: VmcStats = { bytesIn: 0, bytesOut: 0, compressedIn: 0, compressedOut: 0 };

  constructor(ctx: ChannelContext, options: VmcChannelOptions = {}) {
    super(ctx);
    this.compressOut = options.compress ?? true;
  }

  /** Bytes from the guest side, in order. May return a promise: no further message is read until it settles. */
  protected abstract onVmcData(bytes: Uint8Array): void | Promise<void>;

  /** The spicevmc handlers, for a subclass's table: `{ ...this.vmcHandlers(), [E.SPICE_MSG_PORT_INIT]: … }`. */
  protected vmcHandlers(): Record<E.SpiceMsgSpicevmc, MessageHandler> {
    return {
      [E.SPICE_MSG_SPICEVMC_DATA]: (r) => this.deliver(r.rest()),
      [E.SPICE_MSG_SPICEVMC_COMPRESSED_DATA]: (r) => {
        let bytes: Uint8Array;
        try {
          bytes = decodeCompressedData(r);
        } catch (e) {
          this.failChannel(asSpiceError(e));
          return;
        }
        return this.deliver(bytes);
      },
    };
  }

  protected override channelCaps(): number[] {
    return [SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4];
  }

  /** A lost or garbled chunk breaks the byte stream for good: any error here closes this channel. */
  private deliver(bytes: Uint8Array): void | Promise<void> {
    this.stats.bytesIn += bytes.length;
    try {
      const pending = this.onVmcData(bytes);
      if (pending) return pending.catch((e: unknown) => this.failChannel(asSpiceError(e)));
    } catch (e) {
      this.failChannel(asSpiceError(e));
    }
  }

  /** Sends bytes to the guest side, split into messages and LZ4-compressed where that helps. */
  protected writeVmc(bytes: Uint8Array): void {
    if (!this.isReady) return;
    this.stats.bytesOut += bytes.length;
    const compress = this.compressOut && this.hasServerCap(SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4);
    for (let at = 0; at < bytes.length; at += VMC_MAX_MESSAGE_BYTES) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + VMC_MAX_MESSAGE_BYTES));
      if (compress && part.length > COMPRESS_THRESHOLD_BYTES) {
        this.lz4Table ??= new Int32Array(1 << 14) as Int32Array;
        const packed = compressLz4Block(part, this.lz4Table);
        if (packed) {
          const body = new Uint8Array(5 + packed.length);
          body[0] = E.SPICE_DATA_COMPRESSION_TYPE_LZ4;
          new DataView(body.buffer).setUint32(1, part.length, true);
          body.set(packed, 5);
          this.stats.compressedIn += part.length;
          this.stats.compressedOut += packed.length;
          this.send(E.SPICE_MSGC_SPICEVMC_COMPRESSED_DATA, body);
          continue;
        }
      }
      this.send(E.SPICE_MSGC_SPICEVMC_DATA, part);
    }
  }

  /** Reports a broken byte stream on this channel and closes it (the session goes on). */
  protected failChannel(error: SpiceError): void {
    this.log.warn(error.message);
    this.ctx.emit('channel-error', { type: this.type, id: this.id, error });
    this.close();
  }
}

/** SpiceMsgCompressedData: u8 type, (type ≠ NONE) u32 uncompressed_size, then the compressed bytes. */
export function decodeCompressedData(r: SpiceReader): Uint8Array {
  const type = r.u8();
  if (type === E.SPICE_DATA_COMPRESSION_TYPE_NONE) return r.rest();
  if (type !== E.SPICE_DATA_COMPRESSION_TYPE_LZ4)
    throw new ProtocolError(`spicevmc: unknown data compression type ${type}`);
  const size = r.u32();
  if (size === 0 || size > VMC_MAX_UNCOMPRESSED_BYTES)
    throw new ProtocolError(
      `spicevmc: compressed data declares ${size} bytes (limit ${VMC_MAX_UNCOMPRESSED_BYTES})`,
    );
  const src = r.rest();
  if (src.length === 0) throw new ProtocolError('spicevmc: compressed data is empty');
  if (size > src.length * 255 + 255)
    throw new ProtocolError(`spicevmc: ${src.length} compressed bytes cannot expand to ${size}`);
  const out = new Uint8Array(size);
  const n = decodeLz4Block(src, 0, src.length, out, 0, size);
  if (n !== size) throw new ProtocolError(`spicevmc: LZ4 data decodes to ${n} bytes, not ${size}`);
  return out;
}

function asSpiceError(e: unknown): SpiceError {
  return e instanceof SpiceError ? e : new ProtocolError(errorMessage(e), { cause: e });
}
