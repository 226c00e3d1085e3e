// Runtime guards for everything that arrives over the contract (contract.ts): requests on the session side, messages
// on the view side. Strict: exact keys, finite integers in range, bounded strings, pixel buffers of exactly the
// declared size. Both tables are typed by the contract's unions, so a request or message added there without a
// guard here does not compile.
import type { PortMessage, PortMessageKind, RequestEnvelope, RequestMap, RequestMethod } from './contract';
import { LIMITS, REQUEST_METHODS, SEND_KEY_COMBOS, VIEW_COMMANDS } from './contract';
import { VV_HOTKEYS } from './commands';
import { isSettings, isSettingsPatch } from './settings';
import type { CursorImage } from './view-contract';
import type { SessionState, UsbDeviceEntry } from './session-contract';
import {
  USB_AVAILABILITY,
  USB_DEVICE_KINDS,
  USB_DEVICE_STATES,
  USB_ERROR_CODES,
  USB_IMAGE_KINDS,
  USB_IMAGE_SOURCES,
  USB_LIMITS,
} from './session-contract';
import type { Hotkey } from './spice-hotkey';
import type { Rect } from './rect';
import { AUDIO_MESSAGE_GUARDS, AUDIO_REQUEST_GUARDS } from './audio-guards';
import { AGENT_MESSAGE_GUARDS, AGENT_REQUEST_GUARDS } from './agent-guards';
import type { Guard } from './guard-primitives';
import { hasExactKeys, isInt, isOneOf, isOptionalString, isRecord, isString } from './guard-primitives';
import {
  SPICE_KEYBOARD_MODIFIER_FLAGS_MASK,
  SPICE_MOUSE_BUTTON_EXTRA,
  SPICE_MOUSE_BUTTON_LEFT,
  SPICE_MOUSE_BUTTON_MASK_MASK,
  SPICE_MOUSE_MODE_CLIENT,
  SPICE_MOUSE_MODE_MASK,
  SPICE_MOUSE_MODE_SERVER,
} from './spice-enums';

export type { Guard } from './guard-primitives';
export { hasExactKeys, isInt, isRecord, isString } from './guard-primitives';

const isEmpty = (value: unknown): value is Record<string, never> =>
  isRecord(value) && hasExactKeys(value, []);

/** A valid set-1 make code in the contract's form: 0x01..0x7F, or 0x101..0x17F (E0-prefixed). */
export function isScancode(value: unknown): value is number {
  return isInt(value, 0x01, 0x7f) || isInt(value, 0x101, 0x17f);
}

const isButtons = (v: unknown): v is number => isInt(v, 0, SPICE_MOUSE_BUTTON_MASK_MASK);

const isUsbKey = (v: unknown): v is string => isString(v, USB_LIMITS.maxKeyLength, 1);
const isUsbKeyRequest = (v: unknown): v is { key: string } =>
  isRecord(v) && hasExactKeys(v, ['key']) && isUsbKey(v.key);

// ---------------------------------------------------------------------------------------------------------
// Requests (view → session)

