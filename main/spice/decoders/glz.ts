// GLZ image decoder (SPICE_IMAGE_TYPE_GLZ_RGB): LZ with a dictionary of earlier images (GlzWindow).
//
//   decodeGlz(data, window, { out })  → Promise<DecodedImage>; the decoded image is added to `window`.
//
// Input: the `data` bytes of the GLZ_RGB body (after u32 data_size). Header, 33 bytes big-endian (spice-gtk
// decode-glz.c decode_header): magic u32, version u32, u8 (LzImageType | top_down << 4), width u32, height u32,
// stride u32, image id u64, win_head_dist u32. Types: RGB16, RGB24, RGB32, RGBA (palette types are never sent as GLZ
// and are rejected).
// Stream (decode-glz-tmpl.c): ctrl < 32 → ctrl+1 literals (B,G,R / x555 BE / alpha byte). Otherwise L = ctrl>>5
// (7 → extended), ctrl bit 4 = pixel_flag, ctrl&15 = offset bits 0-3, next byte = offset bits 4-11, next byte: top 2
// bits = count of image-distance bytes; short form: 6 more distance bits + bytes; long form (pixel_flag): 5 more
// offset bits (12-16), distance bytes, and with its own bit 5 a byte of offset bits 17-24. Net length L (RGB24/32),
// L+1 (RGB16), L+2 (alpha). Distance 0 = inside this image (offset + 1 back); otherwise pixel `offset` of image
// id − distance, taken from the window, waiting for it if it has not arrived (other display channels).
// Bottom-up images are decoded in stream order (the window keeps that order) and returned flipped; RGBA decodes
// its colour pass and alpha pass before the flip. Image ids are u64 on the wire; ids ≥ 2^53 are rejected.
import { ProtocolError } from '../errors';
import type { DecodedImage } from './types';
import type { GlzWindow, GlzWindowEntry } from './glz-window';
import {
  LZ_IMAGE_TYPE_RGB16,
  LZ_IMAGE_TYPE_RGB24,
  LZ_IMAGE_TYPE_RGB32,
  LZ_IMAGE_TYPE_RGBA,
  LZ_MAGIC,
  LZ_VERSION,
  badReference,
  checkDimensions,
  checkExpansion,
  outputBuffer,
  overrun,
  plainBytes,
  readU32BE,
  rgb555ToRgba,
  truncated,
  u32View,
} from './lz-common';
import { periodicCopy } from './lz';

const CODEC = 'GLZ';
export const GLZ_HEADER_BYTES = 33;
const BULK_PIXELS = 32;

export interface GlzHeader {
  type: number;
  topDown: boolean;
  width: number;
  height: number;
  stride: number;
  id: number;
  winHeadDist: number;
}

/** Parses the 33-byte GLZ header. */
export function readGlzHeader(data: Uint8Array): GlzHeader {
  if (data.length < GLZ_HEADER_BYTES)
    throw new ProtocolError(`${CODEC}: ${data.length} bytes, shorter than the header`);
  if (readU32BE(data, 0) !== LZ_MAGIC) throw new ProtocolError(`${CODEC}: bad magic`);
  const version = readU32BE(data, 4);
  if (version !== LZ_VERSION)
    throw new ProtocolError(`${CODEC}: unsupported version 0x${version.toString(16)}`);
  const tb = data[8]!;
  const type = tb & 0x0f;
  if (
    type !== LZ_IMAGE_TYPE_RGB16 &&
    type !== LZ_IMAGE_TYPE_RGB24 &&
    type !== LZ_IMAGE_TYPE_RGB32 &&
    type !== LZ_IMAGE_TYPE_RGBA
  ) {
    throw new ProtocolError(`${CODEC}: unsupported image type ${type}`);
  }
  const width = readU32BE(data, 9);
  const height = readU32BE(data, 13);
  const stride = readU32BE(data, 17);
  const idHigh = readU32BE(data, 21);
  if (idHigh >= 1 << 21) throw new ProtocolError(`${CODEC}: image id beyond 2^53 is not supported`);
  const id = idHigh * 0x100000000 + readU32BE(data, 25);
  checkDimensions(CODEC, width, height);
  return { type, topDown: tb >> 4 !== 0, width, height, stride, id, winHeadDist: readU32BE(data, 29) };
}

/** Resumable decode position: a pass stops at a reference to a missing image and records its id. */
interface PassState {
  ip: number;
  op: number;
  /** Id of the image the pass is waiting for, or -1. */
  missing: number;
  /** Scratch for readRef. */
  len: number;
  ofs: number;
  dist: number;
  /** Last image looked up in the window (most references hit the same one). */
  cacheId: number;
  cache: GlzWindowEntry | undefined;
}

export interface GlzDecodeOptions {
  /** Destination (≥ width*height*4 bytes); the window then keeps its own copy of the pixels. */
  out?: Uint8Array;
}

/**
 * Decodes a GLZ_RGB payload against `window` and adds the result to it. Resolves after a single await when every
 * referenced image is present; otherwise waits for them (GlzWindow.waitFor).
 */
