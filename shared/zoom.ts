// Zoom arithmetic of a monitor view, pure so it can be unit-tested. Scales are in device pixels per guest
// pixel: 1 = "100%" = one guest pixel on one device pixel (crisp on HiDPI and fractional scaling).

export type ZoomMode = { kind: 'fit' } | { kind: 'fixed'; scale: number };

/** Zoom steps of zoom in / zoom out (device pixels per guest pixel). */
export const ZOOM_STEPS = [
  0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4,
] as const;

export interface ViewGeometry {
  /** Canvas size in CSS pixels. */
  cssWidth: number;
  cssHeight: number;
  /** Device pixels per guest pixel actually used. */
  scale: number;
  /** Nearest-neighbour filtering looks best at integer scales; smooth filtering otherwise. */
  pixelated: boolean;
}

/** Device-pixel scale of `mode` for a guest of the given size shown in a viewport of the given CSS size. */
export function scaleFor(
  mode: ZoomMode,
  guest: { width: number; height: number },
  viewport: { width: number; height: number },
  devicePixelRatio: number,
): number {
  if (mode.kind === 'fixed') return mode.scale;
  if (guest.width <= 0 || guest.height <= 0) return 1;
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  const fit = Math.min((viewport.width * dpr) / guest.width, (viewport.height * dpr) / guest.height);
  return fit > 0 && Number.isFinite(fit) ? fit : 1;
}

export function geometryFor(
  mode: ZoomMode,
  guest: { width: number; height: number },
  viewport: { width: number; height: number },
  devicePixelRatio: number,
): ViewGeometry {
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  const scale = scaleFor(mode, guest, viewport, dpr);
  return {
    cssWidth: (guest.width * scale) / dpr,
    cssHeight: (guest.height * scale) / dpr,
    scale,
    pixelated: Math.abs(scale - Math.round(scale)) < 1e-6 && scale >= 1,
  };
}

/** The next zoom step above (direction 1) or below (-1) the current scale. */
export function stepZoom(currentScale: number, direction: 1 | -1): number {
  if (direction > 0) {
    for (const step of ZOOM_STEPS) if (step > currentScale + 1e-6) return step;
    return ZOOM_STEPS[ZOOM_STEPS.length - 1] ?? currentScale;
  }
  for (let i = ZOOM_STEPS.length - 1; i >= 0; i--) {
    const step = ZOOM_STEPS[i];
    if (step !== undefined && step < currentScale - 1e-6) return step;
  }
  return ZOOM_STEPS[0] ?? currentScale;
}

/** Maps a point in CSS pixels relative to the canvas to guest pixels, clamped to the guest. */
export function cssToGuest(
  cssX: number,
  cssY: number,
  geometry: ViewGeometry,
  guest: { width: number; height: number },
): { x: number; y: number } {
  const fx = geometry.cssWidth > 0 ? (cssX / geometry.cssWidth) * guest.width : 0;
  const fy = geometry.cssHeight > 0 ? (cssY / geometry.cssHeight) * guest.height : 0;
  return {
    x: Math.max(0, Math.min(guest.width - 1, Math.floor(fx))),
    y: Math.max(0, Math.min(guest.height - 1, Math.floor(fy))),
  };
}