export const REQUEST_GUARDS: { [M in RequestMethod]: Guard<RequestMap[M]> } = {
  viewReady: isEmpty,
  connect: (v): v is RequestMap['connect'] =>
    isRecord(v) &&
    hasExactKeys(v, ['host', 'port', 'tls'], ['password']) &&
    isString(v.host, LIMITS.maxHostLength, 1) &&
    isInt(v.port, 1, 65535) &&
    typeof v.tls === 'boolean' &&
    isOptionalString(v.password, LIMITS.maxPasswordLength),
  connectUri: (v): v is RequestMap['connectUri'] =>
    isRecord(v) &&
    hasExactKeys(v, ['uri'], ['password']) &&
    isString(v.uri, LIMITS.maxUriLength, 1) &&
    isOptionalString(v.password, LIMITS.maxPasswordLength),
  openVv: (v): v is RequestMap['openVv'] =>
    isRecord(v) &&
    hasExactKeys(v, ['fileName', 'text']) &&
    isString(v.fileName, LIMITS.maxFileNameLength) &&
    isString(v.text, LIMITS.maxVvTextLength),
  disconnect: isEmpty,
  reconnect: (v): v is RequestMap['reconnect'] =>
    isRecord(v) &&
    hasExactKeys(v, [], ['password']) &&
    isOptionalString(v.password, LIMITS.maxPasswordLength),
  forgetRecent: (v): v is RequestMap['forgetRecent'] =>
    isRecord(v) && hasExactKeys(v, ['id']) && isString(v.id, 256, 1),
  key: (v): v is RequestMap['key'] =>
    isRecord(v) &&
    hasExactKeys(v, ['scancode', 'down']) &&
    isScancode(v.scancode) &&
    typeof v.down === 'boolean',
  keyModifiers: (v): v is RequestMap['keyModifiers'] =>
    isRecord(v) &&
    hasExactKeys(v, ['modifiers']) &&
    isInt(v.modifiers, 0, SPICE_KEYBOARD_MODIFIER_FLAGS_MASK),
  releaseKeys: isEmpty,
  setSettings: (v): v is RequestMap['setSettings'] => isSettingsPatch(v),
  sendKeys: (v): v is RequestMap['sendKeys'] =>
    isRecord(v) && hasExactKeys(v, ['combo']) && isOneOf(SEND_KEY_COMBOS, v.combo),
  mouseMotion: (v): v is RequestMap['mouseMotion'] =>
    isRecord(v) &&
    hasExactKeys(v, ['dx', 'dy', 'buttons']) &&
    isInt(v.dx, -LIMITS.maxMotionDelta, LIMITS.maxMotionDelta) &&
    isInt(v.dy, -LIMITS.maxMotionDelta, LIMITS.maxMotionDelta) &&
    isButtons(v.buttons),
  mousePosition: (v): v is RequestMap['mousePosition'] =>
    isRecord(v) &&
    hasExactKeys(v, ['x', 'y', 'buttons']) &&
    isInt(v.x, 0, LIMITS.maxSurfaceEdge) &&
    isInt(v.y, 0, LIMITS.maxSurfaceEdge) &&
    isButtons(v.buttons),
  mouseButton: (v): v is RequestMap['mouseButton'] =>
    isRecord(v) &&
    hasExactKeys(v, ['button', 'down', 'buttons']) &&
    isInt(v.button, SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_EXTRA) &&
    typeof v.down === 'boolean' &&
    isButtons(v.buttons),
  requestMouseMode: (v): v is RequestMap['requestMouseMode'] =>
    isRecord(v) &&
    hasExactKeys(v, ['mode']) &&
    (v.mode === SPICE_MOUSE_MODE_SERVER || v.mode === SPICE_MOUSE_MODE_CLIENT),
  frameAck: (v): v is RequestMap['frameAck'] =>
    isRecord(v) && hasExactKeys(v, ['seq']) && isInt(v.seq, 0, Number.MAX_SAFE_INTEGER),
  command: (v): v is RequestMap['command'] =>
    isRecord(v) && hasExactKeys(v, ['command']) && isOneOf(VIEW_COMMANDS, v.command),
  ...AUDIO_REQUEST_GUARDS,
  usbConnect: isUsbKeyRequest,
  usbDisconnect: isUsbKeyRequest,
  usbRemoveImage: isUsbKeyRequest,
  usbInstallUdevRule: isUsbKeyRequest,
  usbShareImage: (v): v is RequestMap['usbShareImage'] =>
    isRecord(v) &&
    hasExactKeys(v, ['path', 'imageKind', 'writable']) &&
    isString(v.path, USB_LIMITS.maxPathLength, 1) &&
    isOneOf(USB_IMAGE_KINDS, v.imageKind) &&
    typeof v.writable === 'boolean',
  usbChooseImage: (v): v is RequestMap['usbChooseImage'] =>
    isRecord(v) &&
    hasExactKeys(v, ['imageKind', 'writable']) &&
    isOneOf(USB_IMAGE_KINDS, v.imageKind) &&
    typeof v.writable === 'boolean',
  usbSetAutoShare: (v): v is RequestMap['usbSetAutoShare'] =>
    isRecord(v) && hasExactKeys(v, ['on']) && typeof v.on === 'boolean',
  usbReset: isEmpty,
  usbViewFocus: (v): v is RequestMap['usbViewFocus'] =>
    isRecord(v) && hasExactKeys(v, ['focused']) && typeof v.focused === 'boolean',
  ...AGENT_REQUEST_GUARDS,
  videoDecoders: (v): v is RequestMap['videoDecoders'] =>
    isRecord(v) &&
    hasExactKeys(v, ['codecs']) &&
    Array.isArray(v.codecs) &&
    v.codecs.length <= 16 &&
    v.codecs.every((c) => isInt(c, 1, 255)),
  videoFeedback: (v): v is RequestMap['videoFeedback'] =>
    isRecord(v) &&
    hasExactKeys(v, ['channelId', 'streamId', 'drops', 'error']) &&
    isInt(v.channelId, 0, 255) &&
    isInt(v.streamId, 0, 0xffff) &&
    isInt(v.drops, 0, 1_000_000) &&
    isString(v.error, LIMITS.maxMessageLength),
};

