// The decoders that need nothing but the image itself (no GLZ window, no sharp): QUIC, LZ_RGB, LZ_PLT, LZ4 and
// BITMAP. Pure and synchronous, so they run on any thread: inline, in the decode worker (pool/), and in the
// benchmarks. The session's table (image-decoders.ts) routes these same entries through the decode pool.
import { ProtocolError } from '../errors';
import {
  SPICE_IMAGE_TYPE_BITMAP,
  SPICE_IMAGE_TYPE_LZ4,
  SPICE_IMAGE_TYPE_LZ_PLT,
  SPICE_IMAGE_TYPE_LZ_RGB,
  SPICE_IMAGE_TYPE_QUIC,
} from '../protocol/enums';
import { decodeBitmap } from './bitmap';
import { checkDecodedSize, decoderFor, type EncodedImage } from './image-decoder';
import { decodeLz } from './lz';
import { decodeLz4Image } from './lz4';
import { decodeQuic } from './quic';
import type { DecodedImage } from './types';

export type StatelessDecoder = (image: EncodedImage) => DecodedImage;

function lz(image: EncodedImage): DecodedImage {
  return decodeLz(image.data, {
    palette: image.palette ?? null,
    ...(image.out !== undefined ? { out: image.out } : {}),
  });
}

export const STATELESS_DECODERS: Readonly<Record<number, StatelessDecoder>> = {
  [SPICE_IMAGE_TYPE_QUIC]: (image) => decodeQuic(image.data, image.out),
  [SPICE_IMAGE_TYPE_LZ_RGB]: lz,
  [SPICE_IMAGE_TYPE_LZ_PLT]: lz,
  [SPICE_IMAGE_TYPE_LZ4]: (image) => decodeLz4Image(image.data, image.width, image.height, image.out),
  [SPICE_IMAGE_TYPE_BITMAP]: (image) => {
    if (!image.bitmap) throw new ProtocolError('BITMAP image without its format');
    return decodeBitmap(
      {
        ...image.bitmap,
        width: image.width,
        height: image.height,
        palette: image.palette ?? null,
        data: image.data,
      },
      image.out !== undefined ? { out: image.out } : {},
    );
  },
};

/** True for the types STATELESS_DECODERS handles (what the decode pool may run on a worker). */
export function isStatelessType(type: number): boolean {
  return Object.prototype.hasOwnProperty.call(STATELESS_DECODERS, type);
}

/** Decodes a stateless image on this thread, checking its size against the descriptor. */
export function decodeStatelessImage(image: EncodedImage): DecodedImage {
  const decoder = decoderFor(STATELESS_DECODERS, image.type) as StatelessDecoder;
  return checkDecodedSize(image, decoder(image));
}

/** Payload format names of the decode corpus manifest (/work/shared/corpus/manifest.json) → image type. */
export const CORPUS_FORMATS: Readonly<Record<string, number>> = {
  lz: SPICE_IMAGE_TYPE_LZ_RGB,
  quic: SPICE_IMAGE_TYPE_QUIC,
  lz4: SPICE_IMAGE_TYPE_LZ4,
};

/** The image type of a corpus format name, or undefined if it is not a stateless format. */
export function corpusFormatType(format: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(CORPUS_FORMATS, format) ? CORPUS_FORMATS[format] : undefined;
}
