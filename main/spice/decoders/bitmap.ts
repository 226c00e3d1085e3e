// BITMAP image decoder (SPICE_IMAGE_TYPE_BITMAP): raw pixel rows in any SpiceBitmapFmt to RGBA8888 top-down.
//
//   decodeBitmap({ format, flags, width, height, stride, palette, data }, { out }?)
//
// Formats (spice.proto SpiceBitmap; spice-common pixman_utils.c): 1BIT_LE/BE and 4BIT_LE/BE (palette indexes, LE =
// first pixel in the low bits), 8BIT (palette), 16BIT (x555 little-endian u16), 24BIT (B,G,R), 32BIT (B,G,R,x → A =
// 255), RGBA (B,G,R,A, passed through unchanged: SPICE alpha is premultiplied), 8BIT_A (A8 → R=G=B=0).
// Rows are bottom-up unless flags & SPICE_BITMAP_FLAGS_TOP_DOWN (REFERENCES G23). Palette entries are xRGB u32; the
// caller resolves palette cache ids (SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) and passes the entries. Palette indexes past
// the palette's end give opaque black (4-bit indexes wrap modulo the palette size, as spice-common's LZ does).
// Requires stride*height ≤ data.length and stride ≥ the bytes one row needs.
import { ProtocolError } from '../errors';
import {
  SPICE_BITMAP_FLAGS_TOP_DOWN,
  SPICE_BITMAP_FMT_16BIT,
  SPICE_BITMAP_FMT_24BIT,
  SPICE_BITMAP_FMT_32BIT,
  SPICE_BITMAP_FMT_8BIT_A,
  SPICE_BITMAP_FMT_RGBA,
} from '../protocol/enums';
import type { DecodedImage } from './types';
import { checkDimensions, outputBuffer, rgb555ToRgba, u32View } from './lz-common';
import { expandPalette } from './lz';

const CODEC = 'BITMAP';

export interface SpiceBitmapInput {
  /** SPICE_BITMAP_FMT_*. */
  format: number;
  /** SPICE_BITMAP_FLAGS_*. */
  flags: number;
  width: number;
  height: number;
  /** Bytes per source row. */
  stride: number;
  /** xRGB entries for the 1/4/8-bit formats (already resolved from the palette cache); null otherwise. */
  palette: Uint32Array | null;
  data: Uint8Array;
}

/** Bits per pixel of each SpiceBitmapFmt (index = format). */
const BITS_PER_PIXEL = [0, 1, 1, 4, 4, 8, 16, 24, 32, 32, 8] as const;

export function decodeBitmap(bm: SpiceBitmapInput, opts: { out?: Uint8Array } = {}): DecodedImage {
  const { format, width, height, stride, data } = bm;
  const bpp = format >= 1 && format <= SPICE_BITMAP_FMT_8BIT_A ? BITS_PER_PIXEL[format]! : 0;
  if (bpp === 0) throw new ProtocolError(`${CODEC}: unknown bitmap format ${format}`);
  const n = checkDimensions(CODEC, width, height);
  const rowBytes = Math.ceil((width * bpp) / 8);
  if (stride < rowBytes) throw new ProtocolError(`${CODEC}: stride ${stride} < ${rowBytes} bytes per row`);
  if (stride * height > data.length) {
    throw new ProtocolError(
      `${CODEC}: ${data.length} data bytes, stride ${stride} x ${height} rows needs more`,
    );
  }
  const topDown = (bm.flags & SPICE_BITMAP_FLAGS_TOP_DOWN) !== 0;
  const pixels = outputBuffer(CODEC, n * 4, opts.out);
  const dst = u32View(pixels);

  if (bpp <= 8 && format !== SPICE_BITMAP_FMT_8BIT_A) {
    if (bm.palette === null) throw new ProtocolError(`${CODEC}: format ${format} needs a palette`);
    // SPICE_BITMAP_FMT_{1BIT_LE,1BIT_BE,4BIT_LE,4BIT_BE,8BIT} = LZ_IMAGE_TYPE_{PLT1_LE,…,PLT8} = 1…5.
    expandPalette(data, { type: format, width, height, stride, topDown }, bm.palette, dst);
    return { width, height, pixels, hasAlpha: false };
  }

  switch (format) {
    case SPICE_BITMAP_FMT_32BIT:
    case SPICE_BITMAP_FMT_RGBA: {
      const alpha = format === SPICE_BITMAP_FMT_RGBA;
      if (data.byteOffset % 4 === 0 && stride % 4 === 0) {
        const src = new Uint32Array(data.buffer, data.byteOffset, (stride * height) >>> 2);
        const words = stride >>> 2;
        for (let y = 0; y < height; y++) {
          let s = (topDown ? y : height - 1 - y) * words;
          let o = y * width;
          const stop = o + width;
          if (alpha) {
            while (o < stop) {
              const v = src[s++]!;
              dst[o++] = (v & 0xff00ff00) | ((v >>> 16) & 0xff) | ((v & 0xff) << 16);
            }
          } else {
            while (o < stop) {
              const v = src[s++]!;
              dst[o++] = 0xff000000 | (v & 0xff00) | ((v >>> 16) & 0xff) | ((v & 0xff) << 16);
            }
          }
        }
      } else {
        for (let y = 0; y < height; y++) {
          let s = (topDown ? y : height - 1 - y) * stride;
          let o = y * width;
          const stop = o + width;
          while (o < stop) {
            const a = alpha ? data[s + 3]! : 255;
            dst[o++] = (a << 24) | (data[s]! << 16) | (data[s + 1]! << 8) | data[s + 2]!;
            s += 4;
          }
        }
      }
      return { width, height, pixels, hasAlpha: alpha };
    }
    case SPICE_BITMAP_FMT_24BIT:
      for (let y = 0; y < height; y++) {
        let s = (topDown ? y : height - 1 - y) * stride;
        let o = y * width;
        const stop = o + width;
        while (o < stop) {
          dst[o++] = 0xff000000 | (data[s]! << 16) | (data[s + 1]! << 8) | data[s + 2]!;
          s += 3;
        }
      }
      return { width, height, pixels, hasAlpha: false };
    case SPICE_BITMAP_FMT_16BIT:
      for (let y = 0; y < height; y++) {
        let s = (topDown ? y : height - 1 - y) * stride;
        let o = y * width;
        const stop = o + width;
        while (o < stop) {
          dst[o++] = rgb555ToRgba((data[s]! | (data[s + 1]! << 8)) & 0x7fff);
          s += 2;
        }
      }
      return { width, height, pixels, hasAlpha: false };
    case SPICE_BITMAP_FMT_8BIT_A:
      for (let y = 0; y < height; y++) {
        let s = (topDown ? y : height - 1 - y) * stride;
        let o = y * width;
        const stop = o + width;
        while (o < stop) dst[o++] = data[s++]! << 24;
      }
      return { width, height, pixels, hasAlpha: true };
    default:
      throw new ProtocolError(`${CODEC}: unsupported bitmap format ${format}`);
  }
}

/** Bytes one row of `width` pixels takes in `format` (0 for an unknown format). */
export function bitmapRowBytes(format: number, width: number): number {
  const bpp = format >= 1 && format <= SPICE_BITMAP_FMT_8BIT_A ? BITS_PER_PIXEL[format]! : 0;
  return Math.ceil((width * bpp) / 8);
}
