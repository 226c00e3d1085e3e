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
 * Video streams (the video issue): encoded frames of a server video stream for this view's WebCodecs
 * VideoDecoder, sent by a video bridge fed by the display channel's "forward" VideoBackend
 * (main/spice/video/video-decoder.ts). Intended members: 'video-stream' {streamId, codec, rect} when a stream
 * starts or moves, 'video-frame' {streamId, mmTimeMs, data} (binary in port-codec.ts), 'video-stream-end'
 * {streamId}. A stream belongs to one surface, so it goes to the views that show it: hence per view, although
 * DESIGN.md lists video among the session-wide families. Add members (kind → type), their guards to MESSAGE_GUARDS.
 */
export type VideoMessages = Record<never, never>;

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
