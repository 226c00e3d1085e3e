// LZ4 image decoder (SPICE_IMAGE_TYPE_LZ4) and a bounds-checked LZ4 *block* decoder.
//
//   decodeLz4Image(data, width, height, out?)   data = the image body after SpiceImageDescriptor's data_size:
//                                              u8 top_down, u8 SPICE_BITMAP_FMT_{16BIT,24BIT,32BIT,RGBA}, then
//                                              repeated [u32 big-endian block length][LZ4 block]
//   decodeLz4Block(src, ip, ipEnd, dst, op)   one raw LZ4 block into dst at op; returns the new output position
//
// Blocks are *linked* (server lz4-encoder.c uses LZ4_compress_fast_continue): a match may reach back into the output
// of earlier blocks, so all blocks decode into one continuous buffer (spice-common canvas_base.c canvas_get_lz4).
// The decoded rows are tightly packed (width * bytes per pixel); the total must equal height rows exactly.
// 32BIT is B,G,R,x (A forced to 255), RGBA is B,G,R,A (passed through), 24BIT is B,G,R, 16BIT is x555 LE.
// LZ4 block format: token (literal length << 4 | match length − 4), 15 = more length bytes until one ≠ 255,
// literals, then a u16 LE offset (1 … output so far); the last sequence of a block has literals only.
import { ProtocolError } from '../errors';
import {
  SPICE_BITMAP_FMT_16BIT,
  SPICE_BITMAP_FMT_24BIT,
  SPICE_BITMAP_FMT_32BIT,
  SPICE_BITMAP_FMT_RGBA,
} from '../protocol/enums';
import type { DecodedImage } from './types';
import {
  checkDimensions,
  checkExpansion,
  flipRows,
  outputBuffer,
  readU32BE,
  rgb555ToRgba,
  u32View,
} from './lz-common';

const CODEC = 'LZ4';
/** Copies at least this long use copyWithin / set instead of a byte loop. */
const BULK_BYTES = 32;

export function decodeLz4Image(
  data: Uint8Array,
  width: number,
  height: number,
  out?: Uint8Array,
): DecodedImage {
  const n = checkDimensions(CODEC, width, height);
  if (data.length < 2) throw new ProtocolError(`${CODEC}: missing header`);
  const topDown = data[0] !== 0;
  const format = data[1]!;
  let bytesPerPixel: number;
  switch (format) {
    case SPICE_BITMAP_FMT_16BIT:
      bytesPerPixel = 2;
      break;
    case SPICE_BITMAP_FMT_24BIT:
      bytesPerPixel = 3;
      break;
    case SPICE_BITMAP_FMT_32BIT:
    case SPICE_BITMAP_FMT_RGBA:
      bytesPerPixel = 4;
      break;
    default:
      throw new ProtocolError(`${CODEC}: unsupported bitmap format ${format}`);
  }
  checkExpansion(CODEC, n * bytesPerPixel, data.length);
  const pixels = outputBuffer(CODEC, n * 4, out);
  // 4-byte formats decode straight into the destination and are swizzled in place.
  const raw = bytesPerPixel === 4 ? pixels : new Uint8Array(n * bytesPerPixel);
  const expected = n * bytesPerPixel;
  let ip = 2;
  let op = 0;
  while (ip < data.length) {
    if (ip + 4 > data.length) throw new ProtocolError(`${CODEC}: truncated block length`);
    const blockLen = readU32BE(data, ip);
    ip += 4;
    if (blockLen > data.length - ip)
      throw new ProtocolError(`${CODEC}: block of ${blockLen} bytes overruns the data`);
    op = decodeLz4Block(data, ip, ip + blockLen, raw, op, expected);
    ip += blockLen;
  }
  if (op !== expected) throw new ProtocolError(`${CODEC}: decoded ${op} bytes, image needs ${expected}`);

  const dst = u32View(pixels);
  let hasAlpha = false;
  if (format === SPICE_BITMAP_FMT_32BIT || format === SPICE_BITMAP_FMT_RGBA) {
    hasAlpha = format === SPICE_BITMAP_FMT_RGBA;
    const keep = hasAlpha ? 0xff00ff00 : 0x0000ff00;
    const set = hasAlpha ? 0 : 0xff000000;
    for (let i = 0; i < n; i++) {
      const v = dst[i]!;
      dst[i] = set | (v & keep) | ((v >>> 16) & 0xff) | ((v & 0xff) << 16);
    }
  } else if (format === SPICE_BITMAP_FMT_24BIT) {
    for (let i = 0, s = 0; i < n; i++, s += 3) {
      dst[i] = 0xff000000 | (raw[s]! << 16) | (raw[s + 1]! << 8) | raw[s + 2]!;
    }
  } else {
    for (let i = 0, s = 0; i < n; i++, s += 2) dst[i] = rgb555ToRgba((raw[s]! | (raw[s + 1]! << 8)) & 0x7fff);
  }
  if (!topDown) flipRows(pixels, width, height);
  return { width, height, pixels, hasAlpha };
}

/**
 * Decodes one LZ4 block (src[ip, ipEnd)) into dst starting at `op`, writing no further than `opLimit`. Matches may
 * reach back to dst[0]. Returns the output position after the block.
 */
export function decodeLz4Block(
  src: Uint8Array,
  ip: number,
  ipEnd: number,
  dst: Uint8Array,
  op: number,
  opLimit: number = dst.length,
): number {
  if (ipEnd > src.length || opLimit > dst.length) throw new ProtocolError(`${CODEC}: bad block bounds`);
  if (ip >= ipEnd) throw new ProtocolError(`${CODEC}: empty block`);
  for (;;) {
    const token = src[ip++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) throw new ProtocolError(`${CODEC}: truncated literal length`);
        b = src[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > ipEnd - ip) throw new ProtocolError(`${CODEC}: literals overrun the block`);
    if (litLen > opLimit - op) throw new ProtocolError(`${CODEC}: output larger than the image`);
    if (litLen >= BULK_BYTES) {
      dst.set(src.subarray(ip, ip + litLen), op);
      op += litLen;
      ip += litLen;
    } else {
      for (let i = 0; i < litLen; i++) dst[op++] = src[ip++]!;
    }
    if (ip === ipEnd) return op; // the last sequence carries literals only
    if (ip + 2 > ipEnd) throw new ProtocolError(`${CODEC}: truncated match offset`);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op)
      throw new ProtocolError(`${CODEC}: match offset ${offset} outside the output`);
    let matchLen = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= ipEnd) throw new ProtocolError(`${CODEC}: truncated match length`);
        b = src[ip++]!;
        matchLen += b;
      } while (b === 255);
    }
    if (matchLen > opLimit - op) throw new ProtocolError(`${CODEC}: output larger than the image`);
    let ref = op - offset;
    if (matchLen >= BULK_BYTES && offset >= BULK_BYTES) {
      // Non-overlapping chunks that double in size reproduce LZ4's overlap semantics.
      let avail = offset;
      let left = matchLen;
      while (left > 0) {
        const c = avail < left ? avail : left;
        dst.copyWithin(op, ref, ref + c);
        op += c;
        left -= c;
        avail += c;
      }
    } else if (offset === 1 && matchLen >= BULK_BYTES) {
      dst.fill(dst[ref]!, op, op + matchLen);
      op += matchLen;
    } else {
      const stop = op + matchLen;
      while (op < stop) dst[op++] = dst[ref++]!;
    }
    if (ip >= ipEnd) throw new ProtocolError(`${CODEC}: block ends after a match`);
  }
}
