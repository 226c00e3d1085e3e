// The video seam of the display channel (spice-gtk: channel-display-mjpeg.c / channel-display-gst.c): a
// VideoBackend turns the frames of one server video stream into something visible. The display channel's stream
// table (video-streams.ts: STREAM_CREATE / DATA / DATA_SIZED / CLIP / DESTROY / DESTROY_ALL / ACTIVATE_REPORT and
// the stream reports) picks the first backend that plays the stream's codec, feeds it frames in order (one at a
// time: the channel awaits each) and destroys it with the stream.
//
// Implementations, one file each:
// - mjpeg-core.ts: MJPEG decoded in the core (the JPEG image decoder, i.e. sharp) and drawn into the stream's
//   surface, so damage carries it to every view like any draw.
// - forward-backend.ts: plays what the views' WebCodecs decoders can decode (VP8, VP9, H.264, H.265; MJPEG too
//   when the view is the better place for it). It draws nothing into the surface: it emits the session events
//   'video-stream-create', 'video-frame', 'video-stream-clip' and 'video-stream-destroy' through `target.emit`,
//   and the session process's video bridge sends them to the views whose monitor shows that surface area.
// The display channel advertises MULTI_CODEC, STREAM_REPORT and one CODEC_* cap per codec some backend plays (and
// the user allows), after every backend's `ready()` settled: the caps are sent when the channel links.
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
  /** Rows arrive top-down (SPICE_STREAM_FLAGS_TOP_DOWN); otherwise bottom-up (every codec: the encoders keep the
   * bitmap's row order). */
  readonly topDown: boolean;
  /** The size of the encoded frames (stream_width × stream_height) until a sized frame says otherwise. */
  readonly width: number;
  readonly height: number;
  /** Where frames are drawn on the surface (scaled to it). */
  dest: Rect;
  clip: SpiceClip;
}

export interface VideoFrame {
  /** The encoded frame, as the server sent it (a view into the message: copy to keep it). */
  data: Uint8Array;
  /** The stream's destination for this frame. */
  dest: Rect;
  /** The encoded size of this frame (STREAM_DATA_SIZED), else the stream's. */
  width: number;
  height: number;
  /** The server's multimedia time stamp of the frame (when it should be shown). */
  mmTimeMs: number;
  /** How long until that time by the session's clock when the frame arrived (< 0: already late). */
  marginMs: number;
}

/** What a backend may do with its output. */
export interface VideoTarget {
  /** Draws a decoded frame (RGBA, rows top-down) into the stream's surface, scaled into `dest` and clipped by the
   * stream's clip; the display channel reports the damage. */
  drawFrame(stream: VideoStream, frame: DecodedImage, dest: Rect): Promise<void>;
  /**
   * Before decoding a frame of `width`x`height`: refuses (throws a ProtocolError) a frame larger than the stream's
   * surface — a 1.5 MB JPEG may declare 16384x16384 — and holds its decoded size against the session's memory
   * budget. Call the returned function once the decoded frame is drawn or dropped.
   */
  reserveFrame(stream: VideoStream, width: number, height: number): () => void;
  /** Reports a session event (the forward backend's video events). */
  emit<K extends SessionEventName>(name: K, payload: SessionEventMap[K]): void;
  /**
   * The stream cannot be played here (decoder error, unsupported profile, no key frame to start from): the channel
   * destroys it, ignores its remaining frames and tells the server (STREAM_REPORT num_drops = UINT32_MAX), which
   * then sends the stream's area as images.
   */
  fail(stream: VideoStream, reason: string): void;
  /** Frames of the stream that were not shown in time (counted as drops in the next STREAM_REPORT). */
  drops(stream: VideoStream, count: number): void;
}

/** Plays one stream. A frame that cannot be decoded is dropped (logged by the channel), never fatal. */
export interface VideoStreamDecoder {
  frame(frame: VideoFrame): void | Promise<void>;
  /** STREAM_CLIP changed `stream.clip`. */
  clipChanged?(): void;
  destroy(): void;
}

export interface VideoBackend {
  /** For logs ("MJPEG in the core"). */
  readonly name: string;
  /** SPICE_VIDEO_CODEC_TYPE_* this backend plays now (empty when a dependency is missing). */
  readonly codecs: readonly number[];
  /** Settles once `codecs` is final for the next link (the views reported what they decode, or a timeout). */
  ready?(): Promise<void>;
  create(stream: VideoStream, target: VideoTarget): VideoStreamDecoder;
}
