// Everything a SpiceSession reports to its user (CLI, Electron main, web harness). Typed once here.
import type { SpiceError } from './errors';
import type { DisplayMonitor } from './channels/display-monitors';
import type { Rect, SurfaceInfo } from './surfaces/types';

export interface ChannelRef {
  type: number;
  id: number;
}

export interface ServerNotify {
  timeStampMs: number;
  severity: number; // SPICE_NOTIFY_SEVERITY_*
  visibility: number; // SPICE_NOTIFY_VISIBILITY_*
  what: number;
  message: string;
}

export interface CursorShape {
  /** RGBA pixels, width*height*4 (monochrome/XOR cursors are converted; see cursor decoding). */
  pixels: Uint8Array;
  width: number;
  height: number;
  hotX: number;
  hotY: number;
}

/** A video stream played by a view's decoder (the forward video backend, main/spice/video/forward-backend.ts). */
export interface VideoStreamInfo {
  channelId: number;
  streamId: number;
  surfaceId: number;
  /** SPICE_VIDEO_CODEC_TYPE_*. */
  codec: number;
  /** Rows of the decoded frames are top-down; otherwise the picture is upside down (flip it). */
  topDown: boolean;
  /** The encoded frame size (until a frame says otherwise). */
  width: number;
  height: number;
  /** Where the frames go on the surface (scaled into it). */
  dest: Rect;
  /** The visible part of the stream on the surface: null = all of `dest`; [] = nothing. */
  clip: Rect[] | null;
}

export interface SessionEventMap {
  /** Main channel linked and MAIN_INIT received. */
  ready: { sessionId: number; mouseModes: number; currentMouseMode: number; agentConnected: boolean };
  name: { name: string };
  uuid: { uuid: string };
  /** The server's channel list (after ATTACH_CHANNELS). */
  channels: { channels: ChannelRef[] };
  'channel-open': ChannelRef;
  /** A channel failed; the session goes on without it (main channel failures close the session). */
  'channel-error': ChannelRef & { error: SpiceError };
  'channel-closed': ChannelRef;
  'mouse-mode': { supported: number; current: number };
  'multimedia-time': { timeMs: number };
  notify: ServerNotify;
  'agent-connected': { connected: boolean; tokens: number };
  /** A server message or option the client does not handle; logged and surfaced once per kind. */
  unsupported: { channel: ChannelRef; what: string };

  'surface-create': SurfaceInfo & { channelId: number };
  'surface-destroy': { channelId: number; surfaceId: number };
  /** Pixels of a surface changed inside `rect` (read them with session.getSurface). */
  damage: { channelId: number; surfaceId: number; rect: Rect };
  /** A frame boundary from the server (DISPLAY_MARK): the primary surface is complete. */
  mark: { channelId: number };
  /** Display `channelId`'s monitors changed (new primary surface, MONITORS_CONFIG): its whole new list. */
  monitors: { channelId: number; monitors: DisplayMonitor[] };

  /** A stream for a view's decoder started (see VideoStreamInfo). */
  'video-stream-create': VideoStreamInfo;
  /** One encoded frame of such a stream (`data` is a view into the message: copy to keep it). */
  'video-frame': {
    channelId: number;
    streamId: number;
    data: Uint8Array;
    dest: Rect;
    width: number;
    height: number;
    mmTimeMs: number;
    /** Show it this many ms from now (its mm-time minus the session clock at arrival; < 0: late). */
    delayMs: number;
  };
  'video-stream-clip': { channelId: number; streamId: number; clip: Rect[] | null };
  'video-stream-destroy': { channelId: number; streamId: number };

  'cursor-set': { channelId: number; shape: CursorShape | null; x: number; y: number; visible: boolean };
  'cursor-move': { channelId: number; x: number; y: number };
  'cursor-hide': { channelId: number };
  'cursor-reset': { channelId: number };

  'keyboard-modifiers': { modifiers: number };

  /** The session ended: null for a clean local close, otherwise why. */
  closed: { error: SpiceError | null };
}

export type SessionEventName = keyof SessionEventMap;
