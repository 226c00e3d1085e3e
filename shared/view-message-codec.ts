// The WebSocket form of the view messages of shared/ipc.ts: pixels travel as binary frames (a small
// little-endian header + RGBA bytes), everything else as JSON text. Used by the `saffron web` server (encode)
// and the renderer's WebSocket bridge (decode). Decoding checks every length; bad frames give undefined.
import { LIMITS, VIEW_COMMANDS } from './ipc';
import type { CursorImage, ViewMessage } from './ipc';

const BINARY_DAMAGE = 1;
const BINARY_CURSOR = 2;
/** type u8, 3 pad, left u32, top u32, width u32, height u32. */
export const DAMAGE_HEADER_BYTES = 20;
/** type u8, flags u8 (bit0: has cursor), 2 pad, width u16, height u16, hotX u16, hotY u16. */
export const CURSOR_HEADER_BYTES = 12;
const MAX_CURSOR_EDGE = 1024;

/** Encodes one message: a string (JSON) or a Uint8Array (binary frame). */
export function encodeViewMessage(message: ViewMessage): string | Uint8Array {
  if (message.kind === 'damage') {
    const out = new Uint8Array(DAMAGE_HEADER_BYTES + message.pixels.byteLength);
    const view = new DataView(out.buffer);
    view.setUint8(0, BINARY_DAMAGE);
    const { left, top, right, bottom } = message.rect;
    view.setUint32(4, left, true);
    view.setUint32(8, top, true);
    view.setUint32(12, right - left, true);
    view.setUint32(16, bottom - top, true);
    out.set(new Uint8Array(message.pixels), DAMAGE_HEADER_BYTES);
    return out;
  }
  if (message.kind === 'cursor-shape') {
    const cursor = message.cursor;
    const out = new Uint8Array(CURSOR_HEADER_BYTES + (cursor ? cursor.pixels.byteLength : 0));
    const view = new DataView(out.buffer);
    view.setUint8(0, BINARY_CURSOR);
    if (cursor) {
      view.setUint8(1, 1);
      view.setUint16(4, cursor.width, true);
      view.setUint16(6, cursor.height, true);
      view.setUint16(8, cursor.hotX, true);
      view.setUint16(10, cursor.hotY, true);
      out.set(new Uint8Array(cursor.pixels), CURSOR_HEADER_BYTES);
    }
    return out;
  }
  return JSON.stringify(message);
}

function decodeBinary(bytes: Uint8Array): ViewMessage | undefined {
  if (bytes.byteLength < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  if (type === BINARY_DAMAGE) {
    if (bytes.byteLength < DAMAGE_HEADER_BYTES) return undefined;
    const x = view.getUint32(4, true);
    const y = view.getUint32(8, true);
    const width = view.getUint32(12, true);
    const height = view.getUint32(16, true);
    const max = LIMITS.maxSurfaceEdge;
    if (width === 0 || height === 0 || width > max || height > max || x + width > max || y + height > max)
      return undefined;
    if (bytes.byteLength - DAMAGE_HEADER_BYTES !== width * height * 4) return undefined;
    const pixels = bytes.slice(DAMAGE_HEADER_BYTES).buffer;
    return { kind: 'damage', rect: { left: x, top: y, right: x + width, bottom: y + height }, pixels };
  }
  if (type === BINARY_CURSOR) {
    if (bytes.byteLength < CURSOR_HEADER_BYTES) return undefined;
    if ((view.getUint8(1) & 1) === 0)
      return bytes.byteLength === CURSOR_HEADER_BYTES ? { kind: 'cursor-shape', cursor: null } : undefined;
    const width = view.getUint16(4, true);
    const height = view.getUint16(6, true);
    const hotX = view.getUint16(8, true);
    const hotY = view.getUint16(10, true);
    if (width === 0 || height === 0 || width > MAX_CURSOR_EDGE || height > MAX_CURSOR_EDGE) return undefined;
    if (bytes.byteLength - CURSOR_HEADER_BYTES !== width * height * 4) return undefined;
    const cursor: CursorImage = {
      width,
      height,
      hotX,
      hotY,
      pixels: bytes.slice(CURSOR_HEADER_BYTES).buffer,
    };
    return { kind: 'cursor-shape', cursor };
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Shape check of a JSON view message (the sender is our own server; this guards against version skew). */
function isJsonViewMessage(v: Record<string, unknown>): boolean {
  switch (v.kind) {
    case 'status':
      return isStr(v.state) && isStr(v.message) && typeof v.canReconnect === 'boolean';
    case 'view':
      return isNum(v.monitor) && isStr(v.title) && (v.shell === 'electron' || v.shell === 'web');
    case 'surface':
      return (
        isNum(v.width) &&
        isNum(v.height) &&
        v.width <= LIMITS.maxSurfaceEdge &&
        v.height <= LIMITS.maxSurfaceEdge
      );
    case 'frame-end':
      return isNum(v.seq);
    case 'cursor-state':
      return isNum(v.x) && isNum(v.y) && typeof v.visible === 'boolean';
    case 'mouse-mode':
      return isNum(v.mode) && isNum(v.supported);
    case 'modifiers':
      return isNum(v.modifiers);
    case 'command':
      return isStr(v.command) && (VIEW_COMMANDS as readonly string[]).includes(v.command);
    case 'recent':
      return Array.isArray(v.entries);
    case 'notice':
      return isStr(v.level) && isStr(v.message);
    default:
      return false;
  }
}

/** Decodes a WebSocket frame (text or binary); undefined if malformed. */
export function decodeViewMessage(data: string | ArrayBuffer | Uint8Array): ViewMessage | undefined {
  if (typeof data !== 'string') return decodeBinary(data instanceof Uint8Array ? data : new Uint8Array(data));
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isJsonViewMessage(value)) return undefined;
  return value as unknown as ViewMessage;
}
