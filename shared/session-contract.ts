// The per-session contract: what concerns the whole session rather than one monitor — connecting, its state,
// notices, recent connections, mouse mode and lock keys, and the families the session-wide features fill in
// (clipboard, file transfers, audio, USB devices). Every view may send these requests; every view receives these
// messages. Typed once here; guards in contract-guards.ts. Plain data only: no DOM, Node or Electron.
//
// A feature adds members to its family below (request payloads to its `…RequestMap`, the method names to
// SESSION_REQUEST_METHODS, message types to its `…Messages` map by kind), then the compiler lists what is missing: a
// guard in contract-guards.ts and a handler in the feature's bridge (docs/platform.md, "Adding a feature bridge").

import type { VvHotkey } from './commands';
import type { Settings, SettingsPatch } from './settings';
import type {
  AgentMessages,
  AgentRequestMap,
  ClipboardMessageMap,
  ClipboardRequests,
  TransferMessageMap,
  TransferRequests,
} from './agent-contract';
import { AGENT_REQUEST_METHODS } from './agent-contract';

// ---------------------------------------------------------------------------------------------------------
// Connection and session state

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

/** A .vv file dropped on a window or picked in the browser (its text, read by the page). */
export interface OpenVvRequest {
  fileName: string;
  text: string;
}

/** Connect again with the last connection's settings (URI, .vv, form), optionally with a password the user typed
 * after the server asked for one — so proxy, TLS and CA settings from a .vv file are kept. */
export interface ReconnectRequest {
  password?: string;
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

export type SessionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'error';

export interface StatusMessage {
  kind: 'status';
  state: SessionState;
  /** A sentence for the user ("Connecting to 127.0.0.1:5900…", "The server rejected the password."). */
  message: string;
  /** SpiceErrorCode when state is 'error' ('session-process' when the session process itself stopped). */
  errorCode?: string;
  /** "host:port" of the current or last target, with no secrets. */
  target?: string;
  /** Whether a reconnect request would do something. */
  canReconnect: boolean;
}

/** Something the user should read that is not a state change (server notify, .vv warnings). */
export interface NoticeMessage {
  kind: 'notice';
  level: 'info' | 'warning' | 'error';
  message: string;
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

export interface MouseModeMessage {
  kind: 'mouse-mode';
  /** SPICE_MOUSE_MODE_* currently in force. */
  mode: number;
  /** Mask of the modes the server supports. */
  supported: number;
}

/** The user's settings (shared/settings.ts), sent to every view when it attaches and whenever they change. */
export interface SettingsMessage {
  kind: 'settings';
  settings: Settings;
  /** Whether they are kept across runs (false: this shell keeps them in memory only). */
  persistent: boolean;
}

/** The current connection's `.vv` [hotkeys] (raw strings by remote-viewer key): they win over the user's shortcuts.
 * Empty when idle or for connections without a .vv file. */
export interface HotkeysMessage {
  kind: 'hotkeys';
  hotkeys: Partial<Record<VvHotkey, string>>;
}

/** The guest's lock-key LEDs (SPICE_KEYBOARD_MODIFIER_FLAGS_*). */
export interface ModifiersMessage {
  kind: 'modifiers';
  modifiers: number;
}

// ---------------------------------------------------------------------------------------------------------
// Feature families. Each is empty until its feature lands; the comment says what it is for. Requests are
// method → payload, messages are kind → message type (the message's `kind` field is that key).

/**
 * The guest agent (agent-contract.ts): its state and settings, display sizes and toggles (auto-resize);
 * the clipboard (the page as the host clipboard in `saffron web`); file transfers with progress and cancel.
 */
export type ClipboardRequestMap = AgentRequestMap & ClipboardRequests;
export type ClipboardMessages = AgentMessages & ClipboardMessageMap;
export type TransferRequestMap = TransferRequests;
export type TransferMessages = TransferMessageMap;

/**
 * Audio (the audio issue): playback frames for the page's AudioWorklet (binary in port-codec.ts), volume and
 * mute, microphone capture for the record channel. Intended messages: 'audio-start' {rate, channels},
 * 'audio-frame' {mmTimeMs, samples}, 'audio-volume', 'audio-stop'; requests: recordData, audioMute.
 */
export type AudioRequestMap = Record<never, never>;
export type AudioMessages = Record<never, never>;

/**
 * USB redirection (the USB issue): the device list for the picker and redirection state. Intended messages:
 * 'usb-devices' {devices}, 'usb-device' {id, state, error}; requests: usbRedirect {id}, usbRelease {id}.
 */
export type UsbRequestMap = Record<never, never>;
export type UsbMessages = Record<never, never>;

// ---------------------------------------------------------------------------------------------------------

/** Every session-wide request: method → payload. */
export interface SessionRequestMap
  extends ClipboardRequestMap, TransferRequestMap, AudioRequestMap, UsbRequestMap {
  connect: ConnectFormRequest;
  connectUri: ConnectUriRequest;
  openVv: OpenVvRequest;
  disconnect: Record<string, never>;
  reconnect: ReconnectRequest;
  forgetRecent: { id: string };
  sendKeys: SendKeysRequest;
  /** Change some settings (validated key by key; saved by the session process, broadcast to every view). */
  setSettings: SettingsPatch;
}

export const SESSION_REQUEST_METHODS = [
  'connect',
  'connectUri',
  'openVv',
  'disconnect',
  'reconnect',
  'forgetRecent',
  'sendKeys',
  'setSettings',
  ...AGENT_REQUEST_METHODS,
] as const satisfies readonly (keyof SessionRequestMap)[];

/** Every session-wide message: kind → message type. */
export interface SessionMessageMap extends ClipboardMessages, TransferMessages, AudioMessages, UsbMessages {
  status: StatusMessage;
  notice: NoticeMessage;
  recent: RecentMessage;
  'mouse-mode': MouseModeMessage;
  modifiers: ModifiersMessage;
  settings: SettingsMessage;
  hotkeys: HotkeysMessage;
}

export type SessionMessage = SessionMessageMap[keyof SessionMessageMap];
