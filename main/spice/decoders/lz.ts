// LZ image decoder (SPICE_IMAGE_TYPE_LZ_RGB and LZ_PLT, and the XXXA alpha plane of JPEG_ALPHA).
//
// Input: the `data` bytes of SpiceLZRGBData / SpiceLZPLTData (after the u32 data_size): a 28-byte big-endian header
// (magic, version, LzImageType, width, height, stride, top_down) and a FastLZ-style stream of control bytes.
// Output: RGBA8888 top-down (types.ts). Bottom-up streams are decoded in stream order and flipped afterwards,
// RGBA after both passes (REFERENCES G23).
//
//   decodeLz(data, { palette, out })   LZ_RGB (RGB16, RGB24, RGB32, RGBA, XXXA, A8) and LZ_PLT (PLT1/4 LE/BE, PLT8;
//                                      `palette` = xRGB u32 entries, required for PLT types)
//   decodeLzAlphaInto(data, target)    an XXXA stream whose alpha replaces target's alpha bytes (JPEG_ALPHA)
//
// Stream rules (spice-common lz_decompress_tmpl.c): ctrl < 32 → ctrl+1 literal pixels; else a back-reference with
// L = ctrl>>5 (7 → extended by bytes until one ≠ 255), distance ((ctrl&31)<<8)+byte (+ a 16-bit form) biased by 1,
// net length L for RGB24/32, L+1 for RGB16, L+2 for palette/alpha/A8 streams. Palette streams count in bytes.
// Every read and copy is bounds-checked; malformed input throws ProtocolError. Trailing bytes after the last pixel
// are ignored. No module state.
import { ProtocolError } from '../errors';
import type { DecodedImage } from './types';
import {
  LZ_IMAGE_TYPE_A8,
  LZ_IMAGE_TYPE_PLT1_BE,
  LZ_IMAGE_TYPE_PLT1_LE,
  LZ_IMAGE_TYPE_PLT4_BE,
  LZ_IMAGE_TYPE_PLT4_LE,
  LZ_IMAGE_TYPE_PLT8,
  LZ_IMAGE_TYPE_RGB16,
  LZ_IMAGE_TYPE_RGB24,
  LZ_IMAGE_TYPE_RGB32,
  LZ_IMAGE_TYPE_RGBA,
  LZ_IMAGE_TYPE_XXXA,
  LZ_MAGIC,
  LZ_VERSION,
  PLT_PIXELS_PER_BYTE,
  badReference,
  checkDimensions,
  checkExpansion,
  flipRows,
  isPaletteType,
  outputBuffer,
  overrun,
  paletteLut,
  plainBytes,
  readU32BE,
  rgb555ToRgba,
  truncated,
  u32View,
} from './lz-common';

const CODEC = 'LZ';
/** Size of the LZ header (7 big-endian u32). */
export const LZ_HEADER_BYTES = 28;
/** Back-references longer than this use copyWithin/fill instead of a loop. */
const BULK_COPY_PIXELS = 16;
/** Runs longer than this use fill instead of a loop. */
const BULK_FILL_PIXELS = 64;
/** Overlapping back-references with at least this period are copied in chunks (periodicCopy). */
const BULK_PERIOD_PIXELS = 16;

export interface LzHeader {
  /** LzImageType (lz-common.ts). */
  type: number;
  width: number;
  height: number;
  /** Bytes per source row; only meaningful for palette types. */
  stride: number;
  topDown: boolean;
}

export interface LzDecodeOptions {
  /** xRGB palette entries, required for LZ_PLT streams. */
  palette?: Uint32Array | null;
  /** Destination (≥ width*height*4 bytes, 4-byte aligned); a new buffer is allocated when absent. */
  out?: Uint8Array;
}

/** Parses and validates the 28-byte LZ header. */
export function readLzHeader(data: Uint8Array): LzHeader {
  if (data.length < LZ_HEADER_BYTES)
    throw new ProtocolError(`${CODEC}: ${data.length} bytes, shorter than the header`);
  if (readU32BE(data, 0) !== LZ_MAGIC) throw new ProtocolError(`${CODEC}: bad magic`);
  const version = readU32BE(data, 4);
  if (version !== LZ_VERSION)
    throw new ProtocolError(`${CODEC}: unsupported version 0x${version.toString(16)}`);
  const type = readU32BE(data, 8);
  if (type < 1 || type > LZ_IMAGE_TYPE_A8) throw new ProtocolError(`${CODEC}: unknown image type ${type}`);
  const width = readU32BE(data, 12);
  const height = readU32BE(data, 16);
  const stride = readU32BE(data, 20);
  checkDimensions(CODEC, width, height);
  return { type, width, height, stride, topDown: readU32BE(data, 24) !== 0 };
}

