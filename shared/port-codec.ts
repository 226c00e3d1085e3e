// The WebSocket form of the contract's messages (contract.ts): pixels travel as binary frames (a small
// little-endian header + RGBA bytes), everything else as JSON text. The session process encodes (damage straight
// into its outgoing frame: damageFrame), `saffron web` forwards the frames as they are, and the page decodes
// (pixels stay a view into the received buffer). Decoding checks every length and runs the message guards.
// Binary message kinds are a table: a feature whose messages carry bulk data (audio, video frames) adds a tag.
import type { PortMessage, RequestEnvelope } from './contract';
import { AUDIO_DATA_REQUEST_METHODS, DATA_REQUEST_METHODS, LIMITS } from './contract';
import { parseRequest } from './contract-guards';
import { DATA_FRAME_TAG, decodeDataFrame, encodeDataFrame, hasData } from './data-frame';
import type { Rect } from './rect';
import type { CursorImage, CursorShapeMessage, DamageMessage, VideoFrameMessage } from './view-contract';
import { MESSAGE_GUARDS, isPortMessage } from './contract-guards';

/**
 * The first byte of every binary frame; `data`: any message with bulk bytes in `data` (data-frame.ts); `video-frame`:
 * an encoded video frame with its own header.
 */
export const BINARY_TAGS = { damage: 1, 'cursor-shape': 2, data: DATA_FRAME_TAG, 'video-frame': 4 } as const;

/**
 * A transport wrapper, not a message kind: tag u8, 3 pad, then a raw deflate stream (RFC 1951) of one binary frame
 * above. `saffron web` sends its binary frames this way (main/web/deflating-tab-socket.ts) and the page inflates
 * them before decoding (renderer/bridge/inflate-frame.ts): fewer bytes through Chromium's WebSocket, which is what
 * bounds frames/s into a page. decodePortMessage does not accept it (inflate first).
 */
export const DEFLATED_FRAME_TAG = 0xfd;
export const DEFLATED_HEADER_BYTES = 4;

/** True for a binary frame in the deflated wrapper. */
export function isDeflatedFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength >= DEFLATED_HEADER_BYTES && bytes[0] === DEFLATED_FRAME_TAG;
}

/** Largest inflated frame a page accepts: a damage frame of the largest surface. */
export const MAX_INFLATED_FRAME_BYTES = 20 + LIMITS.maxSurfaceEdge * LIMITS.maxSurfaceEdge * 4;

/** tag u8, 3 pad, left u32, top u32, width u32, height u32, then the RGBA rows. */
export const DAMAGE_HEADER_BYTES = 20;
/** tag u8, flags u8 (bit0: has cursor), 2 pad, width u16, height u16, hotX u16, hotY u16, then RGBA. */
export const CURSOR_HEADER_BYTES = 12;

/**
 * tag u8, channelId u8, streamId u16, delayMs i32, width u16, height u16, rect left/top/right/bottom i32, then the
 * encoded frame.
 */
export const VIDEO_FRAME_HEADER_BYTES = 28;

/** Writes a damage frame header for `rect` at `offset` of `bytes`; the pixels follow at offset + 20. */
export function writeDamageHeader(bytes: Uint8Array, offset: number, rect: Rect): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, DAMAGE_HEADER_BYTES);
  view.setUint32(0, BINARY_TAGS.damage, true); // tag + zero padding
  view.setUint32(4, rect.left, true);
  view.setUint32(8, rect.top, true);
  view.setUint32(12, rect.right - rect.left, true);
  view.setUint32(16, rect.bottom - rect.top, true);
}

function encodeDamage(m: DamageMessage): Uint8Array {
  const out = new Uint8Array(DAMAGE_HEADER_BYTES + m.pixels.byteLength);
  writeDamageHeader(out, 0, m.rect);
  out.set(m.pixels, DAMAGE_HEADER_BYTES);
  return out;
}

function encodeCursor(m: CursorShapeMessage): Uint8Array {
  const cursor = m.cursor;
  const out = new Uint8Array(CURSOR_HEADER_BYTES + (cursor ? cursor.pixels.byteLength : 0));
  const view = new DataView(out.buffer);
  view.setUint8(0, BINARY_TAGS['cursor-shape']);
  if (cursor) {
    view.setUint8(1, 1);
    view.setUint16(4, cursor.width, true);
    view.setUint16(6, cursor.height, true);
    view.setUint16(8, cursor.hotX, true);
    view.setUint16(10, cursor.hotY, true);
    out.set(cursor.pixels, CURSOR_HEADER_BYTES);
  }
  return out;
}

function encodeVideoFrame(m: VideoFrameMessage): Uint8Array {
  const out = new Uint8Array(VIDEO_FRAME_HEADER_BYTES + m.data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, BINARY_TAGS['video-frame']);
  view.setUint8(1, m.channelId);
  view.setUint16(2, m.streamId, true);
  view.setInt32(4, m.delayMs, true);
  view.setUint16(8, m.width, true);
  view.setUint16(10, m.height, true);
  view.setInt32(12, m.rect.left, true);
  view.setInt32(16, m.rect.top, true);
  view.setInt32(20, m.rect.right, true);
  view.setInt32(24, m.rect.bottom, true);
  out.set(m.data, VIDEO_FRAME_HEADER_BYTES);
  return out;
}