export function isRequestMethod(value: unknown): value is RequestMethod {
  return isOneOf(REQUEST_METHODS, value);
}

/** Validates one request payload for `method`. */
export function isValidRequest<M extends RequestMethod>(
  method: M,
  payload: unknown,
): payload is RequestMap[M] {
  return REQUEST_GUARDS[method](payload);
}

/** A request envelope as it arrives on an Electron port (structured clone); undefined unless exactly valid. */
export function parseRequest(value: unknown): RequestEnvelope | undefined {
  if (!isRecord(value) || !hasExactKeys(value, ['method', 'payload'])) return undefined;
  const { method, payload } = value;
  if (!isRequestMethod(method) || !isValidRequest(method, payload)) return undefined;
  return { method, payload } as RequestEnvelope;
}

/** A request envelope as it arrives on a WebSocket (JSON text); undefined unless exactly one valid request. */
export function parseRequestText(
  text: string,
  maxLength = LIMITS.maxVvTextLength * 2,
): RequestEnvelope | undefined {
  if (text.length > maxLength) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return parseRequest(value);
}

// ---------------------------------------------------------------------------------------------------------
// Messages (session → view)

type MessageOf<K extends PortMessageKind> = Extract<PortMessage, { kind: K }>;

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isEdge = (v: unknown): v is number => isInt(v, 0, LIMITS.maxSurfaceEdge);
const isCoord = (v: unknown): v is number => isInt(v, -LIMITS.maxSurfaceEdge, 2 * LIMITS.maxSurfaceEdge);

export function isRect(v: unknown, maxEdge: number = LIMITS.maxSurfaceEdge): v is Rect {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['left', 'top', 'right', 'bottom']) &&
    isInt(v.left, 0, maxEdge) &&
    isInt(v.top, 0, maxEdge) &&
    isInt(v.right, 0, maxEdge) &&
    isInt(v.bottom, 0, maxEdge) &&
    v.right > v.left &&
    v.bottom > v.top
  );
}

/** A rectangle that may reach outside the monitor (video streams), within ±2 surface edges. */
export function isVideoRect(v: unknown): v is Rect {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['left', 'top', 'right', 'bottom']) &&
    isCoord(v.left) &&
    isCoord(v.top) &&
    isCoord(v.right) &&
    isCoord(v.bottom) &&
    v.right > v.left &&
    v.bottom > v.top
  );
}

function isPixels(v: unknown, width: number, height: number): v is Uint8Array {
  return v instanceof Uint8Array && v.byteLength === width * height * 4;
}

function isCursorImage(v: unknown): v is CursorImage {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['width', 'height', 'hotX', 'hotY', 'pixels']) &&
    isInt(v.width, 1, LIMITS.maxCursorEdge) &&
    isInt(v.height, 1, LIMITS.maxCursorEdge) &&
    isInt(v.hotX, 0, v.width - 1) &&
    isInt(v.hotY, 0, v.height - 1) &&
    isPixels(v.pixels, v.width, v.height)
  );
}

function isRecentEntry(v: unknown): boolean {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['id', 'label', 'host', 'port', 'tls', 'lastUsedMs']) &&
    isString(v.id, 256, 1) &&
    isString(v.label, LIMITS.maxMessageLength) &&
    isString(v.host, LIMITS.maxHostLength) &&
    isInt(v.port, 1, 65535) &&
    isBool(v.tls) &&
    typeof v.lastUsedMs === 'number' &&
    Number.isFinite(v.lastUsedMs)
  );
}

const STATES = ['idle', 'connecting', 'connected', 'disconnected', 'error'] as const;

function isStatusForm(v: unknown): v is NonNullable<MessageOf<'status'>['form']> {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['host', 'port', 'tls']) &&
    isString(v.host, 1024) &&
    Number.isInteger(v.port) &&
    (v.port as number) >= 0 &&
    (v.port as number) <= 65535 &&
    isBool(v.tls)
  );
}

function isReconnectState(v: unknown): v is NonNullable<MessageOf<'status'>['reconnect']> {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['attempt', 'inMs']) &&
    Number.isInteger(v.attempt) &&
    (v.attempt as number) >= 1 &&
    Number.isInteger(v.inMs) &&
    (v.inMs as number) >= 0 &&
    (v.inMs as number) <= 3_600_000
  );
}

