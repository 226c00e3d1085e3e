// DRAW_STROKE rasterisation. spice-common's canvas strokes every path as zero-width ("cosmetic") lines with
// CapNotLast (win32 semantics: a line does not paint its last point), solid or on/off dashed from the line
// style; Bézier segments are flattened by subdivision until they deviate less than half a pixel. This module
// turns a SpicePath into the list of pixels to paint (foreground only); the caller applies brush and rop.

import { ProtocolError } from '../errors';
import {
  SPICE_LINE_FLAGS_START_WITH_GAP,
  SPICE_LINE_FLAGS_STYLED,
  SPICE_PATH_BEGIN,
  SPICE_PATH_BEZIER,
  SPICE_PATH_CLOSE,
  SPICE_PATH_END,
} from '../protocol/enums';
import type { SpiceLineAttr, SpicePath } from '../codecs/display-draw';
import type { SpicePoint } from '../codecs/display';

/** Most pixels one stroke may paint (a hostile path could describe huge lines). */
export const MAX_STROKE_PIXELS = 1 << 26;
/** Most polyline points a path may flatten to (Bézier subdivision multiplies the points on the wire). */
export const MAX_STROKE_POINTS = 1 << 20;
/** Deepest Bézier subdivision (2^16 pieces per curve). */
const MAX_BEZIER_DEPTH = 16;

/** fixed28_4 → int, rounding like spice-common's fix_to_int (fraction > 0.5 rounds up). */
export function fixToInt(v: number): number {
  const rem = v & 15;
  return (v >> 4) + (rem > 8 ? 1 : 0);
}

function subdivideBezier(
  out: SpicePoint[],
  p0: SpicePoint,
  p1: SpicePoint,
  p2: SpicePoint,
  p3: SpicePoint,
  depth: number,
): void {
  // Same flatness test as spice-common (squared distances in fixed28_4, scaled by 16).
  const dot = (x1: number, y1: number, x2: number, y2: number): number => (x1 * x2 + y1 * y2) / 16;
  const a2 = dot(p1.x - p0.x, p1.y - p0.y, p1.x - p0.x, p1.y - p0.y);
  const b2 = dot(p3.x - p0.x, p3.y - p0.y, p3.x - p0.x, p3.y - p0.y);
  const c2 = dot(p2.x - p3.x, p2.y - p3.y, p2.x - p3.x, p2.y - p3.y);
  const ab = dot(p1.x - p0.x, p1.y - p0.y, p3.x - p0.x, p3.y - p0.y);
  const cb = dot(p2.x - p3.x, p2.y - p3.y, p0.x - p3.x, p0.y - p3.y);
  const h1 = (a2 * b2 - ab * ab) / 8;
  const h2 = (c2 * b2 - cb * cb) / 8;
  if ((h1 < b2 && h2 < b2) || depth >= MAX_BEZIER_DEPTH) {
    out.push({ x: fixToInt(p3.x), y: fixToInt(p3.y) });
    return;
  }
  const mid = (a: SpicePoint, b: SpicePoint): SpicePoint => ({
    x: Math.trunc((a.x + b.x) / 2),
    y: Math.trunc((a.y + b.y) / 2),
  });
  const p01 = mid(p0, p1);
  const p12 = mid(p1, p2);
  const p23 = mid(p2, p3);
  const p012 = mid(p01, p12);
  const p123 = mid(p12, p23);
  const p0123 = mid(p012, p123);
  subdivideBezier(out, p0, p01, p012, p0123, depth + 1);
  subdivideBezier(out, p0123, p123, p23, p3, depth + 1);
}

