// ZLIB_GLZ_RGB image decoder (SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB): a GLZ stream wrapped in zlib (RFC 1950).
//
//   decodeZlibGlz(body, window, { out }) → Promise<DecodedImage>
//
// `body` is the image body after the SpiceImageDescriptor: u32 glz_data_size (inflated size), u32 data_size, then
// data_size bytes of zlib stream (server zlib-encoder.c deflateInit; spice-common canvas_get_zlib_glz_rgb).
// Inflation uses node:zlib's inflateSync with maxOutputLength = glz_data_size, so a stream can never inflate past
// the size it declared; it must inflate to exactly that size. node:zlib measured 2-4x faster than pako on the
// corpus (docs/decoders.md), so pako is not used here.
import { inflateSync } from 'node:zlib';
import { ProtocolError, errorMessage } from '../errors';
import type { DecodedImage } from './types';
import type { GlzWindow } from './glz-window';
import { decodeGlz, type GlzDecodeOptions } from './glz';

const CODEC = 'ZLIB_GLZ';

export async function decodeZlibGlz(
  body: Uint8Array,
  window: GlzWindow,
  opts: GlzDecodeOptions = {},
): Promise<DecodedImage> {
  if (body.length < 8) throw new ProtocolError(`${CODEC}: body of ${body.length} bytes lacks its sizes`);
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const glzSize = view.getUint32(0, true);
  const dataSize = view.getUint32(4, true);
  if (dataSize > body.length - 8) {
    throw new ProtocolError(`${CODEC}: data_size ${dataSize} exceeds the ${body.length - 8} bytes present`);
  }
  // A GLZ stream is never much larger than 4 bytes per pixel of an image the window may hold.
  const maxGlz = window.capPixels * 5 + 4096;
  if (glzSize < 33 || glzSize > maxGlz)
    throw new ProtocolError(`${CODEC}: implausible glz_data_size ${glzSize}`);
  let glz: Buffer;
  try {
    glz = inflateSync(body.subarray(8, 8 + dataSize), { maxOutputLength: glzSize });
  } catch (e) {
    throw new ProtocolError(`${CODEC}: inflate failed: ${errorMessage(e)}`, { cause: e });
  }
  if (glz.length !== glzSize) {
    throw new ProtocolError(`${CODEC}: inflated ${glz.length} bytes, glz_data_size says ${glzSize}`);
  }
  return decodeGlz(new Uint8Array(glz.buffer, glz.byteOffset, glz.length), window, opts);
}
