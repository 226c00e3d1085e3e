// Runtime validators for every renderer → main payload of shared/ipc.ts. The main side (Electron ipcMain and
// the web harness's WebSocket) runs these before acting; anything else is dropped. Strict: unknown keys are
// rejected, numbers must be finite integers in range, strings bounded.
import { LIMITS, REQUEST_METHODS, SEND_KEY_COMBOS, VIEW_COMMANDS } from './ipc';
import type { RequestEnvelope, RequestMap, RequestMethod } from './ipc';
import {
  SPICE_KEYBOARD_MODIFIER_FLAGS_MASK,
  SPICE_MOUSE_BUTTON_EXTRA,
  SPICE_MOUSE_BUTTON_LEFT,
  SPICE_MOUSE_BUTTON_MASK_MASK,
  SPICE_MOUSE_MODE_CLIENT,
  SPICE_MOUSE_MODE_SERVER,
} from './spice-enums';

type Guard<T> = (value: unknown) => value is T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True if `value` is a plain object whose keys are all in `required` ∪ `optional` and has every required one. */
function hasExactKeys(
  value: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[] = [],
) {
  for (const key of required) if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
  for (const key of Object.keys(value)) if (!required.includes(key) && !optional.includes(key)) return false;
  return true;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isString(value: unknown, maxLength: number, minLength = 0): value is string {
  return typeof value === 'string' && value.length >= minLength && value.length <= maxLength;
}

function isOptionalString(value: unknown, maxLength: number): boolean {
  return value === undefined || isString(value, maxLength);
}

const isEmpty = (value: unknown): value is Record<string, never> =>
  isRecord(value) && hasExactKeys(value, []);

/** A valid set-1 make code in the contract's form: 0x01..0x7F, or 0x101..0x17F (E0-prefixed). */
export function isScancode(value: unknown): value is number {
  return isInt(value, 0x01, 0x7f) || isInt(value, 0x101, 0x17f);
}

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
  sendKeys: (v): v is RequestMap['sendKeys'] =>
    isRecord(v) &&
    hasExactKeys(v, ['combo']) &&
    typeof v.combo === 'string' &&
    (SEND_KEY_COMBOS as readonly string[]).includes(v.combo),
  mouseMotion: (v): v is RequestMap['mouseMotion'] =>
    isRecord(v) &&
    hasExactKeys(v, ['dx', 'dy', 'buttons']) &&
    isInt(v.dx, -LIMITS.maxMotionDelta, LIMITS.maxMotionDelta) &&
    isInt(v.dy, -LIMITS.maxMotionDelta, LIMITS.maxMotionDelta) &&
    isInt(v.buttons, 0, SPICE_MOUSE_BUTTON_MASK_MASK),
  mousePosition: (v): v is RequestMap['mousePosition'] =>
    isRecord(v) &&
    hasExactKeys(v, ['x', 'y', 'buttons']) &&
    isInt(v.x, 0, LIMITS.maxSurfaceEdge) &&
    isInt(v.y, 0, LIMITS.maxSurfaceEdge) &&
    isInt(v.buttons, 0, SPICE_MOUSE_BUTTON_MASK_MASK),
  mouseButton: (v): v is RequestMap['mouseButton'] =>
    isRecord(v) &&
    hasExactKeys(v, ['button', 'down', 'buttons']) &&
    isInt(v.button, SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_EXTRA) &&
    typeof v.down === 'boolean' &&
    isInt(v.buttons, 0, SPICE_MOUSE_BUTTON_MASK_MASK),
  requestMouseMode: (v): v is RequestMap['requestMouseMode'] =>
    isRecord(v) &&
    hasExactKeys(v, ['mode']) &&
    (v.mode === SPICE_MOUSE_MODE_SERVER || v.mode === SPICE_MOUSE_MODE_CLIENT),
  frameAck: (v): v is RequestMap['frameAck'] =>
    isRecord(v) && hasExactKeys(v, ['seq']) && isInt(v.seq, 0, Number.MAX_SAFE_INTEGER),
  command: (v): v is RequestMap['command'] =>
    isRecord(v) &&
    hasExactKeys(v, ['command']) &&
    typeof v.command === 'string' &&
    (VIEW_COMMANDS as readonly string[]).includes(v.command),
};

export function isRequestMethod(value: unknown): value is RequestMethod {
  return typeof value === 'string' && (REQUEST_METHODS as readonly string[]).includes(value);
}

/** Validates one request payload for `method`. */
export function isValidRequest<M extends RequestMethod>(
  method: M,
  payload: unknown,
): payload is RequestMap[M] {
  return REQUEST_GUARDS[method](payload);
}

/** Parses and validates a WebSocket text frame; undefined if it is not exactly one valid request. */
export function parseRequestEnvelope(
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
  if (!isRecord(value) || !hasExactKeys(value, ['method', 'payload'])) return undefined;
  const { method, payload } = value;
  if (!isRequestMethod(method) || !isValidRequest(method, payload)) return undefined;
  return { method, payload } as RequestEnvelope;
}
