// SpiceImage descriptor → pixels: follows the server's cache protocol (FROM_CACHE, CACHE_ME, CACHE_REPLACE_ME,
// palette PAL_FROM_CACHE / PAL_CACHE_ME), reads SURFACE images from other surfaces, and hands compressed
// bodies to the decoders. A type whose decoder is not available fails with an explicit 'unsupported' error
// naming it. Also turns QMask bitmaps (1 bit per pixel) into masks.

import { ProtocolError, SpiceError } from '../errors';
import type { Logger } from '../logger';
import {
  SPICE_BITMAP_FLAGS_PAL_CACHE_ME,
  SPICE_BITMAP_FLAGS_TOP_DOWN,
  SPICE_BITMAP_FMT_1BIT_BE,
  SPICE_BITMAP_FMT_1BIT_LE,
  SPICE_IMAGE_FLAGS_CACHE_ME,
  SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME,
  SPICE_IMAGE_TYPE_FROM_CACHE,
  SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS,
  SPICE_IMAGE_TYPE_GLZ_RGB,
  SPICE_IMAGE_TYPE_JPEG,
  SPICE_IMAGE_TYPE_JPEG_ALPHA,
  SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB,
} from '../protocol/enums';
import { MAX_IMAGE_PIXELS, type DecodedImage } from '../decoders/types';
import { imageTypeName, type SpiceBitmap, type SpiceImage, type SpicePalette } from '../codecs/image';
import type { ImageCache } from './image-cache';
import type { PaletteCache } from './palette-cache';
import type { Surface } from './surface';
import { decodeImage, type EncodedImage, type ImageDecoderTable } from '../decoders/image-decoder';

export type ResolvedImage = { kind: 'image'; image: DecodedImage } | { kind: 'surface'; surface: Surface };

export interface ImageResolverDeps {
  imageCache: ImageCache;
  paletteCache: PaletteCache;
  decoders: ImageDecoderTable;
  getSurface: (id: number) => Surface | undefined;
  logger: Logger;
}

/** Whether an image must be decoded even when its draw is clipped away (G21: caches and the GLZ window). */
export function imageNeedsTouch(image: SpiceImage): boolean {
  const { type, flags } = image.descriptor;
  if (flags & (SPICE_IMAGE_FLAGS_CACHE_ME | SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME)) return true;
  if (type === SPICE_IMAGE_TYPE_GLZ_RGB || type === SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB) return true;
  const b = image.body;
  if (b.kind === 'bitmap')
    return (b.bitmap.flags & SPICE_BITMAP_FLAGS_PAL_CACHE_ME) !== 0 && b.bitmap.palette !== null;
  if (b.kind === 'lz-plt')
    return (b.lzPlt.flags & SPICE_BITMAP_FLAGS_PAL_CACHE_ME) !== 0 && b.lzPlt.palette !== null;
  return false;
}

function isLossy(type: number): boolean {
  return type === SPICE_IMAGE_TYPE_JPEG || type === SPICE_IMAGE_TYPE_JPEG_ALPHA;
}

export class ImageResolver {
  private readonly deps: ImageResolverDeps;

  constructor(deps: ImageResolverDeps) {
    this.deps = deps;
  }

  /** Decodes (or fetches) an image and applies its cache flags. */
  async resolve(image: SpiceImage): Promise<ResolvedImage> {
    const { descriptor: desc, body } = image;
    if (body.kind === 'surface') {
      const surface = this.deps.getSurface(body.surfaceId);
      if (!surface)
        throw new ProtocolError(`image refers to surface ${body.surfaceId}, which does not exist`);
      return { kind: 'surface', surface };
    }
    if (desc.type === SPICE_IMAGE_TYPE_FROM_CACHE || desc.type === SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS) {
      const entry = this.deps.imageCache.get(desc.id);
      if (!entry) throw new ProtocolError(`image ${desc.id} is not in the image cache`);
      if (desc.type === SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS && entry.lossy) {
        this.deps.logger.debug(`image ${desc.id} asked lossless but the cached copy is lossy`);
      }
      return { kind: 'image', image: entry.image };
    }
    const decoded = await this.decode(image);
    this.store(image, decoded);
    return { kind: 'image', image: decoded };
  }

  /** Decodes an image only for its side effects (cache, GLZ window) when the draw is clipped away. */
  async touch(image: SpiceImage | null): Promise<void> {
    if (image && imageNeedsTouch(image)) await this.resolve(image);
  }

  private store(image: SpiceImage, decoded: DecodedImage): void {
    const { id, type, flags } = image.descriptor;
    if (flags & SPICE_IMAGE_FLAGS_CACHE_ME) {
      this.deps.imageCache.put(id, decoded, isLossy(type));
    } else if (flags & SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME) {
      if (isLossy(type)) throw new ProtocolError(`CACHE_REPLACE_ME with a lossy image ${id}`);
      this.deps.imageCache.replaceLossy(id, decoded);
    }
  }

