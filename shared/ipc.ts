// THE contract between the session side (Electron main, or the `saffron web` Node server) and the renderer.
// Typed once here; the preload API, the renderer's bridges, the main-side dispatch and the WebSocket codec
// are all derived from these maps. Plain data only: no DOM, no Node, no Electron.

// ---------------------------------------------------------------------------------------------------------
// Renderer → main: one request type per method. `REQUEST_METHODS` lists them; payloads are validated on the
// main side by shared/ipc-guards.ts before anything acts on them.

/** A connection typed into the connect form (no .vv file). */
export interface ConnectFormRequest {
  host: string;
  port: number;
  tls: boolean;
  /** Never stored in recent connections. */
  password?: string;
}

/** A spice:// URI (typed, pasted, or from a recent entry). */
export interface ConnectUriRequest {
  uri: string;
  password?: string;
}

/** A .vv file dropped on a window or picked in the browser (its text, read by the renderer). */
export interface OpenVvRequest {
  fileName: string;
  text: string;
}

export interface KeyRequest {
  /** PC AT set-1 make code: 0x01..0x7F plain, 0x100 | sc for E0-prefixed keys. */
  scancode: number;
  down: boolean;
}

export interface KeyModifiersRequest {
  /** SPICE_KEYBOARD_MODIFIER_FLAGS_*: 1 Scroll Lock, 2 Num Lock, 4 Caps Lock. */
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
  /** SPICE_MOUSE_BUTTON_* (1 left … 5 wheel down, 6 side, 7 extra). */
  button: number;
  down: boolean;
  /** SPICE_MOUSE_BUTTON_MASK_* after this event. */
  buttons: number;
}

/** Key combinations of the "Send key" menu. */
export const SEND_KEY_COMBOS = [
  'ctrl-alt-del',
  'ctrl-alt-backspace',
  'ctrl-alt-f1',
  'ctrl-alt-f2',
  'ctrl-alt-f3',
  'ctrl-alt-f4',
  'ctrl-alt-f5',
  'ctrl-alt-f6',
  'ctrl-alt-f7',
  'ctrl-alt-f8',
  'ctrl-alt-f9',
  'ctrl-alt-f10',
  'ctrl-alt-f11',
  'ctrl-alt-f12',
  'print-screen',
] as const;
export type SendKeyCombo = (typeof SEND_KEY_COMBOS)[number];

export interface SendKeysRequest {
  combo: SendKeyCombo;
}

export interface MouseModeRequest {
  /** SPICE_MOUSE_MODE_SERVER (1) or SPICE_MOUSE_MODE_CLIENT (2). */
  mode: number;
}

export interface FrameAckRequest {
  /** The `seq` of the last `frame-end` the renderer has drawn. */
  seq: number;
}

export interface ViewCommandRequest {
  command: ViewCommand;
}

export type EmptyRequest = Record<string, never>;

/** Connect again with the last connection's settings (URI, .vv, form), optionally with a password the user typed
 * after the server asked for one — so proxy, TLS and CA settings from a .vv file are kept. */
export interface ReconnectRequest {
  password?: string;
}

/** Every renderer → main request: method name → payload. */
export interface RequestMap {
  /** The page is loaded and listening: (re)send status, surface, cursor, recent list. */
  viewReady: EmptyRequest;
  connect: ConnectFormRequest;
  connectUri: ConnectUriRequest;
  openVv: OpenVvRequest;
  disconnect: EmptyRequest;
  reconnect: ReconnectRequest;
  forgetRecent: { id: string };
  key: KeyRequest;
  keyModifiers: KeyModifiersRequest;
  /** Release every key this view holds (focus lost, window hidden). */
  releaseKeys: EmptyRequest;
  sendKeys: SendKeysRequest;
  mouseMotion: MouseMotionRequest;
  mousePosition: MousePositionRequest;
  mouseButton: MouseButtonRequest;
  requestMouseMode: MouseModeRequest;
  frameAck: FrameAckRequest;
  /** Ask the shell to run a command (Electron: window fullscreen; web: nothing, the renderer does it). */
  command: ViewCommandRequest;
}

export type RequestMethod = keyof RequestMap;

/** The method names, for generating the preload API and dispatch tables. */
export const REQUEST_METHODS = [
  'viewReady',
  'connect',
  'connectUri',
  'openVv',
  'disconnect',
  'reconnect',
  'forgetRecent',
  'key',
  'keyModifiers',
  'releaseKeys',
  'sendKeys',
  'mouseMotion',
  'mousePosition',
  'mouseButton',
  'requestMouseMode',
  'frameAck',
  'command',
] as const satisfies readonly RequestMethod[];