export function isSessionState(v: unknown): v is SessionState {
  return STATES.includes(v as SessionState);
}
const LEVELS = ['info', 'warning', 'error'] as const;

function isHotkey(v: unknown): v is Hotkey {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['code', 'ctrl', 'shift', 'alt', 'meta']) &&
    isString(v.code, 32, 1) &&
    /^[A-Za-z0-9]+$/.test(v.code) &&
    isBool(v.ctrl) &&
    isBool(v.shift) &&
    isBool(v.alt) &&
    isBool(v.meta)
  );
}

function isUsbEntryError(v: unknown): boolean {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['code', 'message'], ['hint', 'fix']) &&
    isOneOf(USB_ERROR_CODES, v.code) &&
    isString(v.message, LIMITS.maxMessageLength) &&
    isOptionalString(v.hint, LIMITS.maxMessageLength) &&
    (v.fix === undefined || v.fix === 'udev-rule')
  );
}

function isUsbDeviceEntry(v: unknown): v is UsbDeviceEntry {
  return (
    isRecord(v) &&
    hasExactKeys(
      v,
      ['key', 'kind', 'label', 'vendorId', 'productId', 'state', 'autoShare', 'redirectable'],
      ['path', 'writable', 'shared', 'error', 'reason'],
    ) &&
    isUsbKey(v.key) &&
    isOneOf(USB_DEVICE_KINDS, v.kind) &&
    isString(v.label, USB_LIMITS.maxLabelLength) &&
    isInt(v.vendorId, 0, 0xffff) &&
    isInt(v.productId, 0, 0xffff) &&
    isOneOf(USB_DEVICE_STATES, v.state) &&
    isBool(v.autoShare) &&
    isBool(v.redirectable) &&
    isOptionalString(v.path, USB_LIMITS.maxPathLength) &&
    (v.writable === undefined || isBool(v.writable)) &&
    (v.shared === undefined || isBool(v.shared)) &&
    (v.error === undefined || isUsbEntryError(v.error)) &&
    isOptionalString(v.reason, LIMITS.maxMessageLength)
  );
}

