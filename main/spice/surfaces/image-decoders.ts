// The table of image decoders the display path uses, one entry per compressed image type. An entry left
// null means "this build cannot show that type": the resolver then fails with an explicit 'unsupported'
// error naming the type. Tests inject their own tables; createImageDecoders() wires the real decoders.

import type { SpiceBitmapInput } from '../decoders/bitmap';
import { decodeBitmap } from '../decoders/bitmap';
import type { DecodePool } from '../decoders/pool/decode-pool';
import { decodeGlz } from '../decoders/glz';
import type { GlzWindow } from '../decoders/glz-window';
import { decodeJpeg, decodeJpegAlpha } from '../decoders/jpeg';
import { decodeLz } from '../decoders/lz';
import { decodeLz4Image } from '../decoders/lz4';
import { decodeQuic } from '../decoders/quic';
import type { DecodedImage } from '../decoders/types';
import { decodeZlibGlz } from '../decoders/zlib-glz';

type MaybeAsync<T> = T | Promise<T>;

export interface ImageDecoders {
  bitmap: ((bm: SpiceBitmapInput) => DecodedImage) | null;
  /** LZ_RGB and LZ_PLT (palette given for PLT streams). */
  lz: ((data: Uint8Array, opts: { palette?: Uint32Array | null }) => MaybeAsync<DecodedImage>) | null;
  quic: ((data: Uint8Array) => MaybeAsync<DecodedImage>) | null;
  lz4: ((data: Uint8Array, width: number, height: number) => MaybeAsync<DecodedImage>) | null;
  /** GLZ_RGB, bound to the session's GLZ window. */
  glz: ((data: Uint8Array) => Promise<DecodedImage>) | null;
  /** ZLIB_GLZ_RGB (the whole wire body), bound to the session's GLZ window. */
  zlibGlz: ((raw: Uint8Array) => Promise<DecodedImage>) | null;
  /** A JPEG of the given size (images, MJPEG video frames). */
  jpeg: ((data: Uint8Array, width: number, height: number) => Promise<DecodedImage>) | null;
  /** JPEG_ALPHA (the whole wire body). */
  jpegAlpha: ((raw: Uint8Array, width: number, height: number) => Promise<DecodedImage>) | null;
}

/** Declared pixel count of a QUIC stream (header words 3 and 4, little-endian), 0 if the header is short. */
function quicPixels(data: Uint8Array): number {
  if (data.length < 20) return 0;
  const v = new DataView(data.buffer, data.byteOffset, 20);
  return v.getUint32(12, true) * v.getUint32(16, true);
}

/** Declared pixel count of an LZ stream (big-endian header fields 3 and 4), 0 if the header is short. */
function lzPixels(data: Uint8Array): number {
  if (data.length < 28) return 0;
  const v = new DataView(data.buffer, data.byteOffset, 28);
  return v.getUint32(12, false) * v.getUint32(16, false);
}

/**
 * The real decoders; GLZ and ZLIB_GLZ use the session's dictionary window. With a pool, the stateless
 * decoders (QUIC, LZ, LZ4) run large images on worker threads so other channels are never stalled; the pool
 * decodes small ones inline itself. A header too short to size goes inline and fails there with its error.
 */
export function createImageDecoders(glzWindow: GlzWindow, pool: DecodePool | null = null): ImageDecoders {
  return {
    bitmap: (bm) => decodeBitmap(bm),
    lz: pool
      ? (data, opts) => pool.decode({ kind: 'lz', data, palette: opts.palette ?? null }, lzPixels(data))
      : (data, opts) => decodeLz(data, { palette: opts.palette ?? null }),
    quic: pool ? (data) => pool.decode({ kind: 'quic', data }, quicPixels(data)) : (data) => decodeQuic(data),
    lz4: pool
      ? (data, width, height) => pool.decode({ kind: 'lz4', data, width, height }, width * height)
      : (data, width, height) => decodeLz4Image(data, width, height),
    glz: (data) => decodeGlz(data, glzWindow),
    zlibGlz: (raw) => decodeZlibGlz(raw, glzWindow),
    jpeg: (data, width, height) => decodeJpeg(data, width, height),
    jpegAlpha: (raw, width, height) => decodeJpegAlpha(raw, width, height),
  };
}
