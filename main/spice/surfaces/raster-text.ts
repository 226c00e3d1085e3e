// DRAW_TEXT rasterisation: a SpiceString's raster glyphs (A1 / A4 / A8) are merged into one coverage mask
// (maximum where glyphs overlap) and the fore brush is drawn OVER through it, as spice-common's sw canvas
// does. Glyph rows are bottom-up unless the string has RASTER_TOP_DOWN; A1 bits are most significant first;
// A4 nibbles are high first and give coverage nibble<<4.

import { ProtocolError } from '../errors';
import { MAX_IMAGE_PIXELS } from '../decoders/types';
import { SPICE_STRING_FLAGS_RASTER_TOP_DOWN } from '../protocol/enums';
import type { SpiceString } from '../codecs/display-draw';
import type { Rect } from './types';

export interface GlyphMask {
  /** Destination position of the mask's top-left pixel. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** width*height coverage bytes (0-255). */
  coverage: Uint8Array;
}

/** The union box of all glyphs, or null when the string has none. */
export function glyphBounds(str: SpiceString): Rect | null {
  let b: Rect | null = null;
  for (const g of str.glyphs) {
    const left = g.render_pos.x + g.glyph_origin.x;
    const top = g.render_pos.y + g.glyph_origin.y;
    const r = { left, top, right: left + g.width, bottom: top + g.height };
    if (g.width === 0 || g.height === 0) continue;
    b = b
      ? {
          left: Math.min(b.left, r.left),
          top: Math.min(b.top, r.top),
          right: Math.max(b.right, r.right),
          bottom: Math.max(b.bottom, r.bottom),
        }
      : r;
  }
  return b;
}

export function buildGlyphMask(str: SpiceString): GlyphMask | null {
  const b = glyphBounds(str);
  if (!b) return null;
  const width = b.right - b.left;
  const height = b.bottom - b.top;
  if (width * height > MAX_IMAGE_PIXELS) throw new ProtocolError(`text mask ${width}x${height} is too large`);
  const coverage = new Uint8Array(width * height);
  const topDown = (str.flags & SPICE_STRING_FLAGS_RASTER_TOP_DOWN) !== 0;
  const bpp = str.bpp;
  for (const g of str.glyphs) {
    const gx = g.render_pos.x + g.glyph_origin.x - b.left;
    const gy = g.render_pos.y + g.glyph_origin.y - b.top;
    const stride = Math.floor((g.width * bpp + 7) / 8);
    for (let row = 0; row < g.height; row++) {
      const src = (topDown ? row : g.height - 1 - row) * stride;
      const dst = (gy + row) * width + gx;
      for (let x = 0; x < g.width; x++) {
        let a: number;
        if (bpp === 1) a = (g.data[src + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 255 : 0;
        else if (bpp === 4) {
          const byte = g.data[src + (x >> 1)]!;
          a = x & 1 ? (byte << 4) & 0xf0 : byte & 0xf0;
        } else a = g.data[src + x]!;
        if (a > coverage[dst + x]!) coverage[dst + x] = a;
      }
    }
  }
  return { left: b.left, top: b.top, width, height, coverage };
}
