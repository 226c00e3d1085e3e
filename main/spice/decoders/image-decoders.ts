// The session's image-decoder table (image-decoder.ts), keyed by SPICE_IMAGE_TYPE_*: the stateless decoders
// (stateless.ts) — through the decode pool when one is given, so large images decode on worker threads — plus the
// decoders bound to session state: GLZ_RGB and ZLIB_GLZ_RGB (the session's GLZ window), JPEG and JPEG_ALPHA (sharp).
// Tests replace entries (or set them to null: "not available in this build") through DisplaySharedOptions.
import {
  SPICE_IMAGE_TYPE_GLZ_RGB,
  SPICE_IMAGE_TYPE_JPEG,
  SPICE_IMAGE_TYPE_JPEG_ALPHA,
  SPICE_IMAGE_TYPE_LZ4,
  SPICE_IMAGE_TYPE_LZ_PLT,
  SPICE_IMAGE_TYPE_LZ_RGB,
  SPICE_IMAGE_TYPE_QUIC,
  SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB,
} from '../protocol/enums';
import { decodeGlz } from './glz';
import type { GlzWindow } from './glz-window';
import type { ImageDecoder, ImageDecoderTable } from './image-decoder';
import { decodeJpeg, decodeJpegAlpha } from './jpeg';
import type { DecodePool } from './pool/decode-pool';
import { STATELESS_DECODERS } from './stateless';
import { decodeZlibGlz } from './zlib-glz';

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
 * How big a pooled job is, for the pool's inline-or-worker choice: the stream's own header where it has one (the
 * work done is the stream's, whatever the descriptor claims), else the descriptor. A header too short to size goes
 * inline and fails there with its error.
 */
const POOLED_SIZE: Readonly<Record<number, (data: Uint8Array, width: number, height: number) => number>> = {
  [SPICE_IMAGE_TYPE_QUIC]: (data) => quicPixels(data),
  [SPICE_IMAGE_TYPE_LZ_RGB]: (data) => lzPixels(data),
  [SPICE_IMAGE_TYPE_LZ_PLT]: (data) => lzPixels(data),
  [SPICE_IMAGE_TYPE_LZ4]: (_data, width, height) => width * height,
};

/**
 * The real decoders; GLZ and ZLIB_GLZ use the session's dictionary window. With a pool, QUIC, LZ and LZ4 run large
 * images on worker threads so other channels are never stalled (the pool decodes small ones inline itself); BITMAP
 * is a plain copy and always runs inline.
 */
export function createImageDecoders(glzWindow: GlzWindow, pool: DecodePool | null = null): ImageDecoderTable {
  const table: Record<number, ImageDecoder> = { ...STATELESS_DECODERS };
  if (pool) {
    for (const [type, size] of Object.entries(POOLED_SIZE)) {
      table[Number(type)] = (image) => {
        const { out: _out, ...job } = image;
        return pool.decode(job, size(image.data, image.width, image.height));
      };
    }
  }
  table[SPICE_IMAGE_TYPE_GLZ_RGB] = (image) => decodeGlz(image.data, glzWindow);
  table[SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB] = (image) => decodeZlibGlz(image.data, glzWindow);
  table[SPICE_IMAGE_TYPE_JPEG] = (image) => decodeJpeg(image.data, image.width, image.height);
  table[SPICE_IMAGE_TYPE_JPEG_ALPHA] = (image) => decodeJpegAlpha(image.data, image.width, image.height);
  return table;
}