/** Decodes an LZ_RGB or LZ_PLT payload to RGBA. */
export function decodeLz(payload: Uint8Array, opts: LzDecodeOptions = {}): DecodedImage {
  const data = plainBytes(payload);
  const h = readLzHeader(data);
  const { width, height } = h;
  const n = width * height;
  if (isPaletteType(h.type)) return decodePalette(data, h, opts.palette ?? null, opts.out);
  checkExpansion(CODEC, n, data.length - LZ_HEADER_BYTES);

  const pixels = outputBuffer(CODEC, n * 4, opts.out);
  const dst = u32View(pixels);
  let hasAlpha = false;
  switch (h.type) {
    case LZ_IMAGE_TYPE_RGB24:
    case LZ_IMAGE_TYPE_RGB32:
      lzRgb32Pass(data, LZ_HEADER_BYTES, dst, n);
      break;
    case LZ_IMAGE_TYPE_RGB16:
      lzRgb16Pass(data, LZ_HEADER_BYTES, dst, n);
      break;
    case LZ_IMAGE_TYPE_RGBA: {
      const ip = lzRgb32Pass(data, LZ_HEADER_BYTES, dst, n);
      const alpha = new Uint8Array(n);
      lzBytePass(data, ip, alpha, n);
      for (let i = 0, o = 3; i < n; i++, o += 4) pixels[o] = alpha[i]!;
      hasAlpha = true;
      break;
    }
    case LZ_IMAGE_TYPE_XXXA:
    case LZ_IMAGE_TYPE_A8: {
      // Alpha only: colour channels are 0 (spice-common's a8 → rgb32 conversion).
      const alpha = new Uint8Array(n);
      lzBytePass(data, LZ_HEADER_BYTES, alpha, n);
      for (let i = 0; i < n; i++) dst[i] = alpha[i]! << 24;
      hasAlpha = true;
      break;
    }
    default:
      throw new ProtocolError(`${CODEC}: unsupported image type ${h.type}`);
  }
  if (!h.topDown) flipRows(pixels, width, height);
  return { width, height, pixels, hasAlpha };
}

/**
 * Decodes an LZ XXXA (alpha-only) stream and writes it into the alpha bytes of `target` (same width/height), honouring
 * the stream's top_down flag. Sets target.hasAlpha. Used for JPEG_ALPHA.
 */
export function decodeLzAlphaInto(payload: Uint8Array, target: DecodedImage): void {
  const data = plainBytes(payload);
  const h = readLzHeader(data);
  if (h.type !== LZ_IMAGE_TYPE_XXXA)
    throw new ProtocolError(`${CODEC}: alpha plane has type ${h.type}, not XXXA`);
  if (h.width !== target.width || h.height !== target.height) {
    throw new ProtocolError(
      `${CODEC}: alpha plane is ${h.width}x${h.height}, colour image is ${target.width}x${target.height}`,
    );
  }
  const { width, height } = h;
  const n = width * height;
  checkExpansion(CODEC, n, data.length - LZ_HEADER_BYTES);
  if (target.pixels.length < n * 4) throw new ProtocolError(`${CODEC}: target pixel buffer too small`);
  const alpha = new Uint8Array(n);
  lzBytePass(data, LZ_HEADER_BYTES, alpha, n);
  const px = target.pixels;
  for (let y = 0; y < height; y++) {
    const srcRow = (h.topDown ? y : height - 1 - y) * width;
    let o = y * width * 4 + 3;
    for (let x = 0; x < width; x++, o += 4) px[o] = alpha[srcRow + x]!;
  }
  target.hasAlpha = true;
}

function decodePalette(
  data: Uint8Array,
  h: LzHeader,
  palette: Uint32Array | null,
  out: Uint8Array | undefined,
): DecodedImage {
  const { width, height, stride, type } = h;
  if (palette === null) throw new ProtocolError(`${CODEC}: palette image (type ${type}) without a palette`);
  const ppb = PLT_PIXELS_PER_BYTE[type]!;
  // The index buffer may not outgrow the RGBA output (plus a little row padding): memory stays bounded by the image.
  if (stride === 0 || stride * ppb < width || stride * height > width * height * 4 + 65536) {
    throw new ProtocolError(`${CODEC}: palette stride ${stride} does not fit width ${width}`);
  }
  checkExpansion(CODEC, stride * height, data.length - LZ_HEADER_BYTES);
  const indexes = new Uint8Array(stride * height);
  lzBytePass(data, LZ_HEADER_BYTES, indexes, indexes.length);
  const pixels = outputBuffer(CODEC, width * height * 4, out);
  expandPalette(indexes, h, palette, u32View(pixels));
  return { width, height, pixels, hasAlpha: false };
}

