// Shapes shared by the display path: rectangles, surfaces, monitors. Plain data only.

/** A rectangle in surface pixels, half-open: [left, right) × [top, bottom) — the one rectangle type from
 * surface to view (shared/rect.ts). */
export type { Rect } from '../../../shared/rect';

export interface SurfaceInfo {
  surfaceId: number;
  width: number;
  height: number;
  /** SPICE_SURFACE_FMT_* of the server's surface (pixels are always stored as RGBA here). */
  format: number;
  /** True for the primary surface (SPICE_SURFACE_FLAGS_PRIMARY). */
  primary: boolean;
}

export interface MonitorConfig {
  /** Head id within the display channel. */
  id: number;
  surfaceId: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Read access to a surface's pixels: RGBA, rows top-down, stride width * 4. */
export interface SurfaceView {
  readonly width: number;
  readonly height: number;
  readonly format: number;
  readonly pixels: Uint8Array;
  /** 'opaque': every alpha byte is 255 (xRGB and 16-bit formats keep it so after every operation). */
  readonly alphaRule: 'opaque' | 'keep' | 'alpha-only';
}

/** Implemented by display channels: look up a surface by id. */
export interface SurfaceProvider {
  getSurface(surfaceId: number): SurfaceView | undefined;
}
