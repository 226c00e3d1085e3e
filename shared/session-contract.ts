// The per-session contract: what concerns the whole session rather than one monitor — connecting, its state,
// notices, recent connections, mouse mode and lock keys, and the families the session-wide features fill in
// (clipboard, file transfers, audio, USB devices). Every view may send these requests; every view receives these
// messages. Typed once here; guards in contract-guards.ts. Plain data only: no DOM, Node or Electron.
import type { AudioMessages, AudioRequestMap } from './audio-contract';
import { AUDIO_REQUEST_METHODS } from './audio-contract';
//
// A feature adds members to its family below (request payloads to its `…RequestMap`, the method names to
// SESSION_REQUEST_METHODS, message types to its `…Messages` map by kind), then the compiler lists what is missing: a
// guard in contract-guards.ts and a handler in the feature's bridge (docs/platform.md, "Adding a feature bridge").
import type { Hotkey } from './spice-hotkey';

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
  /** The current or last target as the connect form shows it (absent for unix sockets and proxy tickets). */
  form?: { host: string; port: number; tls: boolean };
  /** Set while the session reconnects by itself after the connection dropped: the try this is (1 = first) and,
   * while waiting for it, how long until it starts. A disconnect request cancels it. */
  reconnect?: { attempt: number; inMs: number };
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
 * Audio (the audio issue): playback frames for the output page's AudioWorklet (data frames on a WebSocket), gains,
 * the user's sound controls, microphone capture for the record channel. Declared in audio-contract.ts.
 */
export type { AudioRequestMap, AudioMessages };

/**
 * USB redirection (docs/usb.md): the picker's device list — host devices of the machine running the session and
 * shared ISO / disk images — with a toggle each, sharing images, auto-share, and the device-reset hotkey. The
 * whole list travels in one 'usb-state' message whenever anything changes (a list is at most USB_LIMITS.maxDevices).
 */
export const USB_DEVICE_STATES = ['available', 'connecting', 'connected', 'disconnecting'] as const;
export type UsbDeviceConnection = (typeof USB_DEVICE_STATES)[number];
/** Why a device could not be redirected (UsbDeviceError codes of the core). */
export const USB_ERROR_CODES = [
  'busy',
  'permission',
  'gone',
  'unsupported',
  'io',
  'rejected',
  'no-channel',
] as const;
export type UsbErrorCode = (typeof USB_ERROR_CODES)[number];
export const USB_DEVICE_KINDS = ['host', 'cd', 'disk'] as const;
export type UsbDeviceKind = (typeof USB_DEVICE_KINDS)[number];
/**
 * Where USB redirection stands for the current session: 'idle' (no session), 'disabled' (the .vv file says
 * enable-usbredir=0), 'waiting' (connected, the VM's usbredir channels not up yet), 'ready', 'no-channels' (the VM
 * has no usbredir channel).
 */
export const USB_AVAILABILITY = ['idle', 'disabled', 'waiting', 'ready', 'no-channels'] as const;
export type UsbAvailability = (typeof USB_AVAILABILITY)[number];
/**
 * How the page may add a shared image: 'dialog' (the desktop app's file dialog), 'path' (a path typed into the
 * picker: `saffron web` on a loopback address), 'none' (only the images given on the command line).
 */
export const USB_IMAGE_SOURCES = ['dialog', 'path', 'none'] as const;
export type UsbImageSource = (typeof USB_IMAGE_SOURCES)[number];
export const USB_IMAGE_KINDS = ['cd', 'disk'] as const;
export type UsbImageKind = (typeof USB_IMAGE_KINDS)[number];

export const USB_LIMITS = {
  maxDevices: 128,
  maxKeyLength: 64,
  maxLabelLength: 256,
  maxPathLength: 4096,
} as const;

export interface UsbEntryError {
  code: UsbErrorCode;
  message: string;
  /** What the user can do about it (the udev rule, Zadig, a moved image), when there is something. */
  hint?: string;
  /** A fix the app can apply itself: 'udev-rule' = the desktop app on Linux can install the rule (pkexec). */
  fix?: 'udev-rule';
}

/** One row of the picker. */
export interface UsbDeviceEntry {
  /** Stable while the device is plugged in / the image shared: "host:1-4", "cd:1", "disk:2". */
  key: string;
  kind: UsbDeviceKind;
  label: string;
  vendorId: number;
  productId: number;
  state: UsbDeviceConnection;
  /** Shared images: the file, on the machine running the session. */
  path?: string;
  /** Shared disks: the VM may write to the file. */
  writable?: boolean;
  /** Shared images: the user wants it redirected (it is, whenever a session has a free usbredir channel). */
  shared?: boolean;
  error?: UsbEntryError;
  /** The auto-share filter allows this device (host devices plugged in while auto-share is on are shared). */
  autoShare: boolean;
  /** False when the device can never be redirected; `reason` says why (e.g. isochronous endpoints). */
  redirectable: boolean;
  reason?: string;
}

/** The picker's whole state; sent to a new view and to every view whenever it changes. */
export interface UsbStateMessage {
  kind: 'usb-state';
  availability: UsbAvailability;
  /** The VM's usbredir channels: how many, how many carry no device. */
  channels: { total: number; free: number };
  /** Devices plugged in while a window of the session has focus are shared when the auto-share filter allows. */
  autoShare: boolean;
  imageSource: UsbImageSource;
  devices: UsbDeviceEntry[];
  /** Not about one device: e.g. this machine has no USB subsystem, so only images can be shared. */
  notice?: string;
  /** The usb-device-reset hotkey (.vv [virt-viewer] usb-device-reset, default Ctrl+Shift+R). */
  resetHotkey: Hotkey;
}

/** The outcome of a request that is not a device state (an image that cannot be shared, the udev rule). */
export interface UsbResultMessage {
  kind: 'usb-result';
  level: 'info' | 'error';
  message: string;
  hint?: string;
}

export interface UsbRequestMap {
  /** Redirect a device (the toggle on). */
  usbConnect: { key: string };
  /** Give a device back to this machine (the toggle off). */
  usbDisconnect: { key: string };
  /** Share an image typed into the picker (only when imageSource is 'path'). */
  usbShareImage: { path: string; imageKind: UsbImageKind; writable: boolean };
  /** Open the desktop app's file dialog for an image (imageSource 'dialog'). */
  usbChooseImage: { imageKind: UsbImageKind; writable: boolean };
  /** Stop sharing an image (given back if redirected, then removed from the list). */
  usbRemoveImage: { key: string };
  usbSetAutoShare: { on: boolean };
  /** The usb-device-reset hotkey: every redirected device is disconnected and connected again. */
  usbReset: Record<string, never>;
  /** The desktop app on Linux: install the udev rule for this device (through pkexec). */
  usbInstallUdevRule: { key: string };
  /** This view gained or lost keyboard focus (auto-share only acts while a view of the session has focus). */
  usbViewFocus: { focused: boolean };
}
export interface UsbMessages {
  'usb-state': UsbStateMessage;
  'usb-result': UsbResultMessage;
}

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
  ...AUDIO_REQUEST_METHODS,
  'usbConnect',
  'usbDisconnect',
  'usbShareImage',
  'usbChooseImage',
  'usbRemoveImage',
  'usbSetAutoShare',
  'usbReset',
  'usbInstallUdevRule',
  'usbViewFocus',
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
