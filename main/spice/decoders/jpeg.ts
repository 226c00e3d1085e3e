// JPEG and JPEG_ALPHA image decoders (SPICE_IMAGE_TYPE_JPEG / JPEG_ALPHA), through sharp (libvips + libjpeg).
//
//   decodeJpeg(data, width, height)        data = the JPEG bytes (SpiceJPEGData after data_size)
//   decodeJpegAlpha(body, width, height)   body = u8 flags, u32 jpeg_size, u32 data_size, then data_size bytes:
//                                          the JPEG (jpeg_size bytes) followed by an LZ XXXA alpha stream
//
// width/height are the image descriptor's; a JPEG of another size is rejected (spice-common canvas_get_jpeg).
// JPEG rows are always top-down; the alpha stream's row order follows SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN, which must
// agree with its own LZ header (canvas_get_jpeg_alpha). Output RGBA (sharp: sRGB, 3 channels + alpha 255).
// sharp is loaded on first use (it is a native module), never at import time. Decoding runs on libuv's thread pool.
import { ProtocolError, errorMessage } from '../errors';
import { SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN } from '../protocol/enums';
import type { DecodedImage } from './types';
import { checkDimensions } from './lz-common';
import { decodeLzAlphaInto, readLzHeader } from './lz';

const CODEC = 'JPEG';

export async function decodeJpeg(data: Uint8Array, width: number, height: number): Promise<DecodedImage> {
  const n = checkDimensions(CODEC, width, height);
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8)
    throw new ProtocolError(`${CODEC}: not a JPEG stream`);
  const { default: sharp } = await import('sharp');
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    out = await sharp(data, { limitInputPixels: n, failOn: 'error' })
      .toColourspace('srgb')
      .ensureAlpha(1)
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ProtocolError(`${CODEC}: ${errorMessage(e)}`, { cause: e });
  }
  const { info } = out;
  if (info.width !== width || info.height !== height) {
    throw new ProtocolError(
      `${CODEC}: stream is ${info.width}x${info.height}, descriptor says ${width}x${height}`,
    );
  }
  if (info.channels !== 4 || out.data.length !== n * 4) {
    throw new ProtocolError(`${CODEC}: decoder produced ${info.channels} channels`);
  }
  return {
    width,
    height,
    pixels: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length),
    hasAlpha: false,
  };
}

export async function decodeJpegAlpha(
  body: Uint8Array,
  width: number,
  height: number,
): Promise<DecodedImage> {
  if (body.length < 9)
    throw new ProtocolError(`${CODEC}_ALPHA: body of ${body.length} bytes lacks its header`);
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const flags = body[0]!;
  const jpegSize = view.getUint32(1, true);
  const dataSize = view.getUint32(5, true);
  if (dataSize > body.length - 9 || jpegSize > dataSize) {
    throw new ProtocolError(
      `${CODEC}_ALPHA: jpeg_size ${jpegSize} / data_size ${dataSize} do not fit the body`,
    );
  }
  const data = body.subarray(9, 9 + dataSize);
  const alpha = data.subarray(jpegSize);
  const lz = readLzHeader(alpha);
  if (lz.topDown !== ((flags & SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN) !== 0)) {
    throw new ProtocolError(`${CODEC}_ALPHA: alpha row order disagrees with the flags`);
  }
  const img = await decodeJpeg(data.subarray(0, jpegSize), width, height);
  decodeLzAlphaInto(alpha, img);
  return img;
}
