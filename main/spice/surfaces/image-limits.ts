// Checks an image before anything is decoded: a compressed image can expand a thousandfold, so its size must be
// one it can actually use — no more pixels than the surface it is drawn on (a draw cannot touch more), no more
// than the image cache holds when it is to be cached, and its own stream header must agree with the descriptor
// (decoders size their output from the header). A refused image costs nothing.

import { ProtocolError } from '../errors';
import {
  SPICE_IMAGE_FLAGS_CACHE_ME,
  SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME,
  SPICE_IMAGE_TYPE_FROM_CACHE,
  SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS,
  SPICE_IMAGE_TYPE_GLZ_RGB,
  SPICE_IMAGE_TYPE_LZ_RGB,
  SPICE_IMAGE_TYPE_QUIC,
} from '../protocol/enums';
import { imageTypeName, type SpiceImage } from '../codecs/image';
import { readGlzHeader } from '../decoders/glz';
import { readLzHeader } from '../decoders/lz';

/** Whether resolving the image decodes new pixels (not a cache hit, not another surface). */
export function imageAllocates(image: SpiceImage): boolean {
  const t = image.descriptor.type;
  return (
    image.body.kind !== 'surface' &&
    t !== SPICE_IMAGE_TYPE_FROM_CACHE &&
    t !== SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS
  );
}

/** Width and height the image's own stream header declares, where it has one before decoding. */
function headerSize(image: SpiceImage): { width: number; height: number } | null {
  const body = image.body;
  switch (body.kind) {
    case 'bitmap':
      return { width: body.bitmap.x, height: body.bitmap.y };
    case 'lz-plt':
      return readLzHeader(body.lzPlt.data);
    case 'binary': {
      const type = image.descriptor.type;
      if (type === SPICE_IMAGE_TYPE_LZ_RGB) return readLzHeader(body.data);
      if (type === SPICE_IMAGE_TYPE_GLZ_RGB) return readGlzHeader(body.data);
      if (type === SPICE_IMAGE_TYPE_QUIC && body.data.length >= 20) {
        const v = new DataView(body.data.buffer, body.data.byteOffset, 20);
        return { width: v.getUint32(12, true), height: v.getUint32(16, true) };
      }
      return null;
    }
    default:
      return null;
  }
}

export interface ImageLimits {
  /** Most pixels the image may have: the area of the surface it is drawn on. */
  maxPixels: number;
  /** Where it is drawn, for the message ("surface 0 (1024x768)"). */
  target: string;
  /** Capacity of the image cache (pixels), for images the server asks to cache. */
  cachePixels: number;
}

/** Throws ProtocolError for an image that may not be decoded here; does nothing for cache hits and surfaces. */
export function checkImageBeforeDecode(image: SpiceImage, limits: ImageLimits): void {
  if (!imageAllocates(image)) return;
  const { width, height, type, id, flags } = image.descriptor;
  const name = `${imageTypeName(type)} image ${id}`;
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new ProtocolError(
      `${name} is ${width}x${height}, more pixels than ${limits.target} it is drawn on: refused before decoding`,
    );
  }
  if (
    flags & (SPICE_IMAGE_FLAGS_CACHE_ME | SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME) &&
    pixels > limits.cachePixels
  ) {
    throw new ProtocolError(
      `${name} (${width}x${height}) is to be cached but is larger than the whole image cache (${limits.cachePixels} pixels)`,
    );
  }
  let declared: { width: number; height: number } | null = null;
  try {
    declared = headerSize(image);
  } catch {
    // A malformed header is the decoder's to report (it fails on it before allocating anything).
  }
  if (declared && (declared.width !== width || declared.height !== height)) {
    throw new ProtocolError(
      `${name}: its stream header says ${declared.width}x${declared.height}, the descriptor ${width}x${height}: refused before decoding`,
    );
  }
}