function decodeVideoFrame(bytes: Uint8Array, view: DataView): VideoFrameMessage | undefined {
  if (bytes.byteLength < VIDEO_FRAME_HEADER_BYTES) return undefined;
  const message: VideoFrameMessage = {
    kind: 'video-frame',
    channelId: view.getUint8(1),
    streamId: view.getUint16(2, true),
    delayMs: view.getInt32(4, true),
    width: view.getUint16(8, true),
    height: view.getUint16(10, true),
    rect: {
      left: view.getInt32(12, true),
      top: view.getInt32(16, true),
      right: view.getInt32(20, true),
      bottom: view.getInt32(24, true),
    },
    data: bytes.subarray(VIDEO_FRAME_HEADER_BYTES),
  };
  return MESSAGE_GUARDS['video-frame'](message) ? message : undefined;
}

/** Encodes one message: a string (JSON) or a Uint8Array (binary frame). */
export function encodePortMessage(message: PortMessage): string | Uint8Array {
  if (message.kind === 'damage') return encodeDamage(message);
  if (message.kind === 'cursor-shape') return encodeCursor(message);
  if (message.kind === 'video-frame') return encodeVideoFrame(message);
  if (hasData(message)) return encodeDataFrame(message);
  return JSON.stringify(message);
}

function decodeDamage(bytes: Uint8Array, view: DataView): DamageMessage | undefined {
  if (bytes.byteLength < DAMAGE_HEADER_BYTES) return undefined;
  const left = view.getUint32(4, true);
  const top = view.getUint32(8, true);
  const width = view.getUint32(12, true);
  const height = view.getUint32(16, true);
  const max = LIMITS.maxSurfaceEdge;
  if (width === 0 || height === 0 || width > max || height > max || left + width > max || top + height > max)
    return undefined;
  if (bytes.byteLength - DAMAGE_HEADER_BYTES !== width * height * 4) return undefined;
  return {
    kind: 'damage',
    rect: { left, top, right: left + width, bottom: top + height },
    pixels: bytes.subarray(DAMAGE_HEADER_BYTES),
  };
}

function decodeCursor(bytes: Uint8Array, view: DataView): CursorShapeMessage | undefined {
  if (bytes.byteLength < CURSOR_HEADER_BYTES) return undefined;
  if ((view.getUint8(1) & 1) === 0)
    return bytes.byteLength === CURSOR_HEADER_BYTES ? { kind: 'cursor-shape', cursor: null } : undefined;
  const width = view.getUint16(4, true);
  const height = view.getUint16(6, true);
  const hotX = view.getUint16(8, true);
  const hotY = view.getUint16(10, true);
  const max = LIMITS.maxCursorEdge;
  if (width === 0 || height === 0 || width > max || height > max || hotX >= width || hotY >= height)
    return undefined;
  if (bytes.byteLength - CURSOR_HEADER_BYTES !== width * height * 4) return undefined;
  const cursor: CursorImage = { width, height, hotX, hotY, pixels: bytes.subarray(CURSOR_HEADER_BYTES) };
  return { kind: 'cursor-shape', cursor };
}

function decodeBinary(bytes: Uint8Array): PortMessage | undefined {
  if (bytes.byteLength < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (view.getUint8(0)) {
    case BINARY_TAGS.damage:
      return decodeDamage(bytes, view);
    case BINARY_TAGS['cursor-shape']:
      return decodeCursor(bytes, view);
    case BINARY_TAGS.data: {
      const value = decodeDataFrame(bytes);
      return isPortMessage(value) ? value : undefined;
    }
    case BINARY_TAGS['video-frame']:
      return decodeVideoFrame(bytes, view);
    default:
      return undefined;
  }
}

/** Decodes a WebSocket frame (text or binary); undefined if it is not exactly one valid message. */
export function decodePortMessage(data: string | ArrayBuffer | Uint8Array): PortMessage | undefined {
  if (typeof data !== 'string') return decodeBinary(data instanceof Uint8Array ? data : new Uint8Array(data));
  if (data.length > LIMITS.maxVvTextLength) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  // Binary kinds never travel as JSON (their pixels would not survive it).
  if (
    !isPortMessage(value) ||
    value.kind === 'damage' ||
    value.kind === 'cursor-shape' ||
    value.kind === 'video-frame'
  )
    return undefined;
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Requests (page → session): JSON text, or a data frame for the methods that carry bulk bytes.

/** Encodes a request for a WebSocket: a data frame when its payload carries `data`, JSON text otherwise. */
export function encodeRequest(envelope: RequestEnvelope): string | Uint8Array {
  const payload = envelope.payload as object;
  if (!hasData(payload)) return JSON.stringify(envelope);
  const { data, ...rest } = payload;
  return encodeDataFrame({ method: envelope.method, payload: rest, data });
}

/** A request that arrived as a binary WebSocket frame; undefined unless exactly one valid data request. */
export function parseRequestFrame(bytes: Uint8Array): RequestEnvelope | undefined {
  const value = decodeDataFrame(bytes);
  const methods: readonly unknown[] = [...DATA_REQUEST_METHODS, ...AUDIO_DATA_REQUEST_METHODS];
  if (!value || !methods.includes(value.method)) return undefined;
  const { method, payload, data } = value;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || 'data' in payload)
    return undefined;
  return parseRequest({ method, payload: { ...payload, data } });
}
