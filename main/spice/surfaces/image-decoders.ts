// The table of image decoders the display path uses, one entry per compressed image type. An entry left
// null means "this build cannot show that type": the resolver then fails with an explicit 'unsupported'
// error naming the type. Tests inject their own tables; createImageDecoders() wires the real decoders.

import type { SpiceBitmapInput } from '../decoders/bitmap';
import { decodeBitmap } from '../decoders/bitmap';
import { decodeLz } from '../decoders/lz';
import { decodeLz4Image } from '../decoders/lz4';
import { decodeQuic } from '../decoders/quic';
import type { DecodedImage } from '../decoders/types';
import type { SpiceJPEGAlphaData, SpiceZlibGlzRGBData } from '../codecs/image';

type MaybeAsync<T> = T | Promise<T>;

export interface ImageDecoders {
  bitmap: ((bm: SpiceBitmapInput) => DecodedImage) | null;
  /** LZ_RGB and LZ_PLT (palette given for PLT streams). */
  lz: ((data: Uint8Array, opts: { palette?: Uint32Array | null }) => DecodedImage) | null;
  quic: ((data: Uint8Array) => MaybeAsync<DecodedImage>) | null;
  lz4: ((data: Uint8Array, width: number, height: number) => MaybeAsync<DecodedImage>) | null;
  /** GLZ_RGB, bound to the session's GLZ window. */
  glz: ((data: Uint8Array) => Promise<DecodedImage>) | null;
  /** ZLIB_GLZ_RGB, bound to the session's GLZ window. */
  zlibGlz: ((body: SpiceZlibGlzRGBData) => Promise<DecodedImage>) | null;
  jpeg: ((data: Uint8Array) => Promise<DecodedImage>) | null;
  jpegAlpha: ((body: SpiceJPEGAlphaData) => Promise<DecodedImage>) | null;
}

/** Decoders that need no session state. GLZ/JPEG entries are filled by display-shared.ts when available. */
export function createImageDecoders(): ImageDecoders {
  return {
    bitmap: (bm) => decodeBitmap(bm),
    lz: (data, opts) => decodeLz(data, { palette: opts.palette ?? null }),
    quic: (data) => decodeQuic(data),
    lz4: (data, width, height) => decodeLz4Image(data, width, height),
    glz: null,
    zlibGlz: null,
    jpeg: null,
    jpegAlpha: null,
  };
}
