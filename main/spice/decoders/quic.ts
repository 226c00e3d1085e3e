// SPICE QUIC image decoder (SPICE_IMAGE_TYPE_QUIC): header parsing, size checks and the per-type row
// drivers. Output is RGBA8888, rows top-down. Bit-exact with spice-common's quic.c as used by spice-gtk's
// canvas (RGB16 channels widen 5 → 8 bits as (v << 3) | (v >> 2)). See docs/decoders-quic.md.

import { ProtocolError, SpiceError } from '../errors';
import { decodePlaneRow } from './quic-plane';
import { decodeRgb32Row, decodeRgb32Row0, decodeRgbRow, decodeRgbRow0 } from './quic-rgb';
import { QuicBits, QuicModel } from './quic-state';
import { FAMILY_5BPC, FAMILY_8BPC } from './quic-tables';
import type { DecodedImage } from './types';
import { MAX_IMAGE_PIXELS } from './types';

/** ASCII "QUIC" as a little-endian word. */
const QUIC_MAGIC = 0x43495551;
const QUIC_VERSION = 0;
const HEADER_WORDS = 5;

/** QuicImageType values (spice-common quic.h). */
export const QUIC_IMAGE_TYPE_GRAY = 1;
export const QUIC_IMAGE_TYPE_RGB16 = 2;
export const QUIC_IMAGE_TYPE_RGB24 = 3;
export const QUIC_IMAGE_TYPE_RGB32 = 4;
export const QUIC_IMAGE_TYPE_RGBA = 5;

const OPAQUE = -0x1000000; // 0xff000000 as an int32: alpha 255 in a little-endian RGBA word
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function readU32le(data: Uint8Array, off: number): number {
  return (data[off]! | (data[off + 1]! << 8) | (data[off + 2]! << 16) | (data[off + 3]! << 24)) >>> 0;
}

/** Decodes a SPICE QUIC payload (the `data` bytes of SpiceQUICData). Output RGBA top-down (see types.ts). */
export function decodeQuic(data: Uint8Array, out?: Uint8Array): DecodedImage {
  // Like spice-common, the stream is data.length >> 2 whole words; trailing bytes are ignored.
  const nWords = data.length >>> 2;
  if (nWords < HEADER_WORDS)
    throw new ProtocolError(`QUIC: payload of ${data.length} bytes is shorter than the header`);
  const magic = readU32le(data, 0);
  if (magic !== QUIC_MAGIC) throw new ProtocolError(`QUIC: bad magic 0x${magic.toString(16)}`);
  const version = readU32le(data, 4);
  if (version !== QUIC_VERSION)
    throw new ProtocolError(`QUIC: unsupported version 0x${version.toString(16)}`);
  const type = readU32le(data, 8);
  const width = readU32le(data, 12);
  const height = readU32le(data, 16);
  let channels: number;
  switch (type) {
    case QUIC_IMAGE_TYPE_GRAY:
      channels = 1;
      break;
    case QUIC_IMAGE_TYPE_RGB16:
    case QUIC_IMAGE_TYPE_RGB24:
    case QUIC_IMAGE_TYPE_RGB32:
      channels = 3;
      break;
    case QUIC_IMAGE_TYPE_RGBA:
      channels = 4;
      break;
    default:
      throw new ProtocolError(`QUIC: bad image type ${type}`);
  }
  if (width === 0 || height === 0) throw new ProtocolError(`QUIC: empty image ${width}x${height}`);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new ProtocolError(`QUIC: image ${width}x${height} is too large`);
  // Every symbol takes at least one bit; row 0 codes every pixel and later rows code at least their first
  // three pixels (runs start at x >= 3). The reader also needs its 32-bit window inside the data at the end.
  const minBits = HEADER_WORDS * 32 + channels * width + (height - 1) * channels * Math.min(width, 3) + 32;
  if (minBits > nWords * 32) {
    throw new ProtocolError(`QUIC: ${data.length} bytes cannot hold a ${width}x${height} image`);
  }
  if (!LITTLE_ENDIAN) throw new SpiceError('unsupported', 'QUIC decoding needs a little-endian host');

  const size = width * height * 4;
  let pixels: Uint8Array;
  let target: Uint8Array;
  if (out !== undefined && out.length >= size) {
    pixels = out.subarray(0, size);
    target = pixels.byteOffset % 4 === 0 ? pixels : new Uint8Array(size);
  } else {
    pixels = new Uint8Array(size);
    target = pixels;
  }

  // One Int32Array for the decoders' working memory: two correlation rows (colour, then alpha or gray),
  // then a zero-padded copy of the input words. The row decoders load words without bounds tests and the
  // reader is checked after every row; one row (colour + alpha) consumes at most ~120 bits per pixel
  // (3 x 26-bit codes plus the run codes that can end there, alpha adds one more code), so 6 words per
  // pixel of padding can never be overrun before that check.
  const wordsBase = 2 * width;
  const heap = new Int32Array(wordsBase + nWords + 6 * width + 64);
  new Uint8Array(heap.buffer, wordsBase * 4).set(data.subarray(0, nWords * 4));
  const bits = new QuicBits(heap, wordsBase, nWords, HEADER_WORDS);
  const plane = new Int32Array(target.buffer, target.byteOffset, width * height);

  switch (type) {
    case QUIC_IMAGE_TYPE_RGB24:
    case QUIC_IMAGE_TYPE_RGB32:
      decodeRgb(bits, plane, width, height);
      break;
    case QUIC_IMAGE_TYPE_RGB16:
      decodeRgb16(bits, plane, width, height);
      break;
    case QUIC_IMAGE_TYPE_RGBA:
      decodeRgba(bits, plane, target, width, height);
      break;
    default:
      decodeGray(bits, plane, target, width, height);
      break;
  }
  if (target !== pixels) pixels.set(target);
  return { width, height, pixels, hasAlpha: type === QUIC_IMAGE_TYPE_RGBA };
}

