// Raster operations on 32-bit pixels: SPICE rop descriptors (SPICE_ROPD_*) reduced to the 16 binary raster
// ops (X11 GX order, as spice-common's SpiceROP), span kernels for them, and ternary rop3 codes (the Windows
// PSD numbering: P = 0xF0, S = 0xCC, D = 0xAA). Bitwise ops are byte-order agnostic, so they work on our
// RGBA words directly; the caller fixes alpha afterwards according to the surface format.

import {
  SPICE_ROPD_INVERS_BRUSH,
  SPICE_ROPD_INVERS_DEST,
  SPICE_ROPD_INVERS_RES,
  SPICE_ROPD_INVERS_SRC,
  SPICE_ROPD_OP_AND,
  SPICE_ROPD_OP_BLACKNESS,
  SPICE_ROPD_OP_INVERS,
  SPICE_ROPD_OP_OR,
  SPICE_ROPD_OP_PUT,
  SPICE_ROPD_OP_WHITENESS,
  SPICE_ROPD_OP_XOR,
} from '../protocol/enums';

// Binary raster ops (s = source/brush, d = destination), values as X11 GX* / spice-common SpiceROP.
export const ROP_CLEAR = 0x0;
export const ROP_AND = 0x1;
export const ROP_AND_REVERSE = 0x2; // s & ~d
export const ROP_COPY = 0x3;
export const ROP_AND_INVERTED = 0x4; // ~s & d
export const ROP_NOOP = 0x5;
export const ROP_XOR = 0x6;
export const ROP_OR = 0x7;
export const ROP_NOR = 0x8;
export const ROP_EQUIV = 0x9; // ~s ^ d
export const ROP_INVERT = 0xa; // ~d
export const ROP_OR_REVERSE = 0xb; // s | ~d
export const ROP_COPY_INVERTED = 0xc;
export const ROP_OR_INVERTED = 0xd; // ~s | d
export const ROP_NAND = 0xe;
export const ROP_SET = 0xf;

export type RopInput = 'src' | 'brush' | 'dest';

const INVERT_BIT: Record<RopInput, number> = {
  src: SPICE_ROPD_INVERS_SRC,
  brush: SPICE_ROPD_INVERS_BRUSH,
  dest: SPICE_ROPD_INVERS_DEST,
};

/**
 * Reduces a rop descriptor to a binary raster op whose "s" operand is `srcInput` and "d" operand is `destInput`
 * (fill: brush/dest; copy: src/dest; opaque: brush/src). Same truth tables as spice-common's
 * ropd_descriptor_to_rop; computed here from the operator instead of enumerated.
 */
export function ropdToRop(desc: number, srcInput: RopInput, destInput: RopInput): number {
  const invS = (desc & INVERT_BIT[srcInput]) !== 0;
  const invD = (desc & INVERT_BIT[destInput]) !== 0;
  const invR = (desc & SPICE_ROPD_INVERS_RES) !== 0;
  let op: (s: number, d: number) => number;
  if (desc & SPICE_ROPD_OP_PUT) op = (s) => s;
  else if (desc & SPICE_ROPD_OP_OR) op = (s, d) => s | d;
  else if (desc & SPICE_ROPD_OP_AND) op = (s, d) => s & d;
  else if (desc & SPICE_ROPD_OP_XOR) op = (s, d) => s ^ d;
  else if (desc & SPICE_ROPD_OP_BLACKNESS) return ROP_CLEAR;
  else if (desc & SPICE_ROPD_OP_WHITENESS) return ROP_SET;
  else if (desc & SPICE_ROPD_OP_INVERS) return ROP_INVERT;
  else return ROP_COPY;
  // Build the GX code from the truth table: bit ((1-s)<<1 | (1-d)) holds f(s, d).
  let code = 0;
  for (let s = 0; s < 2; s++) {
    for (let d = 0; d < 2; d++) {
      let v = op(invS ? s ^ 1 : s, invD ? d ^ 1 : d) & 1;
      if (invR) v ^= 1;
      if (v) code |= 1 << (((1 - s) << 1) | (1 - d));
    }
  }
  return code;
}