export async function decodeGlz(
  payload: Uint8Array,
  window: GlzWindow,
  opts: GlzDecodeOptions = {},
): Promise<DecodedImage> {
  const data = plainBytes(payload);
  const h = readGlzHeader(data);
  const { width, height, id } = h;
  const n = width * height;
  if (n > window.capPixels)
    throw new ProtocolError(`${CODEC}: image of ${n} pixels exceeds the dictionary cap`);
  checkExpansion(CODEC, n, data.length - GLZ_HEADER_BYTES);
  const hasAlpha = h.type === LZ_IMAGE_TYPE_RGBA;
  // Top-down images decode straight into the destination; bottom-up ones into a stream-order buffer first.
  const streamBytes = h.topDown ? outputBuffer(CODEC, n * 4, opts.out) : new Uint8Array(n * 4);
  const stream = u32View(streamBytes);
  const st: PassState = {
    ip: GLZ_HEADER_BYTES,
    op: 0,
    missing: -1,
    len: 0,
    ofs: 0,
    dist: 0,
    cacheId: -1,
    cache: undefined,
  };

  for (;;) {
    if (h.type === LZ_IMAGE_TYPE_RGB16) glzRgb16Pass(data, st, stream, n, window, id);
    else glzRgb32Pass(data, st, stream, n, window, id, hasAlpha);
    if (st.missing < 0) break;
    await window.waitFor(st.missing);
    st.missing = -1;
  }
  if (hasAlpha) {
    const alpha = new Uint8Array(n);
    st.op = 0;
    st.cacheId = -1;
    st.cache = undefined;
    for (;;) {
      glzAlphaPass(data, st, alpha, n, window, id);
      if (st.missing < 0) break;
      await window.waitFor(st.missing);
      st.missing = -1;
    }
    for (let i = 0; i < n; i++) stream[i] = (stream[i]! & 0x00ffffff) | (alpha[i]! << 24);
  }

  let pixels: Uint8Array;
  if (h.topDown) {
    pixels = streamBytes;
    window.add(id, h.winHeadDist, opts.out === undefined ? stream : stream.slice(), hasAlpha);
  } else {
    pixels = outputBuffer(CODEC, n * 4, opts.out);
    const rowBytes = width * 4;
    for (let y = 0; y < height; y++) {
      const s = (height - 1 - y) * rowBytes;
      pixels.set(streamBytes.subarray(s, s + rowBytes), y * rowBytes);
    }
    window.add(id, h.winHeadDist, stream, hasAlpha);
  }
  return { width, height, pixels, hasAlpha };
}

/** Parses a reference's length, offset and image distance into st.len/ofs/dist; returns the new input position. */
function readRef(src: Uint8Array, ip: number, ctrl: number, st: PassState): number {
  const end = src.length;
  let len = ctrl >> 5;
  let pixelFlag = (ctrl >> 4) & 1;
  let ofs = ctrl & 15;
  if (len === 7) {
    let code: number;
    do {
      if (ip >= end) throw truncated(CODEC);
      code = src[ip++]!;
      len += code;
    } while (code === 255);
  }
  if (ip + 2 > end) throw truncated(CODEC);
  ofs += src[ip++]! << 4;
  const code = src[ip++]!;
  const imageFlag = (code >> 6) & 3;
  let dist = 0;
  if (pixelFlag === 0) {
    dist = code & 0x3f;
    if (ip + imageFlag > end) throw truncated(CODEC);
    for (let i = 0; i < imageFlag; i++) dist += src[ip++]! << (6 + 8 * i);
  } else {
    pixelFlag = (code >> 5) & 1;
    ofs += (code & 0x1f) << 12;
    if (ip + imageFlag + pixelFlag > end) throw truncated(CODEC);
    for (let i = 0; i < imageFlag; i++) dist += src[ip++]! << (8 * i);
    if (pixelFlag !== 0) ofs += src[ip++]! << 17;
  }
  st.len = len;
  st.ofs = ofs;
  st.dist = dist;
  return ip;
}

/** Looks up image id − dist; records it as missing (and returns undefined) when it has not arrived. */
function lookup(st: PassState, window: GlzWindow, id: number, dist: number): GlzWindowEntry | undefined {
  const refId = id - dist;
  if (refId < 0) throw new ProtocolError(`${CODEC}: reference to image ${refId} before the first image`);
  if (refId === st.cacheId) return st.cache;
  const e = window.get(refId);
  if (e === undefined) {
    st.missing = refId;
    return undefined;
  }
  st.cacheId = refId;
  st.cache = e;
  return e;
}