/**
 * Expands palette indexes (rows of `stride` bytes, in stream order) into RGBA words, flipping bottom-up images.
 * Shared with BITMAP (same index layouts).
 */
export function expandPalette(
  indexes: Uint8Array,
  h: { type: number; width: number; height: number; stride: number; topDown: boolean },
  palette: Uint32Array,
  dst: Uint32Array,
): void {
  const { width, height, stride, type } = h;
  if (type === LZ_IMAGE_TYPE_PLT1_LE || type === LZ_IMAGE_TYPE_PLT1_BE) {
    const lut = paletteLut(palette, false);
    const back = lut[0]!;
    const fore = lut[1]!;
    const le = type === LZ_IMAGE_TYPE_PLT1_LE;
    for (let y = 0; y < height; y++) {
      const s = (h.topDown ? y : height - 1 - y) * stride;
      let o = y * width;
      for (let x = 0; x < width; x++) {
        const byte = indexes[s + (x >> 3)]!;
        const bit = le ? (byte >> (x & 7)) & 1 : (byte >> (7 - (x & 7))) & 1;
        dst[o++] = bit ? fore : back;
      }
    }
  } else if (type === LZ_IMAGE_TYPE_PLT4_LE || type === LZ_IMAGE_TYPE_PLT4_BE) {
    const lut = paletteLut(palette, true);
    const le = type === LZ_IMAGE_TYPE_PLT4_LE;
    const pairs = width >> 1;
    for (let y = 0; y < height; y++) {
      const s = (h.topDown ? y : height - 1 - y) * stride;
      let o = y * width;
      for (let i = 0; i < pairs; i++) {
        const byte = indexes[s + i]!;
        dst[o++] = lut[le ? byte & 15 : byte >> 4]!;
        dst[o++] = lut[le ? byte >> 4 : byte & 15]!;
      }
      if (width & 1) {
        const byte = indexes[s + pairs]!;
        dst[o] = lut[le ? byte & 15 : byte >> 4]!;
      }
    }
  } else if (type === LZ_IMAGE_TYPE_PLT8) {
    const lut = paletteLut(palette, false);
    for (let y = 0; y < height; y++) {
      const s = (h.topDown ? y : height - 1 - y) * stride;
      const o = y * width;
      for (let x = 0; x < width; x++) dst[o + x] = lut[indexes[s + x]!]!;
    }
  } else {
    throw new ProtocolError(`${CODEC}: type ${type} is not a palette type`);
  }
}

/**
 * RGB24/RGB32 pass: literals are 3 bytes B,G,R; writes RGBA words with A = 255. Returns the input position after the
 * last pixel.
 */
