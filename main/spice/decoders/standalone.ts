// Decoders that need nothing but the payload and the descriptor's size (no session state), keyed by the format
// names of the decode corpus manifest (/work/shared/corpus/manifest.json: "lz", "quic") plus "lz4" and "bitmap32".
// Used by `saffron bench-decode`, `npm run bench` and the decode worker. Not a protocol dispatcher: the display
// channel resolves image descriptors itself.
import { ProtocolError } from '../errors';
import type { DecodedImage } from './types';
import { decodeLz } from './lz';
import { decodeLz4Image } from './lz4';
import { decodeQuic } from './quic';

export type StandaloneFormat = 'lz' | 'quic' | 'lz4';

export const STANDALONE_FORMATS: readonly StandaloneFormat[] = ['lz', 'quic', 'lz4'];

export function isStandaloneFormat(format: string): format is StandaloneFormat {
  return (STANDALONE_FORMATS as readonly string[]).includes(format);
}

/**
 * Decodes one payload of a standalone format. `width`/`height` are the image descriptor's; formats whose stream
 * carries its own size are checked against them.
 */
export function decodeStandalone(
  format: StandaloneFormat,
  data: Uint8Array,
  width: number,
  height: number,
  out?: Uint8Array,
): DecodedImage {
  let img: DecodedImage;
  switch (format) {
    case 'lz':
      img = decodeLz(data, out === undefined ? {} : { out });
      break;
    case 'quic':
      img = decodeQuic(data, out);
      break;
    case 'lz4':
      return decodeLz4Image(data, width, height, out);
  }
  if (img.width !== width || img.height !== height) {
    throw new ProtocolError(
      `${format}: stream is ${img.width}x${img.height}, descriptor says ${width}x${height}`,
    );
  }
  return img;
}
