// Shared pieces of the LZ family (LZ_RGB, LZ_PLT, GLZ, JPEG_ALPHA's alpha plane): LzImageType numbers, the
// palette lookup table, RGB16 expansion and the small checks every decoder of the family repeats.
// Facts: spice-common common/lz_common.h (types, magic, version), lz_decompress_tmpl.c (pixel conversions).
import { ProtocolError } from '../errors';
import { MAX_IMAGE_PIXELS } from './types';

/** "LZ  " read as a big-endian u32 (bytes 20 20 5A 4C). */
export const LZ_MAGIC = 0x20205a4c;
/** Version 1.1. */
export const LZ_VERSION = 0x00010001;

// LzImageType (lz_common.h).
export const LZ_IMAGE_TYPE_PLT1_LE = 1;
export const LZ_IMAGE_TYPE_PLT1_BE = 2;
export const LZ_IMAGE_TYPE_PLT4_LE = 3;
export const LZ_IMAGE_TYPE_PLT4_BE = 4;
export const LZ_IMAGE_TYPE_PLT8 = 5;
export const LZ_IMAGE_TYPE_RGB16 = 6;
export const LZ_IMAGE_TYPE_RGB24 = 7;
export const LZ_IMAGE_TYPE_RGB32 = 8;
export const LZ_IMAGE_TYPE_RGBA = 9;
export const LZ_IMAGE_TYPE_XXXA = 10;
export const LZ_IMAGE_TYPE_A8 = 11;

/** Palette pixels per stream byte for the PLT types (index = LzImageType). */
export const PLT_PIXELS_PER_BYTE = [0, 8, 8, 2, 2, 1] as const;

export function isPaletteType(type: number): boolean {
  return type >= LZ_IMAGE_TYPE_PLT1_LE && type <= LZ_IMAGE_TYPE_PLT8;
}

/** Opaque black as an RGBA u32 (little-endian bytes 0,0,0,255). */
export const OPAQUE_BLACK = 0xff000000;

/** Reads a big-endian u32 at `at` (the caller has checked the bounds). */
export function readU32BE(src: Uint8Array, at: number): number {
  return ((src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!) >>> 0;
}

/** Validates declared dimensions; returns width * height. */
export function checkDimensions(codec: string, width: number, height: number): number {
  if (width <= 0 || height <= 0) {
    throw new ProtocolError(`${codec}: empty image ${width}x${height}`);
  }
  const pixels = width * height;
  if (pixels > MAX_IMAGE_PIXELS || width > 0xffff * 4 || height > 0xffff * 4) {
    throw new ProtocolError(`${codec}: image ${width}x${height} exceeds the ${MAX_IMAGE_PIXELS}-pixel cap`);
  }
  return pixels;
}

/**
 * Returns an output byte buffer of exactly `bytes` bytes whose start is 4-byte aligned: `out` (a prefix view of it)
 * when it is large enough and aligned, else a fresh zeroed buffer.
 */
export function outputBuffer(codec: string, bytes: number, out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return new Uint8Array(bytes);
  if (out.length < bytes) {
    throw new ProtocolError(`${codec}: output buffer holds ${out.length} bytes, image needs ${bytes}`);
  }
  if (out.byteOffset % 4 !== 0) return new Uint8Array(bytes);
  return out.length === bytes ? out : out.subarray(0, bytes);
}

/**
 * `data` itself when it is a plain Uint8Array, else a plain Uint8Array over the same bytes. Callers pass Buffers
 * (socket reads, node:zlib output) as well as Uint8Arrays (worker transfers, tests); each extra receiver class
 * costs the hot decode loops a "wrong map" deopt and then a polymorphic check on every element access.
 */
export function plainBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A Uint32Array over the same bytes (buffer must be 4-byte aligned and a multiple of 4 long). */
export function u32View(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

/**
 * Builds a 256-entry lookup table from SPICE xRGB palette entries to RGBA u32 words (A = 255). With `wrap`, index i
 * maps to entry `i % num_ents` (spice-common's PLT4 rule); otherwise entries past the palette's end are opaque
 * black, so a stray index can never read out of bounds.
 */
export function paletteLut(palette: Uint32Array, wrap: boolean): Uint32Array {
  const lut = new Uint32Array(256);
  const n = palette.length;
  for (let i = 0; i < 256; i++) {
    const idx = wrap && n > 0 ? i % n : i;
    lut[i] = idx < n ? xrgbToRgba(palette[idx]!) : OPAQUE_BLACK;
  }
  return lut;
}

/** SPICE xRGB (0x00RRGGBB) to an RGBA u32 word with A = 255. */
export function xrgbToRgba(x: number): number {
  return (OPAQUE_BLACK | ((x & 0xff) << 16) | (x & 0xff00) | ((x >>> 16) & 0xff)) >>> 0;
}

/** Reverses the row order of a tightly packed RGBA image in place. */
export function flipRows(pixels: Uint8Array, width: number, height: number): void {
  const rowBytes = width * 4;
  const tmp = new Uint8Array(rowBytes);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * rowBytes;
    const b = bottom * rowBytes;
    tmp.set(pixels.subarray(a, a + rowBytes));
    pixels.copyWithin(a, b, b + rowBytes);
    pixels.set(tmp, b);
  }
}

/**
 * An RGB16 (x555) value to an RGBA u32 word, channels widened as `v << 3 | v >> 2` (the same expansion as
 * spice-common's rgb16 → rgb32 conversion).
 */
export function rgb555ToRgba(v: number): number {
  const r5 = (v >> 10) & 31;
  const g5 = (v >> 5) & 31;
  const b5 = v & 31;
  return (
    (OPAQUE_BLACK |
      (((b5 << 3) | (b5 >> 2)) << 16) |
      (((g5 << 3) | (g5 >> 2)) << 8) |
      ((r5 << 3) | (r5 >> 2))) >>>
    0
  );
}

/**
 * Every format of the LZ family (and LZ4) produces at most 255 output units per input byte (a length-extension byte
 * adds at most 255). Rejecting declared sizes beyond that bound keeps a tiny payload from making the decoder allocate
 * a huge image it could never fill.
 */
export function checkExpansion(codec: string, units: number, payloadBytes: number): void {
  if (units > payloadBytes * 255 + 255) {
    throw new ProtocolError(
      `${codec}: declares ${units} units, more than ${payloadBytes} payload bytes can encode`,
    );
  }
}

export function truncated(codec: string): ProtocolError {
  return new ProtocolError(`${codec}: compressed stream ends early`);
}

export function badReference(codec: string): ProtocolError {
  return new ProtocolError(`${codec}: back-reference outside the decoded pixels`);
}

export function overrun(codec: string): ProtocolError {
  return new ProtocolError(`${codec}: stream produces more pixels than the image holds`);
}