export function lzRgb32Pass(src: Uint8Array, ip: number, dst: Uint32Array, n: number): number {
  // Capped below 2^31 so that the `| 0` source indexes below cannot wrap (no valid stream is that long: at most
  // 3 bytes per pixel plus a control byte per 32 pixels, and MAX_IMAGE_PIXELS = 2^28).
  const end = Math.min(src.length, 0x7fff0000);
  const dv = new DataView(src.buffer, src.byteOffset, src.length);
  let op = 0;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      // net length for RGB24/32 = L (+ extension bytes)
      let len = ctrl >>> 5;
      if (len === 7) {
        let code: number;
        do {
          if (ip >= end) throw truncated(CODEC);
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw truncated(CODEC);
      const code = src[ip++]!;
      let ofs = ((ctrl & 31) << 8) + code;
      if (ofs === 0x1fff) {
        if (ip + 2 > end) throw truncated(CODEC);
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + 8191;
        ip += 2;
      }
      const ref = op - ofs - 1;
      if (ref < 0) throw badReference(CODEC);
      const stop = op + len;
      if (stop > n) throw overrun(CODEC);
      if (ofs === 0) {
        const v = dst[ref]!;
        if (len > BULK_FILL_PIXELS) {
          dst.fill(v, op, stop);
          op = stop;
        } else {
          while (op < stop) dst[op++] = v;
        }
      } else if (len <= 16 && op + 16 <= n) {
        // Short copy: 8 in-order assignments (same result as the loop for the first len pixels, overlap included);
        // the extra ones land in pixels not decoded yet, which later writes overwrite.
        dst[op] = dst[ref]!;
        dst[op + 1] = dst[ref + 1]!;
        dst[op + 2] = dst[ref + 2]!;
        dst[op + 3] = dst[ref + 3]!;
        dst[op + 4] = dst[ref + 4]!;
        dst[op + 5] = dst[ref + 5]!;
        dst[op + 6] = dst[ref + 6]!;
        dst[op + 7] = dst[ref + 7]!;
        if (len > 8) {
          dst[op + 8] = dst[ref + 8]!;
          dst[op + 9] = dst[ref + 9]!;
          dst[op + 10] = dst[ref + 10]!;
          dst[op + 11] = dst[ref + 11]!;
          dst[op + 12] = dst[ref + 12]!;
          dst[op + 13] = dst[ref + 13]!;
          dst[op + 14] = dst[ref + 14]!;
          dst[op + 15] = dst[ref + 15]!;
        }
        op = stop;
      } else if (len > BULK_COPY_PIXELS && ofs >= BULK_PERIOD_PIXELS) {
        op = periodicCopy(dst, op, ref, len);
      } else {
        let r = ref;
        while (op < stop) dst[op++] = dst[r++]!;
      }
    } else {
      const stop = op + ctrl + 1;
      if (stop > n) throw overrun(CODEC);
      if (ip + (ctrl + 1) * 3 > end) throw truncated(CODEC);
      if (ctrl === 31) {
        // The longest run (32 pixels, 96 bytes; nearly every control byte of a noisy photo) as straight-line code:
        // TurboFan checks the arrays once per block instead of once per loop iteration, and `| 0` indexes need no
        // overflow checks.
        dst[op] = 0xff000000 | dv.getUint32((ip - 1) | 0);
        dst[(op + 1) | 0] = 0xff000000 | dv.getUint32((ip + 2) | 0);
        dst[(op + 2) | 0] = 0xff000000 | dv.getUint32((ip + 5) | 0);
        dst[(op + 3) | 0] = 0xff000000 | dv.getUint32((ip + 8) | 0);
        dst[(op + 4) | 0] = 0xff000000 | dv.getUint32((ip + 11) | 0);
        dst[(op + 5) | 0] = 0xff000000 | dv.getUint32((ip + 14) | 0);
        dst[(op + 6) | 0] = 0xff000000 | dv.getUint32((ip + 17) | 0);
        dst[(op + 7) | 0] = 0xff000000 | dv.getUint32((ip + 20) | 0);
        dst[(op + 8) | 0] = 0xff000000 | dv.getUint32((ip + 23) | 0);
        dst[(op + 9) | 0] = 0xff000000 | dv.getUint32((ip + 26) | 0);
        dst[(op + 10) | 0] = 0xff000000 | dv.getUint32((ip + 29) | 0);
        dst[(op + 11) | 0] = 0xff000000 | dv.getUint32((ip + 32) | 0);
        dst[(op + 12) | 0] = 0xff000000 | dv.getUint32((ip + 35) | 0);
        dst[(op + 13) | 0] = 0xff000000 | dv.getUint32((ip + 38) | 0);
        dst[(op + 14) | 0] = 0xff000000 | dv.getUint32((ip + 41) | 0);
        dst[(op + 15) | 0] = 0xff000000 | dv.getUint32((ip + 44) | 0);
        dst[(op + 16) | 0] = 0xff000000 | dv.getUint32((ip + 47) | 0);
        dst[(op + 17) | 0] = 0xff000000 | dv.getUint32((ip + 50) | 0);
        dst[(op + 18) | 0] = 0xff000000 | dv.getUint32((ip + 53) | 0);
        dst[(op + 19) | 0] = 0xff000000 | dv.getUint32((ip + 56) | 0);
        dst[(op + 20) | 0] = 0xff000000 | dv.getUint32((ip + 59) | 0);
        dst[(op + 21) | 0] = 0xff000000 | dv.getUint32((ip + 62) | 0);
        dst[(op + 22) | 0] = 0xff000000 | dv.getUint32((ip + 65) | 0);
        dst[(op + 23) | 0] = 0xff000000 | dv.getUint32((ip + 68) | 0);
        dst[(op + 24) | 0] = 0xff000000 | dv.getUint32((ip + 71) | 0);
        dst[(op + 25) | 0] = 0xff000000 | dv.getUint32((ip + 74) | 0);
        dst[(op + 26) | 0] = 0xff000000 | dv.getUint32((ip + 77) | 0);
        dst[(op + 27) | 0] = 0xff000000 | dv.getUint32((ip + 80) | 0);
        dst[(op + 28) | 0] = 0xff000000 | dv.getUint32((ip + 83) | 0);
        dst[(op + 29) | 0] = 0xff000000 | dv.getUint32((ip + 86) | 0);
        dst[(op + 30) | 0] = 0xff000000 | dv.getUint32((ip + 89) | 0);
        dst[(op + 31) | 0] = 0xff000000 | dv.getUint32((ip + 92) | 0);
        op = stop;
        ip += 96;
        continue;
      }
      // Pixel k of the run is the big-endian word at ip - 1 + 3k: [previous byte, B, G, R] = (x << 24) | B << 16 |
      // G << 8 | R, which is the RGBA word once the 0xff000000 alpha overwrites x (ip - 1 is the control byte or the
      // previous pixel's R, always inside the stream).
      while (op < stop) {
        dst[op++] = 0xff000000 | dv.getUint32(ip - 1);
        ip += 3;
      }
    }
  }
  return ip;
}

