// Regions as lists of non-overlapping rectangles: the destination area of a draw (box ∩ surface ∩ clip ∩ mask).
// Non-overlap matters: a raster op such as XOR applied twice to a pixel would undo itself.

import { ProtocolError } from '../errors';
import type { Rect } from './types';
import { intersectRect } from './surface';

export type Region = Rect[];

/** Upper bound on rectangles in one region (a hostile clip list or mask could otherwise explode it). */
export const MAX_REGION_RECTS = 1 << 18;

/** a − b as up to four rectangles. */
function subtract(a: Rect, b: Rect, out: Rect[]): void {
  const i = intersectRect(a, b);
  if (!i) {
    out.push(a);
    return;
  }
  if (a.top < i.top) out.push({ left: a.left, top: a.top, right: a.right, bottom: i.top });
  if (i.bottom < a.bottom) out.push({ left: a.left, top: i.bottom, right: a.right, bottom: a.bottom });
  if (a.left < i.left) out.push({ left: a.left, top: i.top, right: i.left, bottom: i.bottom });
  if (i.right < a.right) out.push({ left: i.right, top: i.top, right: a.right, bottom: i.bottom });
}

/** Above this many rectangles a clip list is taken as already disjoint (servers send pixman's banded rects). */
const DEDUPE_MAX_RECTS = 512;

/** Union of possibly overlapping rectangles as non-overlapping ones. */
export function regionFromRects(rects: readonly Rect[]): Region {
  if (rects.length > DEDUPE_MAX_RECTS) return rects.filter((r) => r.right > r.left && r.bottom > r.top);
  const out: Region = [];
  for (const r of rects) {
    if (r.right <= r.left || r.bottom <= r.top) continue;
    let pieces: Rect[] = [r];
    for (const existing of out) {
      const next: Rect[] = [];
      for (const p of pieces) subtract(p, existing, next);
      pieces = next;
      if (pieces.length === 0) break;
    }
    for (const p of pieces) out.push(p);
    if (out.length > MAX_REGION_RECTS)
      throw new ProtocolError(`region has more than ${MAX_REGION_RECTS} rectangles`);
  }
  return out;
}

export function intersectRegionRect(region: Region, rect: Rect): Region {
  const out: Region = [];
  for (const r of region) {
    const i = intersectRect(r, rect);
    if (i) out.push(i);
  }
  return out;
}

/** Above this many rectangle pairs, intersectRegions goes through a coverage map instead of testing every pair. */
const PAIRWISE_MAX_PAIRS = 1 << 20;

/** Intersection of two regions (both non-overlapping, so the result is too). */
export function intersectRegions(a: Region, b: Region): Region {
  if (a.length * b.length > PAIRWISE_MAX_PAIRS) return intersectRegionsByMap(a, b);
  const out: Region = [];
  for (const ra of a) {
    for (const rb of b) {
      const i = intersectRect(ra, rb);
      if (i) out.push(i);
    }
    if (out.length > MAX_REGION_RECTS)
      throw new ProtocolError(`region has more than ${MAX_REGION_RECTS} rectangles`);
  }
  return out;
}

/**
 * intersectRegions for large inputs (a hostile clip list against a mask's runs would be n*m rectangle tests):
 * `b` is painted into a byte map over the common extents, then each rectangle of `a` is read back as runs.
 * Work is proportional to the pixels covered, since each region's rectangles are disjoint.
 */
function intersectRegionsByMap(a: Region, b: Region): Region {
  const ea = regionExtents(a);
  const eb = regionExtents(b);
  const e = ea && eb ? intersectRect(ea, eb) : null;
  if (!e) return [];
  const w = e.right - e.left;
  const map = new Uint8Array(w * (e.bottom - e.top));
  for (const r0 of b) {
    const r = intersectRect(r0, e);
    if (!r) continue;
    for (let y = r.top; y < r.bottom; y++) {
      const row = (y - e.top) * w - e.left;
      map.fill(1, row + r.left, row + r.right);
    }
  }
  const isSet = (x: number, y: number): boolean => map[(y - e.top) * w + (x - e.left)] === 1;
  const out: Region = [];
  for (const r0 of a) {
    const r = intersectRect(r0, e);
    if (!r) continue;
    for (const piece of regionFromBits(isSet, r.left, r.top, r.right, r.bottom, 0, 0)) out.push(piece);
    if (out.length > MAX_REGION_RECTS)
      throw new ProtocolError(`region has more than ${MAX_REGION_RECTS} rectangles`);
  }
  return out;
}

export function translateRegion(region: Region, dx: number, dy: number): Region {
  return region.map((r) => ({
    left: r.left + dx,
    top: r.top + dy,
    right: r.right + dx,
    bottom: r.bottom + dy,
  }));
}

export function regionExtents(region: Region): Rect | null {
  if (region.length === 0) return null;
  let { left, top, right, bottom } = region[0]!;
  for (const r of region) {
    if (r.left < left) left = r.left;
    if (r.top < top) top = r.top;
    if (r.right > right) right = r.right;
    if (r.bottom > bottom) bottom = r.bottom;
  }
  return { left, top, right, bottom };
}

/**
 * The set bits of a 1-bit-per-pixel bitmap as a region (horizontal runs merged vertically when they repeat).
 * `isSet(x, y)` reads one bit; only the window [x0,x1)×[y0,y1) of the bitmap is examined; the result is
 * translated by (dx, dy).
 */
export function regionFromBits(
  isSet: (x: number, y: number) => boolean,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  dx: number,
  dy: number,
): Region {
  const out: Region = [];
  let prevRuns: Rect[] = [];
  for (let y = y0; y < y1; y++) {
    const runs: Rect[] = [];
    let x = x0;
    while (x < x1) {
      while (x < x1 && !isSet(x, y)) x++;
      if (x >= x1) break;
      const start = x;
      while (x < x1 && isSet(x, y)) x++;
      runs.push({ left: start + dx, top: y + dy, right: x + dx, bottom: y + dy + 1 });
    }
    // Extend runs identical to the previous row's instead of adding new rectangles.
    if (
      runs.length === prevRuns.length &&
      runs.every((r, i) => r.left === prevRuns[i]!.left && r.right === prevRuns[i]!.right)
    ) {
      for (const p of prevRuns) p.bottom++;
    } else {
      for (const r of runs) out.push(r);
      prevRuns = runs;
      if (out.length > MAX_REGION_RECTS)
        throw new ProtocolError(`mask region has more than ${MAX_REGION_RECTS} rectangles`);
    }
  }
  return out;
}