  private palette(flags: number, palette: SpicePalette | null, paletteId: bigint | null): Uint32Array | null {
    if (paletteId !== null) {
      const ents = this.deps.paletteCache.get(paletteId);
      if (!ents) throw new ProtocolError(`palette ${paletteId} is not in the palette cache`);
      return ents;
    }
    if (palette && flags & SPICE_BITMAP_FLAGS_PAL_CACHE_ME)
      this.deps.paletteCache.put(palette.unique, palette.ents);
    return palette ? palette.ents : null;
  }

  /** The descriptor and body as the decoder table's EncodedImage (palettes resolved through the cache). */
  private encoded(image: SpiceImage): EncodedImage {
    const { descriptor: desc, body } = image;
    const base = { type: desc.type, width: desc.width, height: desc.height };
    switch (body.kind) {
      case 'bitmap': {
        const bm = body.bitmap;
        // The bitmap's own x/y are its size; the descriptor's must agree (checked after decoding).
        return {
          ...base,
          width: bm.x,
          height: bm.y,
          data: bm.data,
          palette: this.palette(bm.flags, bm.palette, bm.paletteId),
          bitmap: { format: bm.format, flags: bm.flags, stride: bm.stride },
        };
      }
      case 'lz-plt': {
        const lz = body.lzPlt;
        return { ...base, data: lz.data, palette: this.palette(lz.flags, lz.palette, lz.paletteId) };
      }
      case 'binary':
        return { ...base, data: body.data };
      case 'zlib-glz':
        return { ...base, data: body.zlibGlz.raw };
      case 'jpeg-alpha':
        return { ...base, data: body.jpegAlpha.raw };
      case 'surface':
      case 'none':
        throw new SpiceError(
          'unsupported',
          `image type ${imageTypeName(desc.type)} cannot be shown yet: its decoder is not available in this build`,
        );
    }
  }

  private async decode(image: SpiceImage): Promise<DecodedImage> {
    const { descriptor: desc } = image;
    const out = await decodeImage(this.deps.decoders, this.encoded(image));
    if (out.width !== desc.width || out.height !== desc.height) {
      throw new ProtocolError(
        `${imageTypeName(desc.type)} image ${desc.id}: decoded ${out.width}x${out.height}, descriptor says ${desc.width}x${desc.height}`,
      );
    }
    return out;
  }

  /**
   * A QMask bitmap as a coverage image: alpha 255 where the bit is set. 1-bit BITMAPs are read directly
   * (they carry no palette); cached masks and other images use their alpha channel.
   */
  async resolveMask(image: SpiceImage): Promise<ResolvedImage> {
    const b = image.body;
    if (
      b.kind === 'bitmap' &&
      (b.bitmap.format === SPICE_BITMAP_FMT_1BIT_LE || b.bitmap.format === SPICE_BITMAP_FMT_1BIT_BE)
    ) {
      const decoded = maskFromBitmap(b.bitmap);
      if (image.descriptor.flags & SPICE_IMAGE_FLAGS_CACHE_ME)
        this.deps.imageCache.put(image.descriptor.id, decoded, false);
      return { kind: 'image', image: decoded };
    }
    return this.resolve(image);
  }
}

/** A 1-bit bitmap (LE = least significant bit first) as RGBA with alpha 255 for set bits, 0 otherwise. */
export function maskFromBitmap(bm: SpiceBitmap): DecodedImage {
  const { x: width, y: height, stride } = bm;
  if (width * height > MAX_IMAGE_PIXELS) throw new ProtocolError(`mask ${width}x${height} is too large`);
  const rowBytes = (width + 7) >> 3;
  if (stride < rowBytes || bm.data.length < stride * height) {
    throw new ProtocolError(`mask ${width}x${height}: stride ${stride} / ${bm.data.length} bytes too small`);
  }
  const pixels = new Uint8Array(width * height * 4);
  const lsbFirst = bm.format === SPICE_BITMAP_FMT_1BIT_LE;
  const topDown = (bm.flags & SPICE_BITMAP_FLAGS_TOP_DOWN) !== 0;
  for (let y = 0; y < height; y++) {
    const srow = (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const byte = bm.data[srow + (x >> 3)]!;
      const bit = lsbFirst ? (byte >> (x & 7)) & 1 : (byte >> (7 - (x & 7))) & 1;
      if (bit) pixels[(y * width + x) * 4 + 3] = 255;
    }
  }
  return { width, height, pixels, hasAlpha: true };
}
