// A bounded set of damaged rectangles for one monitor view. Damage arriving while the renderer is behind is
// merged here instead of queued, so memory stays bounded however slow the renderer is: at most `maxRects`
// rectangles, merged into their bounding box when they would exceed it or cover most of it anyway.

/** x/y/width/height in monitor pixels. */
export interface DamageRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const area = (r: DamageRect): number => r.width * r.height;

function union(a: DamageRect, b: DamageRect): DamageRect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

function contains(outer: DamageRect, inner: DamageRect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

/** True if the rectangles overlap or touch (so merging them wastes nothing at the shared edge). */
function touches(a: DamageRect, b: DamageRect): boolean {
  return a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height;
}

export class DamageRegion {
  private rects: DamageRect[] = [];

  constructor(private readonly maxRects = 16) {}

  get isEmpty(): boolean {
    return this.rects.length === 0;
  }

  get count(): number {
    return this.rects.length;
  }

  /** Adds a rectangle (already clipped to the monitor). Empty rectangles are ignored. */
  add(rect: DamageRect): void {
    if (rect.width <= 0 || rect.height <= 0) return;
    let merged = rect;
    // Absorb every rectangle the new one touches when the union stays tight (≤ 1.5× the parts' area).
    for (let changed = true; changed;) {
      changed = false;
      for (let i = 0; i < this.rects.length; i++) {
        const other = this.rects[i];
        if (other === undefined) continue;
        if (contains(other, merged)) return;
        const u = union(other, merged);
        if (
          contains(merged, other) ||
          (touches(other, merged) && area(u) <= 1.5 * (area(other) + area(merged)))
        ) {
          merged = u;
          this.rects.splice(i, 1);
          changed = true;
          break;
        }
      }
    }
    this.rects.push(merged);
    if (this.rects.length > this.maxRects) this.collapse();
  }

  /** Returns the pending rectangles and empties the region. */
  take(): DamageRect[] {
    const out = this.rects;
    this.rects = [];
    return out;
  }

  clear(): void {
    this.rects = [];
  }

  private collapse(): void {
    let box: DamageRect | undefined;
    for (const r of this.rects) box = box ? union(box, r) : r;
    this.rects = box ? [box] : [];
  }
}

/** Intersection of two rectangles, or undefined if empty. */
export function intersect(a: DamageRect, b: DamageRect): DamageRect | undefined {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : undefined;
}
