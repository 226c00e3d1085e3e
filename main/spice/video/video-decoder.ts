// The video seam of the display channel (spice-gtk: channel-display-mjpeg.c / channel-display-gst.c): a
// VideoBackend turns the frames of one server video stream into something visible. The display channel keeps the
// stream table (STREAM_CREATE / CLIP / DESTROY), picks the first backend that plays the stream's codec, feeds it
// frames in order (one at a time: the channel awaits each) and destroys it with the stream.
//
// Implementations, one file each:
// - mjpeg-core.ts: MJPEG decoded in the core (the JPEG image decoder, i.e. sharp) and drawn into the stream's
//   surface, so damage carries it to every view like any draw. The first backend, and today's behaviour.
// - the "forward" backend (the video issue builds it): plays what the view's WebCodecs VideoDecoder can decode
//   (VP8, VP9, H.264, H.265, MJPEG). It draws nothing into the surface; instead it adds three events to
//   SessionEventMap — 'video-stream-create' {channelId, streamId, codec, surfaceId, dest, clip},
//   'video-frame' {channelId, streamId, data, dest, mmTimeMs} and 'video-stream-destroy' {channelId, streamId} —
//   and emits them through `target.emit`; a video bridge in the session process maps them to the video family of
//   shared/view-contract.ts for the views whose monitor shows that surface. It lists its codecs in `codecs`; with it
//   the display channel must start advertising SPICE_DISPLAY_CAP_MULTI_CODEC and one CODEC_* cap per codec some
//   backend plays (today none is advertised: MJPEG is what every server may send without them). Backends are tried
//   in the order of DisplayChannelOptions.video.
import type { SpiceClip } from '../codecs/display';
import type { DecodedImage } from '../decoders/types';
import type { SessionEventMap, SessionEventName } from '../session-events';
import type { Rect } from '../surfaces/types';

/** One server video stream, as STREAM_CREATE described it; `dest` and `clip` follow STREAM_DATA_SIZED / STREAM_CLIP. */
export interface VideoStream {
  readonly channelId: number;
  readonly id: number;
  readonly surfaceId: number;
  /** SPICE_VIDEO_CODEC_TYPE_*. */
  readonly codec: number;
  /** Rows arrive top-down (SPICE_STREAM_FLAGS_TOP_DOWN); otherwise bottom-up. */
  readonly topDown: boolean;
  /** Where frames are drawn on the surface (scaled to it). */
  dest: Rect;
  clip: SpiceClip;
}

export interface VideoFrame {
  /** The encoded frame, as the server sent it. */
  data: Uint8Array;
  /** The stream's destination for this frame. */
  dest: Rect;
  /** The server's multimedia time stamp of the frame (when it should be shown). */
  mmTimeMs: number;
}

/** What a backend may do with its output. */
export interface VideoTarget {
  /** Draws a decoded frame (RGBA, rows top-down) into the stream's surface, scaled into `dest` and clipped by the
   * stream's clip; the display channel reports the damage. */
  drawFrame(stream: VideoStream, frame: DecodedImage, dest: Rect): void;
  /** Reports a session event (the forward backend's video events). */
  emit<K extends SessionEventName>(name: K, payload: SessionEventMap[K]): void;
}

/** Plays one stream. A frame that cannot be decoded is dropped (logged by the channel), never fatal. */
export interface VideoStreamDecoder {
  frame(frame: VideoFrame): void | Promise<void>;
  destroy(): void;
}

export interface VideoBackend {
  /** For logs ("MJPEG in the core"). */
  readonly name: string;
  /** SPICE_VIDEO_CODEC_TYPE_* this backend plays in this build (empty when a dependency is missing). */
  readonly codecs: readonly number[];
  create(stream: VideoStream, target: VideoTarget): VideoStreamDecoder;
}

export function videoCodecName(codec: number): string {
  return ['?', 'MJPEG', 'VP8', 'H264', 'VP9', 'H265'][codec] ?? `codec ${codec}`;
}
