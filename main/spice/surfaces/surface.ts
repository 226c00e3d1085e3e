// A SPICE surface held as an RGBA8888 framebuffer (bytes R,G,B,A; stride = width*4) with damage tracking:
// draw operations add the rectangles they touched, and the consumer (renderer stream, screenshot) takes the
// coalesced list. The server's pixel format is remembered for the raster semantics that depend on it.

import { ProtocolError } from '../errors';
import {
  SPICE_SURFACE_FMT_16_555,
  SPICE_SURFACE_FMT_16_565,
  SPICE_SURFACE_FMT_1_A,
  SPICE_SURFACE_FMT_32_ARGB,
  SPICE_SURFACE_FMT_32_xRGB,
  SPICE_SURFACE_FMT_8_A,
} from '../protocol/enums';
import type { Rect, SurfaceInfo } from './types';

/** Largest surface accepted (pixels); the server's max is far lower (qxl: 8192×8192). */
export const MAX_SURFACE_PIXELS = 16384 * 16384;
/** Damage rectangles kept before they are merged into their bounding box. */
const MAX_DAMAGE_RECTS = 32;

const KNOWN_FORMATS = new Set<number>([
  SPICE_SURFACE_FMT_1_A,
  SPICE_SURFACE_FMT_8_A,
  SPICE_SURFACE_FMT_16_555,
  SPICE_SURFACE_FMT_16_565,
  SPICE_SURFACE_FMT_32_xRGB,
  SPICE_SURFACE_FMT_32_ARGB,
]);

/** How pixel values are kept valid after raw bit operations, per surface format. */
export type AlphaRule = 'opaque' | 'keep' | 'alpha-only';

export function alphaRuleFor(format: number): AlphaRule {
  switch (format) {
    case SPICE_SURFACE_FMT_32_ARGB:
      return 'keep';
    case SPICE_SURFACE_FMT_8_A:
    case SPICE_SURFACE_FMT_1_A:
      return 'alpha-only';
    default:
      return 'opaque';
  }
}

export function rectIsEmpty(r: Rect): boolean {
  return r.right <= r.left || r.bottom <= r.top;
}

export function intersectRect(a: Rect, b: Rect): Rect | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.right, b.right);
  const bottom = Math.min(a.bottom, b.bottom);
  return right > left && bottom > top ? { left, top, right, bottom } : null;
}

function area(r: Rect): number {
  return (r.right - r.left) * (r.bottom - r.top);
}

function union(a: Rect, b: Rect): Rect {
  return {
    left: Math.min(a.left, b.left),
    top: Math.min(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
  };
}

export class Surface {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** SPICE_SURFACE_FMT_* of the server's surface. */
  readonly format: number;
  readonly primary: boolean;
  readonly alphaRule: AlphaRule;
  /** RGBA bytes, row-major, top-down, stride width*4. */
  readonly pixels: Uint8Array;
  /** The same memory as little-endian u32 (0xAABBGGRR). */
  readonly data32: Uint32Array;
  private damage: Rect[] = [];

  constructor(id: number, width: number, height: number, format: number, primary = false) {
    if (!KNOWN_FORMATS.has(format))
      throw new ProtocolError(`surface ${id}: unknown surface format ${format}`);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new ProtocolError(`surface ${id}: bad size ${width}x${height}`);
    }
    if (width * height > MAX_SURFACE_PIXELS) {
      throw new ProtocolError(
        `surface ${id}: ${width}x${height} is larger than ${MAX_SURFACE_PIXELS} pixels`,
      );
    }
    this.id = id;
    this.width = width;
    this.height = height;
    this.format = format;
    this.primary = primary;
    this.alphaRule = alphaRuleFor(format);
    this.data32 = new Uint32Array(width * height);
    this.pixels = new Uint8Array(this.data32.buffer);
    // A fresh surface is black; opaque formats show it opaque.
    if (this.alphaRule === 'opaque') this.data32.fill(0xff000000);
  }

  get info(): SurfaceInfo {
    return {
      surfaceId: this.id,
      width: this.width,
      height: this.height,
      format: this.format,
      primary: this.primary,
    };
  }

  get bounds(): Rect {
    return { left: 0, top: 0, right: this.width, bottom: this.height };
  }

  /** Records that `rect` changed (clipped to the surface). */
  addDamage(rect: Rect): void {
    const r = intersectRect(rect, this.bounds);
    if (!r) return;
    let merged = r;
    // Absorb every existing rect that overlaps the new one when the union is not much bigger than the parts.
    for (let again = true; again;) {
      again = false;
      for (let i = 0; i < this.damage.length; i++) {
        const d = this.damage[i]!;
        const u = union(d, merged);
        const contained =
          u.left === d.left && u.top === d.top && u.right === d.right && u.bottom === d.bottom;
        if (contained) return;
        if (area(u) <= (area(d) + area(merged)) * 1.25 || intersectRect(d, merged)) {
          merged = u;
          this.damage.splice(i, 1);
          again = true;
          break;
        }
      }
    }
    this.damage.push(merged);
    if (this.damage.length > MAX_DAMAGE_RECTS) {
      this.damage = [this.damage.reduce(union)];
    }
  }

  /** Damage accumulated since the last call, as non-overlapping rectangles; clears it. */
  takeDamage(): Rect[] {
    const out = this.damage;
    this.damage = [];
    return out;
  }

  get hasDamage(): boolean {
    return this.damage.length > 0;
  }

  /** Copies the pixels of `rect` (clipped) into a new tightly packed RGBA buffer. */
  readRect(rect: Rect): { rect: Rect; pixels: Uint8Array } {
    const r = intersectRect(rect, this.bounds) ?? { left: 0, top: 0, right: 0, bottom: 0 };
    const w = r.right - r.left;
    const out = new Uint8Array(w * (r.bottom - r.top) * 4);
    for (let y = r.top; y < r.bottom; y++) {
      const from = (y * this.width + r.left) * 4;
      out.set(this.pixels.subarray(from, from + w * 4), (y - r.top) * w * 4);
    }
    return { rect: r, pixels: out };
  }
}