/** One pixel through a binary raster op. */
export function rop2(rop: number, s: number, d: number): number {
  switch (rop & 15) {
    case ROP_CLEAR:
      return 0;
    case ROP_AND:
      return s & d;
    case ROP_AND_REVERSE:
      return s & ~d;
    case ROP_COPY:
      return s;
    case ROP_AND_INVERTED:
      return ~s & d;
    case ROP_NOOP:
      return d;
    case ROP_XOR:
      return s ^ d;
    case ROP_OR:
      return s | d;
    case ROP_NOR:
      return ~(s | d);
    case ROP_EQUIV:
      return ~s ^ d;
    case ROP_INVERT:
      return ~d;
    case ROP_OR_REVERSE:
      return s | ~d;
    case ROP_COPY_INVERTED:
      return ~s;
    case ROP_OR_INVERTED:
      return ~s | d;
    case ROP_NAND:
      return ~(s & d);
    default:
      return -1;
  }
}

/** dst[di..di+n) = rop(color, dst). */
export function ropSpanColor(rop: number, dst: Uint32Array, di: number, n: number, color: number): void {
  const end = di + n;
  switch (rop & 15) {
    case ROP_COPY:
      dst.fill(color, di, end);
      return;
    case ROP_CLEAR:
      dst.fill(0, di, end);
      return;
    case ROP_SET:
      dst.fill(0xffffffff, di, end);
      return;
    case ROP_NOOP:
      return;
    case ROP_XOR:
      for (let i = di; i < end; i++) dst[i] = dst[i]! ^ color;
      return;
    case ROP_AND:
      for (let i = di; i < end; i++) dst[i] = dst[i]! & color;
      return;
    case ROP_OR:
      for (let i = di; i < end; i++) dst[i] = dst[i]! | color;
      return;
    case ROP_INVERT:
      for (let i = di; i < end; i++) dst[i] = ~dst[i]!;
      return;
    default:
      for (let i = di; i < end; i++) dst[i] = rop2(rop, color, dst[i]!);
  }
}

/** dst[di..di+n) = rop(src[si..], dst). `src` may alias `dst` only when the ranges do not overlap. */
export function ropSpan(
  rop: number,
  dst: Uint32Array,
  di: number,
  src: Uint32Array,
  si: number,
  n: number,
): void {
  switch (rop & 15) {
    case ROP_COPY:
      dst.set(src.subarray(si, si + n), di);
      return;
    case ROP_NOOP:
      return;
    case ROP_XOR:
      for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! ^ src[si + i]!;
      return;
    case ROP_AND:
      for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! & src[si + i]!;
      return;
    case ROP_OR:
      for (let i = 0; i < n; i++) dst[di + i] = dst[di + i]! | src[si + i]!;
      return;
    default:
      for (let i = 0; i < n; i++) dst[di + i] = rop2(rop, src[si + i]!, dst[di + i]!);
  }
}

/** A ternary raster op on one pixel: each bit of `code` is the result for minterm (p<<2 | s<<1 | d). */
export function rop3(code: number, p: number, s: number, d: number): number {
  switch (code & 255) {
    case 0x00:
      return 0;
    case 0xff:
      return -1;
    case 0xcc:
      return s;
    case 0x33:
      return ~s;
    case 0xf0:
      return p;
    case 0x0f:
      return ~p;
    case 0xaa:
      return d;
    case 0x55:
      return ~d;
    case 0x66:
      return s ^ d;
    case 0x5a:
      return p ^ d;
    case 0x88:
      return s & d;
    case 0xee:
      return s | d;
    case 0xc0:
      return p & s;
    case 0xbb:
      return ~s | d;
    case 0x44:
      return s & ~d;
    case 0x11:
      return ~(s | d);
    case 0xb8:
      return (p & ~s) | (d & s);
    case 0xe2:
      return (d & ~s) | (p & s);
    default:
      return rop3Generic(code, p, s, d);
  }
}

function nibbleOf(n: number, s: number, d: number): number {
  let r = 0;
  if (n & 8) r |= s & d;
  if (n & 4) r |= s & ~d;
  if (n & 2) r |= ~s & d;
  if (n & 1) r |= ~s & ~d;
  return r;
}

/** Any rop3 code: p selects between the high nibble's and the low nibble's (s, d) functions. */
export function rop3Generic(code: number, p: number, s: number, d: number): number {
  return (p & nibbleOf((code >> 4) & 15, s, d)) | (~p & nibbleOf(code & 15, s, d));
}
