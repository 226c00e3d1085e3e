// Display channel codecs (spice.proto DisplayChannel, lines 714-1019): the shared building blocks
// (Rect, Point, Clip, Brush, QMask, DisplayBase) and every non-drawing server message, plus the client
// messages (DISPLAY_INIT, STREAM_REPORT, PREFERRED_COMPRESSION). Draw messages are in display-draw.ts.
// Pure functions over SpiceReader/SpiceWriter; structs keep spice-protocol's C names.

import { ProtocolError } from '../errors';
import {
  SPICE_BRUSH_TYPE_NONE,
  SPICE_BRUSH_TYPE_PATTERN,
  SPICE_BRUSH_TYPE_SOLID,
  SPICE_CLIP_TYPE_NONE,
  SPICE_CLIP_TYPE_RECTS,
} from '../protocol/enums';
import type { Rect } from '../surfaces/types';
import type { SpiceReader } from '../wire/reader';
import type { SpiceWriter } from '../wire/writer';
import { decodeSpiceImage, decodeSpiceImagePtr } from './image';
import type { SpiceImage } from './image';

export interface SpicePoint {
  x: number;
  y: number;
}

/** Clip: NONE, or RECTS with the rectangles (inline on the wire). */
export interface SpiceClip {
  type: number;
  rects: Rect[];
}

export type SpiceBrush =
  | { type: typeof SPICE_BRUSH_TYPE_NONE }
  | { type: typeof SPICE_BRUSH_TYPE_SOLID; color: number }
  | { type: typeof SPICE_BRUSH_TYPE_PATTERN; pat: SpiceImage; pos: SpicePoint };

export interface SpiceQMask {
  flags: number;
  pos: SpicePoint;
  bitmap: SpiceImage | null;
}

export interface SpiceMsgDisplayBase {
  surface_id: number;
  box: Rect;
  clip: SpiceClip;
}

export interface SpiceMsgDisplayMode {
  x_res: number;
  y_res: number;
  bits: number;
}

export interface SpiceMsgDisplayCopyBits {
  base: SpiceMsgDisplayBase;
  src_pos: SpicePoint;
}

export interface SpiceResourceID {
  type: number;
  id: bigint;
}

export interface SpiceResourceList {
  resources: SpiceResourceID[];
}

export interface SpiceWaitForChannel {
  channel_type: number;
  channel_id: number;
  message_serial: bigint;
}

export interface SpiceMsgWaitForChannels {
  wait_list: SpiceWaitForChannel[];
}

export interface SpiceMsgDisplayInvalOne {
  id: bigint;
}

export interface SpiceMsgSurfaceCreate {
  surface_id: number;
  width: number;
  height: number;
  format: number;
  flags: number;
}

export interface SpiceMsgSurfaceDestroy {
  surface_id: number;
}

export interface SpiceHead {
  monitor_id: number;
  surface_id: number;
  width: number;
  height: number;
  x: number;
  y: number;
  flags: number;
}

export interface SpiceMsgDisplayMonitorsConfig {
  count: number;
  max_allowed: number;
  heads: SpiceHead[];
}

export interface SpiceMsgDisplayStreamCreate {
  surface_id: number;
  id: number;
  flags: number;
  codec_type: number;
  stamp: bigint;
  stream_width: number;
  stream_height: number;
  src_width: number;
  src_height: number;
  dest: Rect;
  clip: SpiceClip;
}

export interface SpiceStreamDataHeader {
  id: number;
  multi_media_time: number;
}

export interface SpiceMsgDisplayStreamData {
  base: SpiceStreamDataHeader;
  data: Uint8Array;
}

export interface SpiceMsgDisplayStreamDataSized {
  base: SpiceStreamDataHeader;
  width: number;
  height: number;
  dest: Rect;
  data: Uint8Array;
}

export interface SpiceMsgDisplayStreamClip {
  id: number;
  clip: SpiceClip;
}

export interface SpiceMsgDisplayStreamDestroy {
  id: number;
}

export interface SpiceMsgDisplayStreamActivateReport {
  stream_id: number;
  unique_id: number;
  max_window_size: number;
  timeout_ms: number;
}

