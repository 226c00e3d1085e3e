// THE image-decoder interface: one signature for every compressed image type, and tables keyed by
// SPICE_IMAGE_TYPE_*. The display path (surfaces/image-resolver.ts), the decode worker and the benchmarks all
// dispatch through `decodeImage` on a table; there is no other switch over image types.
import { ProtocolError, SpiceError } from '../errors';
import { imageTypeName } from '../codecs/image';
import type { DecodedImage } from './types';

/** A compressed image as it came off the wire, with what its decoder needs from the image descriptor. */
export interface EncodedImage {
  /** SPICE_IMAGE_TYPE_*. */
  type: number;
  /** The descriptor's size; the decoded image must have it (checked by decodeImage). */
  width: number;
  height: number;
  /** The image body: the compressed stream (ZLIB_GLZ and JPEG_ALPHA: the whole wire body), or BITMAP rows. */
  data: Uint8Array;
  /** BITMAP and LZ_PLT: the resolved palette, null when the format needs none. */
  palette?: Uint32Array | null;
  /** BITMAP only. */
  bitmap?: { format: number; flags: number; stride: number };
  /** Decode into this buffer (width * height * 4) instead of a new one; stateless decoders only (benchmarks). */
  out?: Uint8Array;
}

export type ImageDecoder = (image: EncodedImage) => DecodedImage | Promise<DecodedImage>;

/** Decoders by SPICE_IMAGE_TYPE_*. A missing (or null) entry means "this build cannot show that type". */
export type ImageDecoderTable = Readonly<Partial<Record<number, ImageDecoder | null>>>;

/** The decoder of `type` in `table`, or an explicit 'unsupported' error naming the type. */
export function decoderFor(table: ImageDecoderTable, type: number): ImageDecoder {
  const decoder = table[type];
  if (!decoder)
    throw new SpiceError(
      'unsupported',
      `image type ${imageTypeName(type)} cannot be shown yet: its decoder is not available in this build`,
    );
  return decoder;
}

/** Checks that a decoded image has the descriptor's size (streams that carry their own size may disagree). */
export function checkDecodedSize(image: EncodedImage, decoded: DecodedImage): DecodedImage {
  if (decoded.width !== image.width || decoded.height !== image.height) {
    throw new ProtocolError(
      `${imageTypeName(image.type)} image: decoded ${decoded.width}x${decoded.height}, descriptor says ${image.width}x${image.height}`,
    );
  }
  return decoded;
}

/** Decodes `image` with its entry in `table`, checking the result against the descriptor's size. */
export async function decodeImage(table: ImageDecoderTable, image: EncodedImage): Promise<DecodedImage> {
  return checkDecodedSize(image, await decoderFor(table, image.type)(image));
}
