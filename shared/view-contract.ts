// The per-view contract: what one view (a window or browser tab showing one guest monitor) asks of the session,
// and what the session sends to that view alone: its monitor's pixels, cursor, title and menu commands. Typed once
// here; guards in contract-guards.ts, the WebSocket form in port-codec.ts. Plain data only: no DOM, Node, Electron.
// The session-wide half (state, notices, recent connections, mouse mode, clipboard, audio, USB, …) is
// session-contract.ts; both travel on the same port.
import type { Rect } from './rect';

// ---------------------------------------------------------------------------------------------------------
// View → session requests

export interface KeyRequest {
  /** PC AT set-1 make code: 0x01..0x7F plain, 0x100 | sc for E0-prefixed keys. */
  scancode: number;
  down: boolean;
}

export interface KeyModifiersRequest {
  /** SPICE_KEYBOARD_MODIFIER_FLAGS_* of the host's lock keys (synced to the guest at focus). */
  modifiers: number;
}

export interface MouseMotionRequest {
  dx: number;
  dy: number;
  /** SPICE_MOUSE_BUTTON_MASK_* of the buttons held after this event. */
  buttons: number;
}

export interface MousePositionRequest {
  /** Guest pixels, relative to this view's monitor. */
  x: number;
  y: number;
  buttons: number;
}

export interface MouseButtonRequest {
  /** SPICE_MOUSE_BUTTON_* (LEFT … EXTRA). */
  button: number;
  down: boolean;
  /** SPICE_MOUSE_BUTTON_MASK_* after this event. */
  buttons: number;
}

export interface MouseModeRequest {
  /** SPICE_MOUSE_MODE_SERVER or SPICE_MOUSE_MODE_CLIENT. */
  mode: number;
}

export interface FrameAckRequest {
  /** The `seq` of the last `frame-end` the view has drawn. */
  seq: number;
}

export const VIEW_COMMANDS = [
  'fullscreen',
  'zoom-fit',
  'zoom-100',
  'zoom-in',
  'zoom-out',
  'release-cursor',
  'screenshot',
  'usb-devices',
] as const;
export type ViewCommand = (typeof VIEW_COMMANDS)[number];

export interface ViewCommandRequest {
  command: ViewCommand;
}

export type EmptyRequest = Record<string, never>;

/** The SPICE_VIDEO_CODEC_TYPE_* this view's WebCodecs VideoDecoder accepts (VideoDecoder.isConfigSupported). */
export interface VideoDecodersRequest {
  codecs: number[];
}

/** How a video stream plays in this view: frames shown late or skipped, or why it cannot be played at all. */
export interface VideoFeedbackRequest {
  channelId: number;
  streamId: number;
  /** Frames not shown in time since the last feedback. */
  drops: number;
  /** '' while the stream plays; otherwise why it cannot (the server is then asked for images). */
  error: string;
}

/** Every per-view request: method → payload. The session knows which view sent it. */
export interface ViewRequestMap {
  /** The page is loaded and listening: (re)send everything this view shows. */
  viewReady: EmptyRequest;
  key: KeyRequest;
  keyModifiers: KeyModifiersRequest;
  /** Release every key this view holds (focus lost, window hidden). */
  releaseKeys: EmptyRequest;
  mouseMotion: MouseMotionRequest;
  mousePosition: MousePositionRequest;
  mouseButton: MouseButtonRequest;
  requestMouseMode: MouseModeRequest;
  frameAck: FrameAckRequest;
  /** Ask the shell to run a command for this view (Electron: window fullscreen; web: the page does it itself). */
  command: ViewCommandRequest;
  videoDecoders: VideoDecodersRequest;
  videoFeedback: VideoFeedbackRequest;
}

export const VIEW_REQUEST_METHODS = [
  'viewReady',
  'key',
  'keyModifiers',
  'releaseKeys',
  'mouseMotion',
  'mousePosition',
  'mouseButton',
  'requestMouseMode',
  'frameAck',
  'command',
  'videoDecoders',
  'videoFeedback',
] as const satisfies readonly (keyof ViewRequestMap)[];

// ---------------------------------------------------------------------------------------------------------
// Session → view messages