export interface SpiceMsgDisplayGlDraw {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SpiceMsgcDisplayInit {
  pixmap_cache_id: number;
  /** Pixels. */
  pixmap_cache_size: number;
  glz_dictionary_id: number;
  /** Pixels. */
  glz_dictionary_window_size: number;
}

export interface SpiceMsgcDisplayStreamReport {
  stream_id: number;
  unique_id: number;
  start_frame_mm_time: number;
  end_frame_mm_time: number;
  num_frames: number;
  num_drops: number;
  last_frame_delay: number;
  audio_delay: number;
}

/** Largest number of clip rectangles accepted in one Clip (a server sends a handful). */
export const MAX_CLIP_RECTS = 65536;

// ---- building blocks --------------------------------------------------------------------------

/** Rect on the wire: top, left, bottom, right (int32 each). */
export function decodeRect(r: SpiceReader): Rect {
  const top = r.i32();
  const left = r.i32();
  const bottom = r.i32();
  const right = r.i32();
  return { left, top, right, bottom };
}

export function decodePoint(r: SpiceReader): SpicePoint {
  return { x: r.i32(), y: r.i32() };
}

export function decodePoint16(r: SpiceReader): SpicePoint {
  return { x: r.i16(), y: r.i16() };
}

export function decodeClip(r: SpiceReader): SpiceClip {
  const type = r.u8();
  if (type === SPICE_CLIP_TYPE_NONE) return { type, rects: [] };
  if (type !== SPICE_CLIP_TYPE_RECTS) throw new ProtocolError(`unknown clip type ${type}`);
  const n = r.count(r.u32(), 16, 'clip rects');
  if (n > MAX_CLIP_RECTS) throw new ProtocolError(`clip has ${n} rects (max ${MAX_CLIP_RECTS})`);
  const rects: Rect[] = new Array<Rect>(n);
  for (let i = 0; i < n; i++) rects[i] = decodeRect(r);
  return { type, rects };
}

export function decodeBrush(r: SpiceReader): SpiceBrush {
  const type = r.u8();
  switch (type) {
    case SPICE_BRUSH_TYPE_NONE:
      return { type };
    case SPICE_BRUSH_TYPE_SOLID:
      return { type, color: r.u32() };
    case SPICE_BRUSH_TYPE_PATTERN: {
      const ptr = r.u32();
      if (ptr === 0) throw new ProtocolError('pattern brush with a NULL image');
      const pat = decodeSpiceImage(r.fork(ptr));
      return { type, pat, pos: decodePoint(r) };
    }
    default:
      throw new ProtocolError(`unknown brush type ${type}`);
  }
}

export function decodeQMask(r: SpiceReader): SpiceQMask {
  const flags = r.u8();
  const pos = decodePoint(r);
  return { flags, pos, bitmap: decodeSpiceImagePtr(r) };
}

export function decodeDisplayBase(r: SpiceReader): SpiceMsgDisplayBase {
  return { surface_id: r.u32(), box: decodeRect(r), clip: decodeClip(r) };
}

// ---- non-drawing server messages --------------------------------------------------------------

export function decodeSpiceMsgDisplayMode(r: SpiceReader): SpiceMsgDisplayMode {
  return { x_res: r.u32(), y_res: r.u32(), bits: r.u32() };
}

export function decodeSpiceMsgDisplayCopyBits(r: SpiceReader): SpiceMsgDisplayCopyBits {
  return { base: decodeDisplayBase(r), src_pos: decodePoint(r) };
}

export function decodeSpiceResourceList(r: SpiceReader): SpiceResourceList {
  const n = r.count(r.u16(), 9, 'inval list resources');
  const resources: SpiceResourceID[] = new Array<SpiceResourceID>(n);
  for (let i = 0; i < n; i++) resources[i] = { type: r.u8(), id: r.u64() };
  return { resources };
}

export function decodeSpiceMsgWaitForChannels(r: SpiceReader): SpiceMsgWaitForChannels {
  const n = r.count(r.u8(), 10, 'wait list');
  const wait_list: SpiceWaitForChannel[] = new Array<SpiceWaitForChannel>(n);
  for (let i = 0; i < n; i++)
    wait_list[i] = { channel_type: r.u8(), channel_id: r.u8(), message_serial: r.u64() };
  return { wait_list };
}

export function decodeSpiceMsgDisplayInvalOne(r: SpiceReader): SpiceMsgDisplayInvalOne {
  return { id: r.u64() };
}

export function decodeSpiceMsgSurfaceCreate(r: SpiceReader): SpiceMsgSurfaceCreate {
  return { surface_id: r.u32(), width: r.u32(), height: r.u32(), format: r.u32(), flags: r.u32() };
}

export function decodeSpiceMsgSurfaceDestroy(r: SpiceReader): SpiceMsgSurfaceDestroy {
  return { surface_id: r.u32() };
}

export function decodeSpiceMsgDisplayMonitorsConfig(r: SpiceReader): SpiceMsgDisplayMonitorsConfig {
  const count = r.u16();
  const max_allowed = r.u16();
  const n = r.count(count, 28, 'monitor heads');
  const heads: SpiceHead[] = new Array<SpiceHead>(n);
  for (let i = 0; i < n; i++) {
    heads[i] = {
      monitor_id: r.u32(),
      surface_id: r.u32(),
      width: r.u32(),
      height: r.u32(),
      x: r.u32(),
      y: r.u32(),
      flags: r.u32(),
    };
  }
  return { count, max_allowed, heads };
}

export function decodeSpiceMsgDisplayStreamCreate(r: SpiceReader): SpiceMsgDisplayStreamCreate {
  return {
    surface_id: r.u32(),
    id: r.u32(),
    flags: r.u8(),
    codec_type: r.u8(),
    stamp: r.u64(),
    stream_width: r.u32(),
    stream_height: r.u32(),
    src_width: r.u32(),
    src_height: r.u32(),
    dest: decodeRect(r),
    clip: decodeClip(r),
  };
}

function decodeStreamDataHeader(r: SpiceReader): SpiceStreamDataHeader {
  return { id: r.u32(), multi_media_time: r.u32() };
}

function decodeSizedData(r: SpiceReader, what: string): Uint8Array {
  const size = r.u32();
  if (size > r.remaining)
    throw new ProtocolError(`${what}: data_size ${size} exceeds ${r.remaining} bytes left`);
  return r.bytesView(size);
}

export function decodeSpiceMsgDisplayStreamData(r: SpiceReader): SpiceMsgDisplayStreamData {
  return { base: decodeStreamDataHeader(r), data: decodeSizedData(r, 'stream data') };
}

export function decodeSpiceMsgDisplayStreamDataSized(r: SpiceReader): SpiceMsgDisplayStreamDataSized {
  const base = decodeStreamDataHeader(r);
  const width = r.u32();
  const height = r.u32();
  const dest = decodeRect(r);
  return { base, width, height, dest, data: decodeSizedData(r, 'sized stream data') };
}

export function decodeSpiceMsgDisplayStreamClip(r: SpiceReader): SpiceMsgDisplayStreamClip {
  return { id: r.u32(), clip: decodeClip(r) };
}

export function decodeSpiceMsgDisplayStreamDestroy(r: SpiceReader): SpiceMsgDisplayStreamDestroy {
  return { id: r.u32() };
}

export function decodeSpiceMsgDisplayStreamActivateReport(
  r: SpiceReader,
): SpiceMsgDisplayStreamActivateReport {
  return { stream_id: r.u32(), unique_id: r.u32(), max_window_size: r.u32(), timeout_ms: r.u32() };
}

export function decodeSpiceMsgDisplayGlDraw(r: SpiceReader): SpiceMsgDisplayGlDraw {
  return { x: r.u32(), y: r.u32(), w: r.u32(), h: r.u32() };
}

// ---- client messages --------------------------------------------------------------------------

/** SPICE_MSGC_DISPLAY_INIT: 14 bytes. Must be the first message on a display channel (G18). */
export function encodeSpiceMsgcDisplayInit(w: SpiceWriter, msg: SpiceMsgcDisplayInit): SpiceWriter {
  return w
    .u8(msg.pixmap_cache_id)
    .i64(msg.pixmap_cache_size)
    .u8(msg.glz_dictionary_id)
    .i32(msg.glz_dictionary_window_size);
}

export function decodeSpiceMsgcDisplayInit(r: SpiceReader): SpiceMsgcDisplayInit {
  const pixmap_cache_id = r.u8();
  const size = r.i64();
  const glz_dictionary_id = r.u8();
  const glz_dictionary_window_size = r.i32();
  if (size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError(`bad pixmap cache size ${size}`);
  return { pixmap_cache_id, pixmap_cache_size: Number(size), glz_dictionary_id, glz_dictionary_window_size };
}

export function encodeSpiceMsgcDisplayStreamReport(
  w: SpiceWriter,
  msg: SpiceMsgcDisplayStreamReport,
): SpiceWriter {
  return w
    .u32(msg.stream_id)
    .u32(msg.unique_id)
    .u32(msg.start_frame_mm_time)
    .u32(msg.end_frame_mm_time)
    .u32(msg.num_frames)
    .u32(msg.num_drops)
    .i32(msg.last_frame_delay)
    .u32(msg.audio_delay);
}

export function encodeSpiceMsgcDisplayPreferredCompression(
  w: SpiceWriter,
  imageCompression: number,
): SpiceWriter {
  return w.u8(imageCompression);
}

/** SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE: u8 num_of_codecs, then one u8 SPICE_VIDEO_CODEC_TYPE_* each. */
export function encodeSpiceMsgcDisplayPreferredVideoCodecType(
  w: SpiceWriter,
  codecs: readonly number[],
): SpiceWriter {
  if (codecs.length > 255) throw new RangeError('at most 255 preferred video codecs');
  w.u8(codecs.length);
  for (const c of codecs) w.u8(c);
  return w;
}

export function decodeSpiceMsgcDisplayPreferredVideoCodecType(r: SpiceReader): number[] {
  const n = r.u8();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u8());
  return out;
}

export function decodeSpiceMsgcDisplayStreamReport(r: SpiceReader): SpiceMsgcDisplayStreamReport {
  return {
    stream_id: r.u32(),
    unique_id: r.u32(),
    start_frame_mm_time: r.u32(),
    end_frame_mm_time: r.u32(),
    num_frames: r.u32(),
    num_drops: r.u32(),
    last_frame_delay: r.i32(),
    audio_delay: r.u32(),
  };
}
