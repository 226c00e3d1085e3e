// The first VideoBackend: MJPEG streams decoded in the core through the session's JPEG image decoder (sharp,
// off the JS thread) and drawn into the stream's surface. MJPEG frames carry no size of their own outside the
// JPEG, so it is read from the SOF marker; bottom-up streams are flipped. Plays nothing when the build has no
// JPEG decoder.
import { ProtocolError } from '../errors';
import { decodeImage, type ImageDecoderTable } from '../decoders/image-decoder';
import { SPICE_IMAGE_TYPE_JPEG, SPICE_VIDEO_CODEC_TYPE_MJPEG } from '../protocol/enums';
import type { VideoBackend, VideoStream, VideoStreamDecoder, VideoTarget } from './video-decoder';

/** Width and height from a JPEG's SOF marker (MJPEG frames carry no size of their own), or null. */
export function jpegDimensions(data: Uint8Array): { width: number; height: number } | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= data.length) {
    if (data[p] !== 0xff) return null;
    const marker = data[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = (data[p + 2]! << 8) | data[p + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (p + 9 > data.length) return null;
      return { height: (data[p + 5]! << 8) | data[p + 6]!, width: (data[p + 7]! << 8) | data[p + 8]! };
    }
    if (len < 2) return null;
    p += 2 + len;
  }
  return null;
}

/** Flips RGBA rows in place (bottom-up video frames). */
export function flipRows(pixels: Uint8Array, width: number, height: number): void {
  const stride = width * 4;
  const tmp = new Uint8Array(stride);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * stride;
    const b = bottom * stride;
    tmp.set(pixels.subarray(a, a + stride));
    pixels.copyWithin(a, b, b + stride);
    pixels.set(tmp, b);
  }
}

export function mjpegCoreBackend(decoders: ImageDecoderTable): VideoBackend {
  const playable = Boolean(decoders[SPICE_IMAGE_TYPE_JPEG]);
  return {
    name: 'MJPEG in the core',
    codecs: playable ? [SPICE_VIDEO_CODEC_TYPE_MJPEG] : [],
    create(stream: VideoStream, target: VideoTarget): VideoStreamDecoder {
      return {
        async frame({ data, dest }) {
          const size = jpegDimensions(data);
          if (!size) throw new ProtocolError('not a JPEG frame');
          const release = target.reserveFrame(stream, size.width, size.height);
          try {
            const image = { type: SPICE_IMAGE_TYPE_JPEG, width: size.width, height: size.height, data };
            const frame = await decodeImage(decoders, image);
            if (!stream.topDown) flipRows(frame.pixels, frame.width, frame.height);
            await target.drawFrame(stream, frame, dest);
          } finally {
            release();
          }
        },
        destroy() {},
      };
    },
  };
}
