// DRAW_COMPOSITE: the X Render composite that spice-common hands to pixman. Implemented here for the
// Porter-Duff operators (CLEAR … XOR), ADD and SATURATE, with optional mask (plain or component alpha),
// repeat modes (NONE, NORMAL, PAD, REFLECT), affine transforms sampled nearest or bilinear, and the
// SOURCE/DEST_OPAQUE flags. Pixels are premultiplied RGBA. Other operators (disjoint/conjoint, blend modes)
// and convolution filters fail with an explicit 'unsupported' error.

import { SpiceError } from '../errors';
import {
  SPICE_COMPOSITE_COMPONENT_ALPHA,
  SPICE_COMPOSITE_DEST_OPAQUE,
  SPICE_COMPOSITE_SOURCE_OPAQUE,
} from '../protocol/enums';
import type { SpiceComposite, SpiceTransform } from '../codecs/display-draw';
import { bilinear, div255, type Canvas, type PixelSource } from './canvas';
import { intersectRect } from './surface';
import type { Region } from './region';
import type { Rect } from './types';

// pixman_op_t values used by X Render.
export const PIXMAN_OP_CLEAR = 0;
export const PIXMAN_OP_SRC = 1;
export const PIXMAN_OP_DST = 2;
export const PIXMAN_OP_OVER = 3;
export const PIXMAN_OP_OVER_REVERSE = 4;
export const PIXMAN_OP_IN = 5;
export const PIXMAN_OP_IN_REVERSE = 6;
export const PIXMAN_OP_OUT = 7;
export const PIXMAN_OP_OUT_REVERSE = 8;
export const PIXMAN_OP_ATOP = 9;
export const PIXMAN_OP_ATOP_REVERSE = 10;
export const PIXMAN_OP_XOR = 11;
export const PIXMAN_OP_ADD = 12;
export const PIXMAN_OP_SATURATE = 13;

const REPEAT_NONE = 0;
const REPEAT_NORMAL = 1;
const REPEAT_PAD = 2;
const REPEAT_REFLECT = 3;

const FILTER_FAST = 0;
const FILTER_NEAREST = 3;
const FILTER_CONVOLUTION = 5;

function bits(v: number, lo: number, hi: number): number {
  return (v >>> lo) & ((1 << (hi - lo)) - 1);
}

/** A sampler for one composite operand (src or mask). */
interface Sampler {
  sample(x: number, y: number): number;
}

function wrap(v: number, size: number, repeat: number): number {
  switch (repeat) {
    case REPEAT_NORMAL: {
      const r = v % size;
      return r < 0 ? r + size : r;
    }
    case REPEAT_PAD:
      return v < 0 ? 0 : v >= size ? size - 1 : v;
    case REPEAT_REFLECT: {
      const period = size * 2;
      let r = v % period;
      if (r < 0) r += period;
      return r >= size ? period - 1 - r : r;
    }
    default:
      return v;
  }
}

function toSigned(v: number): number {
  return v | 0;
}

function makeSampler(
  src: PixelSource,
  transform: SpiceTransform | null,
  filter: number,
  repeat: number,
  forceOpaque: boolean,
  what: string,
): Sampler {
  if (filter >= FILTER_CONVOLUTION)
    throw new SpiceError('unsupported', `composite ${what} filter ${filter} (convolution)`);
  if (repeat > REPEAT_REFLECT) throw new SpiceError('unsupported', `composite ${what} repeat mode ${repeat}`);
  const { width: w, height: h, data32: d } = src;
  const opaque = forceOpaque ? 0xff000000 : 0;
  const fetch = (x: number, y: number): number => {
    if (repeat === REPEAT_NONE) {
      if (x < 0 || y < 0 || x >= w || y >= h) return 0;
      return (d[y * w + x]! | opaque) >>> 0;
    }
    return (d[wrap(y, h, repeat) * w + wrap(x, w, repeat)]! | opaque) >>> 0;
  };
  if (!transform) return { sample: fetch };
  const m = [transform.t00, transform.t01, transform.t02, transform.t10, transform.t11, transform.t12].map(
    (v) => toSigned(v) / 65536,
  ) as [number, number, number, number, number, number];
  const nearest = filter === FILTER_NEAREST || filter === FILTER_FAST;
  return {
    sample(x: number, y: number): number {
      const cx = x + 0.5;
      const cy = y + 0.5;
      const tx = m[0] * cx + m[1] * cy + m[2];
      const ty = m[3] * cx + m[4] * cy + m[5];
      if (nearest) return fetch(Math.floor(tx - 1e-9), Math.floor(ty - 1e-9));
      if (repeat === REPEAT_NONE) {
        const x0 = Math.floor(tx - 0.5);
        const y0 = Math.floor(ty - 0.5);
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return 0;
      }
      // Bilinear on a wrapped/padded copy of the 2×2 neighbourhood.
      const fx = tx - 0.5;
      const fy = ty - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const quad = new Uint32Array([
        fetch(x0, y0),
        fetch(x0 + 1, y0),
        fetch(x0, y0 + 1),
        fetch(x0 + 1, y0 + 1),
      ]);
      return bilinear(quad, 2, 2, fx - x0, fy - y0);
    },
  };
}

