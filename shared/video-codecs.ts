// The SPICE video codecs by name: SPICE_VIDEO_CODEC_TYPE_* ↔ the display channel's CODEC_* capability ↔ the
// name users type (`--video-codecs vp9,h264`, the preference setting). Shared by the protocol core (what it
// advertises and asks for), the session process and the page (what it decodes). Plain data only.
import {
  SPICE_DISPLAY_CAP_CODEC_H264,
  SPICE_DISPLAY_CAP_CODEC_H265,
  SPICE_DISPLAY_CAP_CODEC_MJPEG,
  SPICE_DISPLAY_CAP_CODEC_VP8,
  SPICE_DISPLAY_CAP_CODEC_VP9,
  SPICE_VIDEO_CODEC_TYPE_H264,
  SPICE_VIDEO_CODEC_TYPE_H265,
  SPICE_VIDEO_CODEC_TYPE_MJPEG,
  SPICE_VIDEO_CODEC_TYPE_VP8,
  SPICE_VIDEO_CODEC_TYPE_VP9,
} from './spice-enums';

export const VIDEO_CODEC_NAMES = ['mjpeg', 'vp8', 'vp9', 'h264', 'h265'] as const;
export type VideoCodecName = (typeof VIDEO_CODEC_NAMES)[number];

interface CodecInfo {
  type: number;
  cap: number;
  label: string;
}

const CODECS: Record<VideoCodecName, CodecInfo> = {
  mjpeg: { type: SPICE_VIDEO_CODEC_TYPE_MJPEG, cap: SPICE_DISPLAY_CAP_CODEC_MJPEG, label: 'MJPEG' },
  vp8: { type: SPICE_VIDEO_CODEC_TYPE_VP8, cap: SPICE_DISPLAY_CAP_CODEC_VP8, label: 'VP8' },
  vp9: { type: SPICE_VIDEO_CODEC_TYPE_VP9, cap: SPICE_DISPLAY_CAP_CODEC_VP9, label: 'VP9' },
  h264: { type: SPICE_VIDEO_CODEC_TYPE_H264, cap: SPICE_DISPLAY_CAP_CODEC_H264, label: 'H.264' },
  h265: { type: SPICE_VIDEO_CODEC_TYPE_H265, cap: SPICE_DISPLAY_CAP_CODEC_H265, label: 'H.265' },
};

/** Every codec type, in the order a client prefers them when nobody said otherwise (best compression first). */
export const DEFAULT_CODEC_ORDER: readonly number[] = [
  SPICE_VIDEO_CODEC_TYPE_H265,
  SPICE_VIDEO_CODEC_TYPE_VP9,
  SPICE_VIDEO_CODEC_TYPE_H264,
  SPICE_VIDEO_CODEC_TYPE_VP8,
  SPICE_VIDEO_CODEC_TYPE_MJPEG,
];

export function isVideoCodecType(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5;
}

function infoOf(type: number): CodecInfo | undefined {
  return Object.values(CODECS).find((c) => c.type === type);
}

/** 'VP8', 'H.264', … or `codec N` for a number outside the table. */
export function videoCodecLabel(type: number): string {
  return infoOf(type)?.label ?? `codec ${type}`;
}

/** The name users type ('vp8'), or undefined. */
export function videoCodecName(type: number): VideoCodecName | undefined {
  return VIDEO_CODEC_NAMES.find((n) => CODECS[n].type === type);
}

/** SPICE_DISPLAY_CAP_CODEC_* of a codec type, or undefined. */
export function videoCodecCap(type: number): number | undefined {
  return infoOf(type)?.cap;
}

export function videoCodecType(name: VideoCodecName): number {
  return CODECS[name].type;
}

/**
 * Parses a codec list as `--video-codecs` takes it: names separated by commas (or semicolons), in order of
 * preference, e.g. "h264,vp8,mjpeg"; 'h.264'/'avc' and 'h.265'/'hevc' are accepted; "none" is the empty list
 * (no video streams: the server sends images). Throws an Error naming the bad entry.
 */
export function parseVideoCodecList(text: string): number[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none') return [];
  const aliases: Record<string, VideoCodecName> = {
    'h.264': 'h264',
    avc: 'h264',
    'h.265': 'h265',
    hevc: 'h265',
    jpeg: 'mjpeg',
  };
  const out: number[] = [];
  for (const raw of trimmed.split(/[,;]/)) {
    const word = raw.trim();
    if (word === '') continue;
    const name = aliases[word] ?? (VIDEO_CODEC_NAMES as readonly string[]).find((n) => n === word);
    if (name === undefined)
      throw new Error(`unknown video codec '${raw.trim()}' (known: ${VIDEO_CODEC_NAMES.join(', ')}, none)`);
    const type = CODECS[name as VideoCodecName].type;
    if (!out.includes(type)) out.push(type);
  }
  if (out.length === 0) throw new Error('the video codec list is empty (use "none" for no video streams)');
  return out;
}

/** A preference list with `first` moved to the front of DEFAULT_CODEC_ORDER (spicy's "preferred codec" menu). */
export function preferenceStartingWith(first: number): number[] {
  return [first, ...DEFAULT_CODEC_ORDER.filter((c) => c !== first)];
}
