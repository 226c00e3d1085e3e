// Which SPICE video codecs this page can decode: WebCodecs VideoDecoder.isConfigSupported for each (hardware when
// the browser has it). Nothing is advertised where WebCodecs is missing (outside a secure context) or a probe
// throws. Electron and Chromium may answer differently; each view reports its own answer.
import {
  SPICE_VIDEO_CODEC_TYPE_H264,
  SPICE_VIDEO_CODEC_TYPE_H265,
  SPICE_VIDEO_CODEC_TYPE_VP8,
  SPICE_VIDEO_CODEC_TYPE_VP9,
} from '../../shared/spice-enums';

/** The codec strings probed (and used to configure until a stream says more, e.g. H.264's SPS). */
export const PROBE_CODEC_STRINGS: readonly (readonly [number, string])[] = [
  [SPICE_VIDEO_CODEC_TYPE_VP8, 'vp8'],
  [SPICE_VIDEO_CODEC_TYPE_VP9, 'vp09.00.10.08'],
  [SPICE_VIDEO_CODEC_TYPE_H264, 'avc1.640028'],
  [SPICE_VIDEO_CODEC_TYPE_H265, 'hev1.1.6.L93.B0'],
];

export function codecString(codec: number): string | undefined {
  return PROBE_CODEC_STRINGS.find(([c]) => c === codec)?.[1];
}

export async function probeVideoDecoders(): Promise<number[]> {
  if (typeof VideoDecoder === 'undefined') return [];
  const out: number[] = [];
  for (const [codec, string] of PROBE_CODEC_STRINGS) {
    try {
      const support = await VideoDecoder.isConfigSupported({ codec: string, optimizeForLatency: true });
      if (support.supported === true) out.push(codec);
    } catch {
      // an unknown codec string throws in some builds: not supported
    }
  }
  return out;
}