// Compile-time check that REQUEST_METHODS lists every key of RequestMap.
type MissingMethods = Exclude<RequestMethod, (typeof REQUEST_METHODS)[number]>;
const _allMethodsListed: MissingMethods extends never ? true : false = true;
void _allMethodsListed;

/** Electron IPC channel of a method ("saffron:key"). */
export function requestChannel(method: RequestMethod): string {
  return `saffron:${method}`;
}

/** An envelope of one request as carried over the WebSocket (JSON text frame). */
export type RequestEnvelope = { [M in RequestMethod]: { method: M; payload: RequestMap[M] } }[RequestMethod];

// ---------------------------------------------------------------------------------------------------------
// Main → renderer: messages on the view's port (Electron MessagePort, or the WebSocket). Pixel payloads are
// ArrayBuffers (structured-cloned on a MessagePort, binary frames on the WebSocket); never JSON.

export type SessionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'error';

export interface StatusMessage {
  kind: 'status';
  state: SessionState;
  /** A sentence for the user ("Connecting to 127.0.0.1:5900…", "Wrong password"). */
  message: string;
  /** SpiceErrorCode when state is 'error'. */
  errorCode?: string;
  /** "host:port" of the current or last target, with no secrets. */
  target?: string;
  /** The current or last target as the connect form shows it (absent for unix sockets and proxy tickets). */
  form?: { host: string; port: number; tls: boolean };
  /** Whether a reconnect request would do something. */
  canReconnect: boolean;
}

/** Which part of the session this view shows, and the window title. */
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

/** Pixels of one damaged rectangle, RGBA, stride width*4, alpha 255. Coordinates are monitor-relative. */
export interface DamageMessage {
  kind: 'damage';
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
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
  /** RGBA, stride width*4, straight (non-premultiplied) alpha. */
  pixels: ArrayBuffer;
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

export interface MouseModeMessage {
  kind: 'mouse-mode';
  /** SPICE_MOUSE_MODE_* currently in force. */
  mode: number;
  /** Bit mask of the modes the server supports. */
  supported: number;
}

/** The guest's lock-key LEDs (SPICE_KEYBOARD_MODIFIER_FLAGS_*). */
export interface ModifiersMessage {
  kind: 'modifiers';
  modifiers: number;
}

export const VIEW_COMMANDS = [
  'fullscreen',
  'zoom-fit',
  'zoom-100',
  'zoom-in',
  'zoom-out',
  'release-cursor',
  'screenshot',
] as const;
export type ViewCommand = (typeof VIEW_COMMANDS)[number];

/** A menu or shortcut handled by the renderer. */
export interface CommandMessage {
  kind: 'command';
  command: ViewCommand;
}

export interface RecentConnection {
  /** Stable id (for forgetRecent). */
  id: string;
  /** Display text, no secrets. */
  label: string;
  host: string;
  port: number;
  tls: boolean;
  lastUsedMs: number;
}

export interface RecentMessage {
  kind: 'recent';
  entries: RecentConnection[];
}

/** Something the user should read that is not a state change (server notify, .vv warnings). */
export interface NoticeMessage {
  kind: 'notice';
  level: 'info' | 'warning' | 'error';
  message: string;
}

export type ViewMessage =
  | StatusMessage
  | ViewInfoMessage
  | SurfaceMessage
  | DamageMessage
  | FrameEndMessage
  | CursorShapeMessage
  | CursorStateMessage
  | MouseModeMessage
  | ModifiersMessage
  | CommandMessage
  | RecentMessage
  | NoticeMessage;

export type ViewMessageKind = ViewMessage['kind'];

// ---------------------------------------------------------------------------------------------------------
// Electron specifics shared by main and preload.

/** The channel on which main transfers a view's MessagePort to the preload (webContents.postMessage). */
export const VIEW_PORT_CHANNEL = 'saffron:view-port';

/** The API the preload exposes as `window.saffron`: one method per request, plus the view port. */
export type SaffronRequestApi = { [M in RequestMethod]: (payload: RequestMap[M]) => void };

export interface SaffronApi extends SaffronRequestApi {
  /** Subscribes to view messages; returns an unsubscribe function. */
  onMessage(listener: (message: ViewMessage) => void): () => void;
}

/** Limits shared by guards and producers. */
export const LIMITS = {
  /** Largest guest monitor edge accepted anywhere (pixels). */
  maxSurfaceEdge: 16384,
  /** Largest .vv text accepted from the renderer. */
  maxVvTextLength: 1 << 20,
  maxHostLength: 255,
  maxPasswordLength: 1024,
  maxUriLength: 8192,
  maxFileNameLength: 1024,
  /** Largest relative motion in one event (pixels). */
  maxMotionDelta: 65535,
} as const;