/**
 * Copies `len` words from `ref` to `op` (ref < op) with LZ semantics (an overlapping source repeats with period
 * op - ref) using non-overlapping copyWithin chunks that double in size. Returns op + len.
 */
export function periodicCopy(dst: Uint32Array, op: number, ref: number, len: number): number {
  let avail = op - ref;
  while (len > 0) {
    const c = avail < len ? avail : len;
    dst.copyWithin(op, ref, ref + c);
    op += c;
    len -= c;
    avail += c;
  }
  return op;
}

/** RGB16 pass: literals are 2 bytes (x555, high byte first); net length L+1. */
export function lzRgb16Pass(src: Uint8Array, ip: number, dst: Uint32Array, n: number): number {
  const end = src.length;
  let op = 0;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const ctrl = src[ip++]!;
    if (ctrl < 32) {
      const stop = op + ctrl + 1;
      if (stop > n) throw overrun(CODEC);
      if (ip + (ctrl + 1) * 2 > end) throw truncated(CODEC);
      while (op < stop) {
        dst[op++] = rgb555ToRgba(((src[ip]! << 8) | src[ip + 1]!) & 0x7fff);
        ip += 2;
      }
      continue;
    }
    let len = (ctrl >> 5) - 1;
    let ofs = (ctrl & 31) << 8;
    if (len === 6) {
      let code: number;
      do {
        if (ip >= end) throw truncated(CODEC);
        code = src[ip++]!;
        len += code;
      } while (code === 255);
    }
    if (ip >= end) throw truncated(CODEC);
    const code = src[ip++]!;
    ofs += code;
    if (code === 255 && ofs === 0x1fff) {
      if (ip + 2 > end) throw truncated(CODEC);
      ofs = ((src[ip]! << 8) | src[ip + 1]!) + 8191;
      ip += 2;
    }
    len += 2;
    const ref = op - ofs - 1;
    if (ref < 0) throw badReference(CODEC);
    const stop = op + len;
    if (stop > n) throw overrun(CODEC);
    let r = ref;
    while (op < stop) dst[op++] = dst[r++]!;
  }
  return ip;
}

/**
 * Byte-unit pass (palette indexes, the alpha pass of RGBA/XXXA, A8): literals are 1 byte; net length L+2. Writes
 * `n` bytes into `dst`; returns the input position after them.
 */
export function lzBytePass(src: Uint8Array, ip: number, dst: Uint8Array, n: number): number {
  const end = src.length;
  let op = 0;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const ctrl = src[ip++]!;
    if (ctrl < 32) {
      const count = ctrl + 1;
      if (op + count > n) throw overrun(CODEC);
      if (ip + count > end) throw truncated(CODEC);
      for (let i = 0; i < count; i++) dst[op++] = src[ip++]!;
      continue;
    }
    let len = (ctrl >> 5) - 1;
    let ofs = (ctrl & 31) << 8;
    if (len === 6) {
      let code: number;
      do {
        if (ip >= end) throw truncated(CODEC);
        code = src[ip++]!;
        len += code;
      } while (code === 255);
    }
    if (ip >= end) throw truncated(CODEC);
    const code = src[ip++]!;
    ofs += code;
    if (code === 255 && ofs === 0x1fff) {
      if (ip + 2 > end) throw truncated(CODEC);
      ofs = ((src[ip]! << 8) | src[ip + 1]!) + 8191;
      ip += 2;
    }
    len += 3;
    const ref = op - ofs - 1;
    if (ref < 0) throw badReference(CODEC);
    const stop = op + len;
    if (stop > n) throw overrun(CODEC);
    if (ofs === 0) {
      dst.fill(dst[ref]!, op, stop);
      op = stop;
    } else {
      let r = ref;
      while (op < stop) dst[op++] = dst[r++]!;
    }
  }
  return ip;
}
