// THE rectangle of the display path, from a surface's draw to the renderer's canvas: half-open
// [left, right) × [top, bottom) in pixels, as spice-protocol's SpiceRect. Plain data and pure helpers only.

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export const rectWidth = (r: Rect): number => r.right - r.left;
export const rectHeight = (r: Rect): number => r.bottom - r.top;

export function rectIsEmpty(r: Rect): boolean {
  return r.right <= r.left || r.bottom <= r.top;
}

export function rectArea(r: Rect): number {
  return rectIsEmpty(r) ? 0 : (r.right - r.left) * (r.bottom - r.top);
}

/** The intersection, or null if it is empty. */
export function intersectRect(a: Rect, b: Rect): Rect | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.right, b.right);
  const bottom = Math.min(a.bottom, b.bottom);
  return right > left && bottom > top ? { left, top, right, bottom } : null;
}

/** The bounding box of both. */
export function unionRect(a: Rect, b: Rect): Rect {
  return {
    left: Math.min(a.left, b.left),
    top: Math.min(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
  };
}

export function rectContains(outer: Rect, inner: Rect): boolean {
  return (
    inner.left >= outer.left &&
    inner.top >= outer.top &&
    inner.right <= outer.right &&
    inner.bottom <= outer.bottom
  );
}

/** True if the rectangles overlap or share an edge (merging them wastes nothing at the shared edge). */
export function rectsTouch(a: Rect, b: Rect): boolean {
  return a.left <= b.right && b.left <= a.right && a.top <= b.bottom && b.top <= a.bottom;
}

/** `r` moved by (dx, dy). */
export function offsetRect(r: Rect, dx: number, dy: number): Rect {
  return { left: r.left + dx, top: r.top + dy, right: r.right + dx, bottom: r.bottom + dy };
}
