// The pixel budget of every surface of one session: SURFACE_CREATE sizes come from the server, and each
// surface is allocated at once (RGBA, 4 bytes a pixel), so without a total a server could create surface
// after surface until the client runs out of memory. Shared by all display channels (DisplayShared).

import { ProtocolError } from '../errors';
import { MAX_SURFACE_PIXELS } from './surface';

/** Default total: one 16384×16384 surface, or four of qxl's largest (8192×8192); 1 GiB of RGBA. */
export const DEFAULT_MAX_TOTAL_SURFACE_PIXELS = MAX_SURFACE_PIXELS;

export class SurfaceBudget {
  readonly capPixels: number;
  private used = 0;

  constructor(capPixels: number = DEFAULT_MAX_TOTAL_SURFACE_PIXELS) {
    this.capPixels = capPixels;
  }

  get usedPixels(): number {
    return this.used;
  }

  /** Reserves `pixels` for surface `id`, or throws ProtocolError (nothing reserved) when the total would exceed the cap. */
  reserve(id: number, width: number, height: number): void {
    const pixels = width * height;
    if (this.used + pixels > this.capPixels) {
      throw new ProtocolError(
        `surface ${id}: ${width}x${height} refused: surfaces would hold ${this.used + pixels} pixels, ` +
          `more than the ${this.capPixels}-pixel total`,
      );
    }
    this.used += pixels;
  }

  release(pixels: number): void {
    this.used = Math.max(0, this.used - pixels);
  }
}