function decodeRgb(bits: QuicBits, plane: Int32Array, width: number, height: number): void {
  const m = new QuicModel(FAMILY_8BPC, 3, 0);
  decodeRgb32Row0(bits, m, FAMILY_8BPC, plane, 0, width, OPAQUE);
  bits.check();
  for (let y = 1, off = width; y < height; y++, off += width) {
    decodeRgb32Row(bits, m, FAMILY_8BPC, plane, off, width, OPAQUE);
    bits.check();
  }
}

/** Widens the 5-bit lanes of one decoded row to 8 bits (spice-common's RGB16 → RGB32 output). */
function widenRgb16Row(plane: Int32Array, off: number, width: number): void {
  for (let end = off + width; off < end; off++) {
    const p = plane[off]!;
    const r = p & 31;
    const g = (p >> 8) & 31;
    const b = (p >> 16) & 31;
    plane[off] = (r << 3) | (r >> 2) | (((g << 3) | (g >> 2)) << 8) | (((b << 3) | (b >> 2)) << 16) | OPAQUE;
  }
}

function decodeRgb16(bits: QuicBits, plane: Int32Array, width: number, height: number): void {
  const m = new QuicModel(FAMILY_5BPC, 3, 0);
  // Rows are decoded as 5-bit lanes; a row is widened once the next row no longer predicts from it.
  decodeRgbRow0(bits, m, FAMILY_5BPC, plane, 0, width, 0);
  bits.check();
  for (let y = 1, off = width; y < height; y++, off += width) {
    decodeRgbRow(bits, m, FAMILY_5BPC, plane, off, width, 0);
    bits.check();
    widenRgb16Row(plane, off - width, width);
  }
  widenRgb16Row(plane, (height - 1) * width, width);
}

function decodeRgba(bits: QuicBits, plane: Int32Array, px: Uint8Array, width: number, height: number): void {
  const m = new QuicModel(FAMILY_8BPC, 3, 0);
  const ma = new QuicModel(FAMILY_8BPC, 1, width);
  // Each row: colour first (alpha lane written as 0), then the alpha row in place.
  decodeRgbRow0(bits, m, FAMILY_8BPC, plane, 0, width, 0);
  decodePlaneRow(bits, ma, FAMILY_8BPC, px, 3, width, true);
  bits.check();
  for (let y = 1, off = width; y < height; y++, off += width) {
    decodeRgbRow(bits, m, FAMILY_8BPC, plane, off, width, 0);
    decodePlaneRow(bits, ma, FAMILY_8BPC, px, off * 4 + 3, width, false);
    bits.check();
  }
}

function decodeGray(bits: QuicBits, plane: Int32Array, px: Uint8Array, width: number, height: number): void {
  const m = new QuicModel(FAMILY_8BPC, 1, width);
  // Gray levels are decoded into the red lane, then copied to green and blue with alpha 255.
  for (let y = 0, off = 0; y < height; y++, off += width) {
    decodePlaneRow(bits, m, FAMILY_8BPC, px, off * 4, width, y === 0);
    bits.check();
    for (let i = off, end = off + width; i < end; i++) plane[i] = (px[i * 4]! * 0x010101) | OPAQUE;
  }
}