export const MESSAGE_GUARDS: { [K in PortMessageKind]: Guard<MessageOf<K>> } = {
  // per view
  view: (v): v is MessageOf<'view'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'monitor', 'title', 'shell']) &&
    isInt(v.monitor, 0, 1024) &&
    isString(v.title, LIMITS.maxMessageLength) &&
    (v.shell === 'electron' || v.shell === 'web'),
  surface: (v): v is MessageOf<'surface'> =>
    isRecord(v) && hasExactKeys(v, ['kind', 'width', 'height']) && isEdge(v.width) && isEdge(v.height),
  damage: (v): v is MessageOf<'damage'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'rect', 'pixels']) &&
    isRect(v.rect) &&
    isPixels(v.pixels, v.rect.right - v.rect.left, v.rect.bottom - v.rect.top),
  'frame-end': (v): v is MessageOf<'frame-end'> =>
    isRecord(v) && hasExactKeys(v, ['kind', 'seq']) && isInt(v.seq, 0, Number.MAX_SAFE_INTEGER),
  'cursor-shape': (v): v is MessageOf<'cursor-shape'> =>
    isRecord(v) && hasExactKeys(v, ['kind', 'cursor']) && (v.cursor === null || isCursorImage(v.cursor)),
  'cursor-state': (v): v is MessageOf<'cursor-state'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'x', 'y', 'visible']) &&
    isCoord(v.x) &&
    isCoord(v.y) &&
    isBool(v.visible),
  command: (v): v is MessageOf<'command'> =>
    isRecord(v) && hasExactKeys(v, ['kind', 'command']) && isOneOf(VIEW_COMMANDS, v.command),
  'video-stream': (v): v is MessageOf<'video-stream'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'channelId', 'streamId', 'codec', 'topDown', 'rect', 'clip']) &&
    isInt(v.channelId, 0, 255) &&
    isInt(v.streamId, 0, 0xffff) &&
    isInt(v.codec, 1, 255) &&
    isBool(v.topDown) &&
    isVideoRect(v.rect) &&
    (v.clip === null ||
      (Array.isArray(v.clip) && v.clip.length <= LIMITS.maxVideoClipRects && v.clip.every(isVideoRect))),
  'video-frame': (v): v is MessageOf<'video-frame'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'channelId', 'streamId', 'delayMs', 'width', 'height', 'rect', 'data']) &&
    isInt(v.channelId, 0, 255) &&
    isInt(v.streamId, 0, 0xffff) &&
    isInt(v.delayMs, -0x80000000, 0x7fffffff) &&
    isInt(v.width, 1, LIMITS.maxSurfaceEdge) &&
    isInt(v.height, 1, LIMITS.maxSurfaceEdge) &&
    isVideoRect(v.rect) &&
    v.data instanceof Uint8Array &&
    v.data.byteLength <= LIMITS.maxVideoFrameBytes,
  'video-stream-end': (v): v is MessageOf<'video-stream-end'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'channelId', 'streamId']) &&
    isInt(v.channelId, 0, 255) &&
    isInt(v.streamId, 0, 0xffff),
  // per session
  status: (v): v is MessageOf<'status'> =>
    isRecord(v) &&
    hasExactKeys(
      v,
      ['kind', 'state', 'message', 'canReconnect'],
      ['errorCode', 'target', 'form', 'reconnect'],
    ) &&
    isOneOf(STATES, v.state) &&
    isString(v.message, LIMITS.maxMessageLength) &&
    isBool(v.canReconnect) &&
    isOptionalString(v.errorCode, 64) &&
    isOptionalString(v.target, LIMITS.maxMessageLength) &&
    (v.form === undefined || isStatusForm(v.form)) &&
    (v.reconnect === undefined || isReconnectState(v.reconnect)),
  notice: (v): v is MessageOf<'notice'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'level', 'message']) &&
    isOneOf(LEVELS, v.level) &&
    isString(v.message, LIMITS.maxMessageLength),
  recent: (v): v is MessageOf<'recent'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'entries']) &&
    Array.isArray(v.entries) &&
    v.entries.length <= LIMITS.maxRecentEntries &&
    v.entries.every(isRecentEntry),
  'mouse-mode': (v): v is MessageOf<'mouse-mode'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'mode', 'supported']) &&
    isInt(v.mode, 0, SPICE_MOUSE_MODE_MASK) &&
    isInt(v.supported, 0, SPICE_MOUSE_MODE_MASK),
  modifiers: (v): v is MessageOf<'modifiers'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'modifiers']) &&
    isInt(v.modifiers, 0, SPICE_KEYBOARD_MODIFIER_FLAGS_MASK),
  settings: (v): v is MessageOf<'settings'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'settings', 'persistent']) &&
    isSettings(v.settings) &&
    isBool(v.persistent),
  hotkeys: (v): v is MessageOf<'hotkeys'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'hotkeys']) &&
    isRecord(v.hotkeys) &&
    Object.entries(v.hotkeys).every(([key, text]) => isOneOf(VV_HOTKEYS, key) && isString(text, 64, 1)),
  ...AUDIO_MESSAGE_GUARDS,
  'usb-state': (v): v is MessageOf<'usb-state'> =>
    isRecord(v) &&
    hasExactKeys(
      v,
      ['kind', 'availability', 'channels', 'autoShare', 'imageSource', 'devices', 'resetHotkey'],
      ['notice'],
    ) &&
    isOneOf(USB_AVAILABILITY, v.availability) &&
    isRecord(v.channels) &&
    hasExactKeys(v.channels, ['total', 'free']) &&
    isInt(v.channels.total, 0, 1024) &&
    isInt(v.channels.free, 0, v.channels.total) &&
    isBool(v.autoShare) &&
    isOneOf(USB_IMAGE_SOURCES, v.imageSource) &&
    Array.isArray(v.devices) &&
    v.devices.length <= USB_LIMITS.maxDevices &&
    v.devices.every(isUsbDeviceEntry) &&
    isOptionalString(v.notice, LIMITS.maxMessageLength) &&
    isHotkey(v.resetHotkey),
  'usb-result': (v): v is MessageOf<'usb-result'> =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'level', 'message'], ['hint']) &&
    (v.level === 'info' || v.level === 'error') &&
    isString(v.message, LIMITS.maxMessageLength) &&
    isOptionalString(v.hint, LIMITS.maxMessageLength),
  ...AGENT_MESSAGE_GUARDS,
};

/** True if `value` is exactly one valid message of the contract. */
export function isPortMessage(value: unknown): value is PortMessage {
  if (!isRecord(value) || typeof value.kind !== 'string') return false;
  const guard = (MESSAGE_GUARDS as Record<string, Guard<PortMessage> | undefined>)[value.kind];
  return guard !== undefined && guard(value);
}
