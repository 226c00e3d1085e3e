// The client side of the SPICE pixmap cache (G19). It is SERVER-MANAGED: the server decides what is cached
// (CACHE_ME), replaced (CACHE_REPLACE_ME) and evicted (INVAL_LIST, INVAL_ALL_PIXMAPS), and it tracks the
// capacity we announced in DISPLAY_INIT (pixels). We never evict on our own; a server that exceeds the
// announced capacity is a protocol error. One cache is shared by every display channel of a session.

import { ProtocolError } from '../errors';
import type { DecodedImage } from '../decoders/types';

export interface ImageCacheEntry {
  image: DecodedImage;
  /** True for JPEG / JPEG_ALPHA images (a later CACHE_REPLACE_ME may swap in a lossless copy). */
  lossy: boolean;
}

export class ImageCache {
  /** The capacity announced to the server (pixels). */
  readonly capacityPixels: number;
  private readonly entries = new Map<bigint, ImageCacheEntry>();
  private usedPixels = 0;

  constructor(capacityPixels: number) {
    this.capacityPixels = capacityPixels;
  }

  get size(): number {
    return this.entries.size;
  }

  get pixels(): number {
    return this.usedPixels;
  }

  has(id: bigint): boolean {
    return this.entries.has(id);
  }

  get(id: bigint): ImageCacheEntry | undefined {
    return this.entries.get(id);
  }

  /** Stores (or overwrites) `id`. Throws if the server overflows the capacity it was given. */
  put(id: bigint, image: DecodedImage, lossy: boolean): void {
    const old = this.entries.get(id);
    const pixels = image.width * image.height;
    const next = this.usedPixels - (old ? old.image.width * old.image.height : 0) + pixels;
    if (next > this.capacityPixels) {
      throw new ProtocolError(
        `the server overflowed the image cache: caching image ${id} (${image.width}x${image.height}) ` +
          `needs ${next} pixels, ${this.capacityPixels} were announced`,
      );
    }
    this.entries.set(id, { image, lossy });
    this.usedPixels = next;
  }

  /** CACHE_REPLACE_ME: a lossless image replaces a lossy entry of the same id. */
  replaceLossy(id: bigint, image: DecodedImage): void {
    this.put(id, image, false);
  }

  remove(id: bigint): boolean {
    const old = this.entries.get(id);
    if (!old) return false;
    this.entries.delete(id);
    this.usedPixels -= old.image.width * old.image.height;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.usedPixels = 0;
  }
}
