// What the page must know about an encoded frame before WebCodecs takes it: is it a key frame (a decoder starts
// only from one), and for H.264 the `avc1.PPCCLL` codec string from the stream's SPS. Pure functions over the
// server's bytes (spice-server sends VP8/VP9 frames as the encoder made them and H.264 as an Annex-B byte stream).
import {
  SPICE_VIDEO_CODEC_TYPE_H264,
  SPICE_VIDEO_CODEC_TYPE_H265,
  SPICE_VIDEO_CODEC_TYPE_VP8,
  SPICE_VIDEO_CODEC_TYPE_VP9,
} from '../../shared/spice-enums';

/** The NAL unit types of an Annex-B byte stream (H.264: low 5 bits of the first byte; H.265: bits 1..6). */
export function annexBNalTypes(data: Uint8Array, hevc: boolean, limit = 64): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < data.length && types.length < limit; i++) {
    if (data[i] !== 0 || data[i + 1] !== 0) continue;
    let start = -1;
    if (data[i + 2] === 1) start = i + 3;
    else if (data[i + 2] === 0 && data[i + 3] === 1) start = i + 4;
    if (start < 0 || start >= data.length) continue;
    const header = data[start]!;
    types.push(hevc ? (header >> 1) & 0x3f : header & 0x1f);
    i = start;
  }
  return types;
}

/** True if a decoder can start from this frame. */
export function isKeyFrame(codec: number, data: Uint8Array): boolean {
  if (data.length < 3) return false;
  switch (codec) {
    case SPICE_VIDEO_CODEC_TYPE_VP8:
      // frame tag bit 0: 0 = key frame; key frames carry the start code 9d 01 2a
      return (data[0]! & 1) === 0 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a;
    case SPICE_VIDEO_CODEC_TYPE_VP9: {
      const b = data[0]!;
      if ((b & 0xc0) !== 0x80) return false; // frame marker
      const profile = ((b >> 5) & 1) | (((b >> 4) & 1) << 1);
      const shift = profile === 3 ? 1 : 0; // profile 3 has a reserved bit
      const showExisting = (b >> (3 - shift)) & 1;
      const frameType = (b >> (2 - shift)) & 1;
      return showExisting === 0 && frameType === 0;
    }
    case SPICE_VIDEO_CODEC_TYPE_H264:
      return annexBNalTypes(data, false).includes(5); // IDR slice
    case SPICE_VIDEO_CODEC_TYPE_H265:
      return annexBNalTypes(data, true).some((t) => t >= 16 && t <= 21); // IRAP pictures
    default:
      return false;
  }
}

/** `avc1.PPCCLL` from the first SPS of an Annex-B frame, or undefined. */
export function h264CodecString(data: Uint8Array): string | undefined {
  for (let i = 0; i + 7 < data.length; i++) {
    if (data[i] !== 0 || data[i + 1] !== 0 || data[i + 2] !== 1) continue;
    if ((data[i + 3]! & 0x1f) !== 7) continue;
    const hex = (b: number): string => b.toString(16).padStart(2, '0');
    return `avc1.${hex(data[i + 4]!)}${hex(data[i + 5]!)}${hex(data[i + 6]!)}`;
  }
  return undefined;
}