/** Polylines (integer points) of a path, split where the path begins/ends sub-paths. */
export function flattenPath(path: SpicePath): SpicePoint[][] {
  const lines: SpicePoint[][] = [];
  let cur: SpicePoint[] = [];
  let points = 0;
  const flush = (): void => {
    points += cur.length;
    if (points > MAX_STROKE_POINTS)
      throw new ProtocolError(`stroke path flattens to more than ${MAX_STROKE_POINTS} points`);
    if (cur.length > 0) lines.push(cur);
    cur = [];
  };
  for (const seg of path.segments) {
    let i = 0;
    const pts = seg.points;
    if (seg.flags & SPICE_PATH_BEGIN) {
      flush();
      if (pts.length > 0) cur.push({ x: fixToInt(pts[0]!.x), y: fixToInt(pts[0]!.y) });
      i = 1;
    }
    if (seg.flags & SPICE_PATH_BEZIER) {
      if ((pts.length - i) % 3 !== 0)
        throw new ProtocolError('Bézier path segment with a point count not a multiple of 3');
      for (; i + 2 < pts.length; i += 3) {
        const last = cur[cur.length - 1];
        if (!last) throw new ProtocolError('Bézier path segment without a start point');
        subdivideBezier(cur, { x: last.x * 16, y: last.y * 16 }, pts[i]!, pts[i + 1]!, pts[i + 2]!, 0);
        if (points + cur.length > MAX_STROKE_POINTS)
          throw new ProtocolError(`stroke path flattens to more than ${MAX_STROKE_POINTS} points`);
      }
    } else {
      for (; i < pts.length; i++) cur.push({ x: fixToInt(pts[i]!.x), y: fixToInt(pts[i]!.y) });
    }
    if (seg.flags & SPICE_PATH_END) {
      if (seg.flags & SPICE_PATH_CLOSE && cur.length > 0) cur.push({ ...cur[0]! });
      flush();
    }
  }
  flush();
  return lines;
}

/** Dash pattern in pixels (on, off, on, …) and the starting offset, from the line attributes. */
export function dashPattern(attr: SpiceLineAttr): { dashes: number[]; offset: number } | null {
  if (!(attr.flags & SPICE_LINE_FLAGS_STYLED) || attr.style.length === 0) return null;
  const seg = attr.style.map(fixToInt);
  if (attr.flags & SPICE_LINE_FLAGS_START_WITH_GAP) {
    const dashes = [...seg.slice(1), seg[0]!];
    return { dashes, offset: dashes[0]! };
  }
  return { dashes: seg, offset: 0 };
}

/** Bresenham steps the polylines take (the work of rasterising them, whatever the surface clips away). */
export function strokeSteps(lines: SpicePoint[][]): number {
  let steps = 0;
  for (const pts of lines)
    for (let s = 0; s + 1 < pts.length; s++)
      steps += Math.max(Math.abs(pts[s + 1]!.x - pts[s]!.x), Math.abs(pts[s + 1]!.y - pts[s]!.y));
  return steps;
}

/**
 * Calls `plot(x, y)` for every foreground pixel of the thin polylines: Bresenham per segment, each segment
 * without its last point (CapNotLast), so joints are painted once. Dashes run continuously along a polyline.
 */
export function rasterizeThinLines(
  lines: SpicePoint[][],
  dash: { dashes: number[]; offset: number } | null,
  plot: (x: number, y: number) => void,
): void {
  let painted = 0;
  const dashes = dash && dash.dashes.some((d) => d > 0) ? dash.dashes : null;
  const total = dashes ? dashes.reduce((a, b) => a + b, 0) : 0;
  for (const pts of lines) {
    let dashPos = dash && total > 0 ? dash.offset % total : 0;
    const on = (): boolean => {
      if (!dashes) return true;
      let p = dashPos;
      for (let i = 0; i < dashes.length; i++) {
        if (p < dashes[i]!) return i % 2 === 0;
        p -= dashes[i]!;
      }
      return true;
    };
    for (let s = 0; s + 1 < pts.length; s++) {
      const a = pts[s]!;
      const b = pts[s + 1]!;
      let x = a.x;
      let y = a.y;
      const dx = Math.abs(b.x - a.x);
      const dy = Math.abs(b.y - a.y);
      const sx = b.x > a.x ? 1 : -1;
      const sy = b.y > a.y ? 1 : -1;
      const steps = Math.max(dx, dy);
      painted += steps;
      if (painted > MAX_STROKE_PIXELS)
        throw new ProtocolError(`stroke paints more than ${MAX_STROKE_PIXELS} pixels`);
      let err = dx >= dy ? dx >> 1 : dy >> 1;
      for (let i = 0; i < steps; i++) {
        if (on()) plot(x, y);
        if (total > 0) dashPos = (dashPos + 1) % total;
        if (dx >= dy) {
          x += sx;
          err -= dy;
          if (err < 0) {
            y += sy;
            err += dx;
          }
        } else {
          y += sy;
          err -= dx;
          if (err < 0) {
            x += sx;
            err += dy;
          }
        }
      }
    }
  }
}
