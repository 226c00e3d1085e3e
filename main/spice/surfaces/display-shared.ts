// State shared by every display channel of one session (G19): the pixmap cache and the GLZ dictionary
// window (both keyed by the ids we announce in DISPLAY_INIT), and the image decoders bound to them.
// The session creates one with createDisplayShared() and closes it when the session ends.

import { DecodePool } from '../decoders/pool/decode-pool';
import { GlzWindow } from '../decoders/glz-window';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import { ImageCache } from './image-cache';
import { createImageDecoders } from '../decoders/image-decoders';
import type { ImageDecoderTable } from '../decoders/image-decoder';
import { SurfaceBudget } from './surface-budget';

/** spice-gtk's pixmap cache: 80 MiB of 32-bit pixels. */
export const DEFAULT_PIXMAP_CACHE_PIXELS = 20971520;
/** GLZ window in pixels (spice-gtk uses clamp(ram_hint/2, 12 MiB, 64 MiB) / 4; a capture showed ~6 Mi px). */
export const DEFAULT_GLZ_WINDOW_PIXELS = 6 * 1024 * 1024;
export const PIXMAP_CACHE_ID = 1;
export const GLZ_DICTIONARY_ID = 1;

export interface DisplaySharedOptions {
  pixmapCacheSizePixels?: number;
  glzWindowPixels?: number;
  /** Most pixels all surfaces of the session may hold together (default DEFAULT_MAX_TOTAL_SURFACE_PIXELS). */
  maxTotalSurfacePixels?: number;
  logger?: Logger;
  /** Replaces entries of the decoder table by SPICE_IMAGE_TYPE_* (tests; null = not available in this build). */
  decoders?: ImageDecoderTable;
  /**
   * Decode large QUIC/LZ/LZ4 images on worker threads (default true), so a big image never stalls the inputs
   * or other channels. A one-shot CLI turns it off: starting a worker costs more than one image's decode.
   */
  decodeInWorkers?: boolean;
}

export interface DisplayShared {
  readonly pixmapCacheId: number;
  readonly glzDictionaryId: number;
  readonly pixmapCacheSizePixels: number;
  readonly glzWindowPixels: number;
  readonly imageCache: ImageCache;
  /** Pixels held by the surfaces of every display channel, against their total cap. */
  readonly surfaceBudget: SurfaceBudget;
  /** The GLZ dictionary (decoded images later GLZ images refer to). */
  readonly glzWindow: GlzWindow;
  readonly decoders: ImageDecoderTable;
  /** Worker threads for large stateless decodes (null: everything decodes inline). */
  readonly decodePool: DecodePool | null;
  readonly logger: Logger;
  /** Frees the caches and stops decode workers. */
  close(): void;
}

export function createDisplayShared(options: DisplaySharedOptions = {}): DisplayShared {
  const pixmapCacheSizePixels = options.pixmapCacheSizePixels ?? DEFAULT_PIXMAP_CACHE_PIXELS;
  const glzWindowPixels = options.glzWindowPixels ?? DEFAULT_GLZ_WINDOW_PIXELS;
  const logger = options.logger ?? silentLogger;
  const imageCache = new ImageCache(pixmapCacheSizePixels);
  const glzWindow = new GlzWindow(glzWindowPixels);
  const pool = options.decodeInWorkers === false ? null : new DecodePool();
  const decoders: ImageDecoderTable = { ...createImageDecoders(glzWindow, pool), ...options.decoders };
  return {
    pixmapCacheId: PIXMAP_CACHE_ID,
    glzDictionaryId: GLZ_DICTIONARY_ID,
    pixmapCacheSizePixels,
    glzWindowPixels,
    imageCache,
    surfaceBudget: new SurfaceBudget(options.maxTotalSurfacePixels),
    glzWindow,
    decoders,
    decodePool: pool,
    logger,
    close() {
      imageCache.clear();
      glzWindow.reset();
      void pool?.close();
    },
  };
}
