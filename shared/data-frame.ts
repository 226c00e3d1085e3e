// The binary form of a contract object that carries bulk bytes in a `data` field (a file block, a clipboard image):
// the rest of the object as JSON, then the bytes as they are — no base64, no copy on the receiving side (`data` is a
// view into the frame). Used for such messages (session → page) and requests (page → session) on a WebSocket; the
// Electron port carries the objects as structured clones instead.
//
// Frame: tag u8 (DATA_FRAME_TAG), 3 zero bytes, jsonBytes u32 LE, the JSON (ASCII: every other character escaped),
// then the data.

/** The first byte of a data frame (port-codec.ts' binary tags 1 and 2 are damage and cursor frames). */
export const DATA_FRAME_TAG = 3;
export const DATA_FRAME_HEADER_BYTES = 8;
/** Largest JSON part accepted (the objects are small: ids, names, offsets). */
export const MAX_DATA_FRAME_JSON_BYTES = 64 * 1024;

/** JSON with every non-ASCII character escaped, so its bytes are its char codes. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Encodes `value` (its `data` field travels as raw bytes). */
export function encodeDataFrame(value: Record<string, unknown> & { data: Uint8Array }): Uint8Array {
  const { data, ...rest } = value;
  const json = asciiJson(rest);
  const out = new Uint8Array(DATA_FRAME_HEADER_BYTES + json.length + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, DATA_FRAME_TAG);
  view.setUint32(4, json.length, true);
  for (let i = 0; i < json.length; i++) out[DATA_FRAME_HEADER_BYTES + i] = json.charCodeAt(i);
  out.set(data, DATA_FRAME_HEADER_BYTES + json.length);
  return out;
}

/**
 * Decodes a data frame into its object with `data` a view of the frame's bytes; undefined when the frame is not one
 * (wrong tag, lengths that do not add up, JSON that is not an object or already has `data`). The caller still runs
 * the contract's guard on the result.
 */
export function decodeDataFrame(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.byteLength < DATA_FRAME_HEADER_BYTES || bytes[0] !== DATA_FRAME_TAG) return undefined;
  if (bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) return undefined;
  const jsonBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (jsonBytes > MAX_DATA_FRAME_JSON_BYTES || DATA_FRAME_HEADER_BYTES + jsonBytes > bytes.byteLength)
    return undefined;
  let json = '';
  for (let i = 0; i < jsonBytes; i++) {
    const b = bytes[DATA_FRAME_HEADER_BYTES + i]!;
    if (b > 0x7e) return undefined;
    json += String.fromCharCode(b);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, 'data')) return undefined;
  record.data = bytes.subarray(DATA_FRAME_HEADER_BYTES + jsonBytes);
  return record;
}

/** True if `value` carries its bulk bytes in `data` (and so travels as a data frame on a WebSocket). */
export function hasData(value: object): value is Record<string, unknown> & { data: Uint8Array } {
  return (value as { data?: unknown }).data instanceof Uint8Array;
}
