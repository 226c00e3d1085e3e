// Splits a draw's destination region into horizontal bands of bounded size, so one draw — a fill of a huge
// surface, a scaled copy onto it — runs in pieces: the dispatcher can yield between them (timers, sockets and
// signals keep running) and a scaled copy or snapshot is made one band at a time, never for the whole area.

import type { Region } from './region';
import { regionExtents } from './region';
import type { Rect } from './types';

/** Destination pixels per band: about a millisecond of fill, 4 MiB for a band's scaled source. */
export const BAND_PIXELS = 1 << 20;

export function regionArea(region: Region): number {
  let area = 0;
  for (const r of region) area += (r.right - r.left) * (r.bottom - r.top);
  return area;
}

/**
 * The region cut into bands of at most `maxPixels` pixels of extents each, top to bottom (or bottom to top).
 * Pieces keep the region's disjointness. Work is proportional to the rectangles plus the band boundaries they
 * cross (disjoint rectangles crossing one boundary are at most its width), never bands × rectangles.
 */
export function splitIntoBands(region: Region, maxPixels = BAND_PIXELS, bottomUp = false): Region[] {
  const e = regionExtents(region);
  if (!e) return [];
  const width = e.right - e.left;
  const height = e.bottom - e.top;
  if (width * height <= maxPixels) return [region];
  const rows = Math.max(1, Math.floor(maxPixels / width));
  const count = Math.ceil(height / rows);
  const buckets: Rect[][] = Array.from({ length: count }, () => []);
  for (const r of region) {
    if (r.right <= r.left || r.bottom <= r.top) continue;
    const first = Math.floor((r.top - e.top) / rows);
    const last = Math.floor((r.bottom - 1 - e.top) / rows);
    for (let b = first; b <= last; b++) {
      const bandTop = e.top + b * rows;
      buckets[b]!.push({
        left: r.left,
        right: r.right,
        top: Math.max(r.top, bandTop),
        bottom: Math.min(r.bottom, bandTop + rows),
      });
    }
  }
  const bands = buckets.filter((b) => b.length > 0);
  return bottomUp ? bands.reverse() : bands;
}