function factor(op: number, isSrc: boolean, sa: number, da: number): number {
  // Returns the Porter-Duff factor ×255.
  switch (op) {
    case PIXMAN_OP_CLEAR:
      return 0;
    case PIXMAN_OP_SRC:
      return isSrc ? 255 : 0;
    case PIXMAN_OP_DST:
      return isSrc ? 0 : 255;
    case PIXMAN_OP_OVER:
      return isSrc ? 255 : 255 - sa;
    case PIXMAN_OP_OVER_REVERSE:
      return isSrc ? 255 - da : 255;
    case PIXMAN_OP_IN:
      return isSrc ? da : 0;
    case PIXMAN_OP_IN_REVERSE:
      return isSrc ? 0 : sa;
    case PIXMAN_OP_OUT:
      return isSrc ? 255 - da : 0;
    case PIXMAN_OP_OUT_REVERSE:
      return isSrc ? 0 : 255 - sa;
    case PIXMAN_OP_ATOP:
      return isSrc ? da : 255 - sa;
    case PIXMAN_OP_ATOP_REVERSE:
      return isSrc ? 255 - da : sa;
    case PIXMAN_OP_XOR:
      return 255 - (isSrc ? da : sa);
    case PIXMAN_OP_ADD:
      return 255;
    case PIXMAN_OP_SATURATE:
      return isSrc ? (sa === 0 ? 255 : Math.min(255, Math.floor(((255 - da) * 255) / sa))) : 255;
    default:
      return 0;
  }
}

/** One channel: s, d colour (premultiplied), sa = the source alpha that weights d (per channel with CA). */
function combine(op: number, s: number, d: number, sa: number, da: number): number {
  const v = div255(s * factor(op, true, sa, da)) + div255(d * factor(op, false, sa, da));
  return v > 255 ? 255 : v;
}

/** Composites `src` (and `mask`) onto `canvas` inside `region`, per the SpiceComposite flags. */
export function compositeOnto(
  canvas: Canvas,
  region: Region,
  box: Rect,
  c: SpiceComposite,
  src: PixelSource,
  mask: PixelSource | null,
): void {
  const op = bits(c.flags, 0, 8);
  if (op > PIXMAN_OP_SATURATE) {
    throw new SpiceError(
      'unsupported',
      `composite operator ${op} (only Porter-Duff, ADD and SATURATE are implemented)`,
    );
  }
  const srcSampler = makeSampler(
    src,
    c.src_transform,
    bits(c.flags, 8, 11),
    bits(c.flags, 14, 16),
    (c.flags & SPICE_COMPOSITE_SOURCE_OPAQUE) !== 0,
    'source',
  );
  const maskSampler = mask
    ? makeSampler(mask, c.mask_transform, bits(c.flags, 11, 14), bits(c.flags, 16, 18), false, 'mask')
    : null;
  const componentAlpha = (c.flags & SPICE_COMPOSITE_COMPONENT_ALPHA) !== 0;
  const destOpaque = (c.flags & SPICE_COMPOSITE_DEST_OPAQUE) !== 0 || canvas.surface.alphaRule === 'opaque';
  const surface = canvas.surface;
  const d32 = surface.data32;
  const w = surface.width;
  for (const r0 of region) {
    const r = intersectRect(r0, box);
    if (!r) continue;
    for (let y = r.top; y < r.bottom; y++) {
      for (let x = r.left; x < r.right; x++) {
        const sx = c.src_origin.x + (x - box.left);
        const sy = c.src_origin.y + (y - box.top);
        let s = srcSampler.sample(sx, sy);
        let sr = s & 0xff;
        let sg = (s >>> 8) & 0xff;
        let sb = (s >>> 16) & 0xff;
        let sa = s >>> 24;
        // Per-channel source alpha (differs from sa only with component alpha).
        let ar = sa;
        let ag = sa;
        let ab = sa;
        if (maskSampler) {
          const m = maskSampler.sample(c.mask_origin.x + (x - box.left), c.mask_origin.y + (y - box.top));
          const ma = m >>> 24;
          if (componentAlpha) {
            const mr = m & 0xff;
            const mg = (m >>> 8) & 0xff;
            const mb = (m >>> 16) & 0xff;
            sr = div255(sr * mr);
            sg = div255(sg * mg);
            sb = div255(sb * mb);
            ar = div255(sa * mr);
            ag = div255(sa * mg);
            ab = div255(sa * mb);
            sa = div255(sa * ma);
          } else {
            sr = div255(sr * ma);
            sg = div255(sg * ma);
            sb = div255(sb * ma);
            sa = div255(sa * ma);
            ar = ag = ab = sa;
          }
        }
        const i = y * w + x;
        const dv = d32[i]!;
        const da = destOpaque ? 255 : dv >>> 24;
        const rr = combine(op, sr, dv & 0xff, ar, da);
        const gg = combine(op, sg, (dv >>> 8) & 0xff, ag, da);
        const bb = combine(op, sb, (dv >>> 16) & 0xff, ab, da);
        let aa = combine(op, sa, da, sa, da);
        if (surface.alphaRule === 'opaque') aa = 255;
        s = ((aa << 24) | (bb << 16) | (gg << 8) | rr) >>> 0;
        d32[i] = surface.alphaRule === 'alpha-only' ? (s & 0xff000000) >>> 0 : s;
      }
    }
  }
}