/** Which monitor this view shows, and its title. */
export interface ViewInfoMessage {
  kind: 'view';
  /** Index of this view's monitor (0 = first). */
  monitor: number;
  title: string;
  /** 'electron' gets native menus and window fullscreen; 'web' shows its own toolbar. */
  shell: 'electron' | 'web';
}

/** The monitor's size changed (new primary surface or monitors config): resize the canvas, expect a full frame. */
export interface SurfaceMessage {
  kind: 'surface';
  width: number;
  height: number;
}

/** Pixels of one damaged rectangle: RGBA, rows of (right - left) * 4 bytes, alpha 255; `rect` is monitor-relative. */
export interface DamageMessage {
  kind: 'damage';
  rect: Rect;
  /** Exactly width * height * 4 bytes (may be a view into a larger buffer: use byteOffset). */
  pixels: Uint8Array;
}

/** End of a batch of damage: draw, then acknowledge `seq` with frameAck. */
export interface FrameEndMessage {
  kind: 'frame-end';
  seq: number;
}

export interface CursorImage {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** RGBA, stride width*4, straight (non-premultiplied) alpha; exactly width * height * 4 bytes. */
  pixels: Uint8Array;
}

/** A new cursor shape (null = no shape known: use a default arrow). */
export interface CursorShapeMessage {
  kind: 'cursor-shape';
  cursor: CursorImage | null;
}

/** Guest cursor position (monitor-relative) and visibility. */
export interface CursorStateMessage {
  kind: 'cursor-state';
  x: number;
  y: number;
  visible: boolean;
}

/** A menu or shortcut for the page to carry out (zoom, screenshot, …). */
export interface CommandMessage {
  kind: 'command';
  command: ViewCommand;
}

/**
 * A server video stream shown in this view (sent when it starts and when its clip changes): decode its frames with
 * WebCodecs and draw each one into `rect`, only inside `clip`, on a layer above the surface pixels. Coordinates are
 * monitor-relative and may reach outside the monitor (the stream is on the surface; the monitor shows part of it).
 */
export interface VideoStreamMessage {
  kind: 'video-stream';
  channelId: number;
  streamId: number;
  /** SPICE_VIDEO_CODEC_TYPE_*. */
  codec: number;
  /** false: the decoded picture is upside down (bottom-up stream): flip it. */
  topDown: boolean;
  /** Where frames go. */
  rect: Rect;
  /** The visible part: null = all of `rect`; [] = nothing. */
  clip: Rect[] | null;
}

/** One encoded frame, exactly as the server sent it (binary in port-codec.ts). */
export interface VideoFrameMessage {
  kind: 'video-frame';
  channelId: number;
  streamId: number;
  /** Show it this many ms after it arrives (its multimedia time minus the session's clock; < 0: late). */
  delayMs: number;
  /** The encoded picture size. */
  width: number;
  height: number;
  /** Where this frame goes (STREAM_DATA_SIZED may move it). */
  rect: Rect;
  data: Uint8Array;
}

/** The stream ended: clear its layer (the surface underneath is what shows now). */
export interface VideoStreamEndMessage {
  kind: 'video-stream-end';
  channelId: number;
  streamId: number;
}

/**
 * Video streams: encoded frames for this view's WebCodecs VideoDecoder, sent by the video bridge
 * (main/session/bridges/video-bridge.ts) fed by the display channel's forward VideoBackend. A stream belongs to one
 * surface, so it goes to the views that show it: hence per view.
 */
export interface VideoMessages {
  'video-stream': VideoStreamMessage;
  'video-frame': VideoFrameMessage;
  'video-stream-end': VideoStreamEndMessage;
}

/** Every per-view message: kind → message type. */
export interface ViewMessageMap extends VideoMessages {
  view: ViewInfoMessage;
  surface: SurfaceMessage;
  damage: DamageMessage;
  'frame-end': FrameEndMessage;
  'cursor-shape': CursorShapeMessage;
  'cursor-state': CursorStateMessage;
  command: CommandMessage;
}

export type ViewMessage = ViewMessageMap[keyof ViewMessageMap];
