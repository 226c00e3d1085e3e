// A SPICE surface held as an RGBA8888 framebuffer (bytes R,G,B,A; stride = width*4). The server's pixel format is
// remembered for the raster semantics that depend on it. Damage is not kept here: DisplaySurfaces reports the
// extents of every draw as a 'damage' event, and each view accumulates what it has not sent yet (one pipeline).

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

export { intersectRect, rectIsEmpty } from '../../../shared/rect';

/** Largest surface accepted (pixels); the server's max is far lower (qxl: 8192×8192). */
export const MAX_SURFACE_PIXELS = 16384 * 16384;

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
}