function glzRgb32Pass(
  src: Uint8Array,
  st: PassState,
  dst: Uint32Array,
  n: number,
  window: GlzWindow,
  id: number,
  hasAlpha: boolean,
): void {
  // Capped below 2^31 so that the `| 0` source indexes cannot wrap (no valid stream is that long).
  const end = Math.min(src.length, 0x7fff0000);
  const dv = new DataView(src.buffer, src.byteOffset, src.length);
  let ip = st.ip;
  let op = st.op;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const start = ip;
    const ctrl = src[ip++]!;
    if (ctrl < 32) {
      const stop = op + ctrl + 1;
      if (stop > n) throw overrun(CODEC);
      if (ip + (ctrl + 1) * 3 > end) throw truncated(CODEC);
      if (ctrl === 31) {
        // 32 pixels as straight-line code; pixel k is the big-endian word at ip - 1 + 3k (see lz.ts lzRgb32Pass).
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
      while (op < stop) {
        dst[op++] = 0xff000000 | dv.getUint32(ip - 1);
        ip += 3;
      }
      continue;
    }
    ip = readRef(src, ip, ctrl, st);
    const len = st.len;
    const stop = op + len;
    if (stop > n) throw overrun(CODEC);
    if (st.dist === 0) {
      const back = st.ofs + 1;
      const ref = op - back;
      if (ref < 0) throw badReference(CODEC);
      if (back === 1) {
        const v = dst[ref]!;
        if (len > BULK_PIXELS) {
          dst.fill(v, op, stop);
          op = stop;
        } else {
          while (op < stop) dst[op++] = v;
        }
      } else if (len <= 8 && op + 8 <= n) {
        // 8 in-order assignments; the ones past len land in pixels not decoded yet (overwritten later)
        dst[op] = dst[ref]!;
        dst[op + 1] = dst[ref + 1]!;
        dst[op + 2] = dst[ref + 2]!;
        dst[op + 3] = dst[ref + 3]!;
        dst[op + 4] = dst[ref + 4]!;
        dst[op + 5] = dst[ref + 5]!;
        dst[op + 6] = dst[ref + 6]!;
        dst[op + 7] = dst[ref + 7]!;
        op = stop;
      } else if (len > BULK_PIXELS && back >= 16) {
        op = periodicCopy(dst, op, ref, len);
      } else {
        let r = ref;
        while (op < stop) dst[op++] = dst[r++]!;
      }
      continue;
    }
    const e = lookup(st, window, id, st.dist);
    if (e === undefined) {
      st.ip = start;
      st.op = op;
      return;
    }
    const ofs = st.ofs;
    if (ofs + len > e.pixels.length) throw badReference(CODEC);
    const from = e.pixels;
    if (e.hasAlpha && !hasAlpha) {
      // An opaque image never inherits another image's alpha.
      let r = ofs;
      while (op < stop) dst[op++] = from[r++]! | 0xff000000;
    } else if (len > BULK_PIXELS) {
      dst.set(from.subarray(ofs, ofs + len), op);
      op = stop;
    } else {
      let r = ofs;
      while (op < stop) dst[op++] = from[r++]!;
    }
  }
  st.ip = ip;
  st.op = op;
}

function glzRgb16Pass(
  src: Uint8Array,
  st: PassState,
  dst: Uint32Array,
  n: number,
  window: GlzWindow,
  id: number,
): void {
  const end = src.length;
  let ip = st.ip;
  let op = st.op;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const start = ip;
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
    ip = readRef(src, ip, ctrl, st);
    const len = st.len + 1;
    const stop = op + len;
    if (stop > n) throw overrun(CODEC);
    let from: Uint32Array;
    let r: number;
    if (st.dist === 0) {
      r = op - st.ofs - 1;
      if (r < 0) throw badReference(CODEC);
      from = dst;
    } else {
      const e = lookup(st, window, id, st.dist);
      if (e === undefined) {
        st.ip = start;
        st.op = op;
        return;
      }
      r = st.ofs;
      if (r + len > e.pixels.length) throw badReference(CODEC);
      from = e.pixels;
    }
    while (op < stop) dst[op++] = from[r++]! | 0xff000000;
  }
  st.ip = ip;
  st.op = op;
}

function glzAlphaPass(
  src: Uint8Array,
  st: PassState,
  dst: Uint8Array,
  n: number,
  window: GlzWindow,
  id: number,
): void {
  const end = src.length;
  let ip = st.ip;
  let op = st.op;
  while (op < n) {
    if (ip >= end) throw truncated(CODEC);
    const start = ip;
    const ctrl = src[ip++]!;
    if (ctrl < 32) {
      const count = ctrl + 1;
      if (op + count > n) throw overrun(CODEC);
      if (ip + count > end) throw truncated(CODEC);
      for (let i = 0; i < count; i++) dst[op++] = src[ip++]!;
      continue;
    }
    ip = readRef(src, ip, ctrl, st);
    const len = st.len + 2;
    const stop = op + len;
    if (stop > n) throw overrun(CODEC);
    if (st.dist === 0) {
      let r = op - st.ofs - 1;
      if (r < 0) throw badReference(CODEC);
      while (op < stop) dst[op++] = dst[r++]!;
      continue;
    }
    const e = lookup(st, window, id, st.dist);
    if (e === undefined) {
      st.ip = start;
      st.op = op;
      return;
    }
    let r = st.ofs;
    if (r + len > e.pixels.length) throw badReference(CODEC);
    const from = e.pixels;
    while (op < stop) dst[op++] = from[r++]! >>> 24;
  }
  st.ip = ip;
  st.op = op;
}
