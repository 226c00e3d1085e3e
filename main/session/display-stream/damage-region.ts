// A bounded set of damaged rectangles for one monitor view. Damage arriving while the renderer is behind is
// merged here instead of queued, so memory stays bounded however slow the renderer is: at most `maxRects`
// rectangles, merged into their bounding box when they would exceed it or cover most of it anyway.
import type { Rect } from '../../../shared/rect';
import { rectArea, rectContains, rectIsEmpty, rectsTouch, unionRect } from '../../../shared/rect';

export class DamageRegion {
  private rects: Rect[] = [];

  constructor(private readonly maxRects = 16) {}

  get isEmpty(): boolean {
    return this.rects.length === 0;
  }

  get count(): number {
    return this.rects.length;
  }

  /** Adds a rectangle (already clipped to the monitor). Empty rectangles are ignored. */
  add(rect: Rect): void {
    if (rectIsEmpty(rect)) return;
    let merged = rect;
    // Absorb every rectangle the new one touches when the union stays tight (≤ 1.5× the parts' area).
    for (let changed = true; changed;) {
      changed = false;
      for (let i = 0; i < this.rects.length; i++) {
        const other = this.rects[i];
        if (other === undefined) continue;
        if (rectContains(other, merged)) return;
        const u = unionRect(other, merged);
        if (
          rectContains(merged, other) ||
          (rectsTouch(other, merged) && rectArea(u) <= 1.5 * (rectArea(other) + rectArea(merged)))
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
  take(): Rect[] {
    const out = this.rects;
    this.rects = [];
    return out;
  }

  clear(): void {
    this.rects = [];
  }

  private collapse(): void {
    let box: Rect | undefined;
    for (const r of this.rects) box = box ? unionRect(box, r) : r;
    this.rects = box ? [box] : [];
  }
}
