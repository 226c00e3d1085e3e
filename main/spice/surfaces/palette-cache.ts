// The palette cache of one display channel: palettes sent with PAL_CACHE_ME are kept under their unique id
// for later PAL_FROM_CACHE bitmaps, until INVAL_PALETTE / INVAL_ALL_PALETTES. Server-managed like the image
// cache; the entry count is bounded so a misbehaving server cannot grow it without end.

import type { Logger } from '../logger';

/** Far above the server's own palette cache (spice-server keeps 128 per client). */
export const MAX_CACHED_PALETTES = 4096;

export class PaletteCache {
  private readonly entries = new Map<bigint, Uint32Array>();
  private readonly logger: Logger | undefined;

  constructor(logger?: Logger) {
    this.logger = logger;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: bigint): Uint32Array | undefined {
    return this.entries.get(id);
  }

  put(id: bigint, ents: Uint32Array): void {
    this.entries.delete(id);
    this.entries.set(id, ents);
    if (this.entries.size > MAX_CACHED_PALETTES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
        this.logger?.warn(`palette cache above ${MAX_CACHED_PALETTES} entries; dropped palette ${oldest}`);
      }
    }
  }

  remove(id: bigint): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
