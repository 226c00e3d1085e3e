// Guest agent message payloads (vd_agent.h) ⇄ bytes, pure. The optional clipboard prefixes depend on negotiated
// capabilities: {u8 selection, u8 reserved[3]} with CLIPBOARD_SELECTION, and a u32 serial in GRAB with
// CLIPBOARD_GRAB_SERIAL (REFERENCES G28). Every decoder checks every length and throws ProtocolError.
import { ProtocolError } from '../errors';
import { SpiceReader } from '../wire/reader';
import { SpiceWriter } from '../wire/writer';
import {
  VD_AGENT_FILE_XFER_STATUS_ERROR,
  VD_AGENT_FILE_XFER_STATUS_ERROR_GLIB_IO,
  VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE,
  VD_AGENT_MESSAGE_HEADER_BYTES,
  VD_AGENT_PROTOCOL,
} from './vd-agent';

/** The 20-byte VDAgentMessage header that precedes every payload. */
export function encodeVdAgentMessageHeader(type: number, sizeBytes: number): Uint8Array {
  return new SpiceWriter(VD_AGENT_MESSAGE_HEADER_BYTES)
    .u32(VD_AGENT_PROTOCOL)
    .u32(type)
    .u64(0)
    .u32(sizeBytes)
    .finish();
}

export interface VdAgentMessageHeader {
  protocol: number;
  type: number;
  opaque: bigint;
  size: number;
}

export function decodeVdAgentMessageHeader(bytes: Uint8Array): VdAgentMessageHeader {
  const r = new SpiceReader(bytes);
  return { protocol: r.u32(), type: r.u32(), opaque: r.u64(), size: r.u32() };
}

/** Capability words kept from an announce (vd_agent.h defines 18 caps; a hostile peer may send thousands). */
const MAX_CAP_WORDS = 8;

export interface VDAgentAnnounceCapabilities {
  request: boolean;
  caps: Uint32Array;
}

export function encodeAnnounceCapabilities(request: boolean, caps: readonly number[]): Uint8Array {
  const w = new SpiceWriter(4 + caps.length * 4).u32(request ? 1 : 0);
  for (const word of caps) w.u32(word);
  return w.finish();
}

export function decodeAnnounceCapabilities(payload: Uint8Array): VDAgentAnnounceCapabilities {
  const r = new SpiceReader(payload);
  const request = r.u32() !== 0;
  const words = Math.min(Math.floor(r.remaining / 4), MAX_CAP_WORDS);
  const caps = new Uint32Array(words);
  for (let i = 0; i < words; i++) caps[i] = r.u32();
  return { request, caps };
}

/** Which optional clipboard fields are on the wire (both sides announced the capability). */
export interface ClipboardWireOptions {
  selectionPrefix: boolean;
  grabSerial: boolean;
}

function writeSelection(w: SpiceWriter, options: ClipboardWireOptions, selection: number): void {
  if (options.selectionPrefix) w.u8(selection).zeros(3);
}

function readSelection(r: SpiceReader, options: ClipboardWireOptions): number {
  if (!options.selectionPrefix) return 0;
  const selection = r.u8();
  r.skip(3);
  return selection;
}

export interface VDAgentClipboardGrab {
  selection: number;
  /** Present only with CLIPBOARD_GRAB_SERIAL. */
  serial: number | null;
  types: number[];
}

/** Clipboard types kept from one grab (vd_agent.h defines 6; the rest of a longer list is ignored). */
const MAX_GRAB_TYPES = 64;

export function encodeClipboardGrab(options: ClipboardWireOptions, grab: VDAgentClipboardGrab): Uint8Array {
  const w = new SpiceWriter(12 + grab.types.length * 4);
  writeSelection(w, options, grab.selection);
  if (options.grabSerial) w.u32(grab.serial ?? 0);
  for (const type of grab.types) w.u32(type);
  return w.finish();
}

export function decodeClipboardGrab(
  payload: Uint8Array,
  options: ClipboardWireOptions,
): VDAgentClipboardGrab {
  const r = new SpiceReader(payload);
  const selection = readSelection(r, options);
  const serial = options.grabSerial ? r.u32() : null;
  const count = Math.min(Math.floor(r.remaining / 4), MAX_GRAB_TYPES);
  const types: number[] = [];
  for (let i = 0; i < count; i++) types.push(r.u32());
  return { selection, serial, types };
}

export interface VDAgentClipboardRequest {
  selection: number;
  type: number;
}

export function encodeClipboardRequest(
  options: ClipboardWireOptions,
  request: VDAgentClipboardRequest,
): Uint8Array {
  const w = new SpiceWriter(8);
  writeSelection(w, options, request.selection);
  return w.u32(request.type).finish();
}

export function decodeClipboardRequest(
  payload: Uint8Array,
  options: ClipboardWireOptions,
): VDAgentClipboardRequest {
  const r = new SpiceReader(payload);
  const selection = readSelection(r, options);
  return { selection, type: r.u32() };
}

export function encodeClipboardRelease(options: ClipboardWireOptions, selection: number): Uint8Array {
  const w = new SpiceWriter(4);
  writeSelection(w, options, selection);
  return w.finish();
}

export function decodeClipboardRelease(payload: Uint8Array, options: ClipboardWireOptions): number {
  return readSelection(new SpiceReader(payload), options);
}

/** VD_AGENT_CLIPBOARD without its data: the prefix to put in front of the data bytes. */
export function encodeClipboardHeader(
  options: ClipboardWireOptions,
  selection: number,
  type: number,
): Uint8Array {
  const w = new SpiceWriter(8);
  writeSelection(w, options, selection);
  return w.u32(type).finish();
}

export function clipboardHeaderBytes(options: ClipboardWireOptions): number {
  return options.selectionPrefix ? 8 : 4;
}

export interface VDAgentClipboard {
  selection: number;
  type: number;
  /** A view into the payload (not a copy). */
  data: Uint8Array;
}

export function decodeClipboard(payload: Uint8Array, options: ClipboardWireOptions): VDAgentClipboard {
  const r = new SpiceReader(payload);
  const selection = readSelection(r, options);
  const type = r.u32();
  return { selection, type, data: r.rest() };
}

export function encodeMaxClipboard(maxBytes: number): Uint8Array {
  return new SpiceWriter(4).i32(maxBytes).finish();
}

export interface VDAgentReply {
  type: number;
  error: number;
}

export function decodeReply(payload: Uint8Array): VDAgentReply {
  const r = new SpiceReader(payload);
  return { type: r.u32(), error: r.u32() };
}

// ---- file transfer ----

/** GKeyFile string escaping (g_key_file_set_string): backslash, newline, CR, tab, and a leading space. */
export function escapeKeyFileValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === ' ' && i === 0) out += '\\s';
    else out += c;
  }
  return out;
}

/** FILE_XFER_START: u32 id, then a NUL-terminated GKeyFile text naming the file and its size (G29). */
export function encodeFileXferStart(id: number, name: string, sizeBytes: number): Uint8Array {
  const text = `[vdagent-file-xfer]\nname=${escapeKeyFileValue(name)}\nsize=${sizeBytes}\n`;
  const utf8 = new TextEncoder().encode(text);
  return new SpiceWriter(4 + utf8.length + 1).u32(id).bytes(utf8).u8(0).finish();
}

/** Bytes of VDAgentFileXferDataMessage before the data: u32 id, u64 size. */
export const FILE_XFER_DATA_HEADER_BYTES = 12;

export function encodeFileXferDataHeader(id: number, sizeBytes: number): Uint8Array {
  return new SpiceWriter(FILE_XFER_DATA_HEADER_BYTES).u32(id).u64(sizeBytes).finish();
}

export function encodeFileXferStatus(id: number, result: number): Uint8Array {
  return new SpiceWriter(8).u32(id).u32(result).finish();
}

export interface VDAgentFileXferStatus {
  id: number;
  result: number;
  /** NOT_ENOUGH_SPACE detail (FILE_XFER_DETAILED_ERRORS): the guest's free space. */
  freeBytes: number | null;
  /** ERROR detail (FILE_XFER_DETAILED_ERRORS): a G_IO_ERROR_* code when error_type is GLIB_IO. */
  ioErrorCode: number | null;
}

export function decodeFileXferStatus(payload: Uint8Array, detailed: boolean): VDAgentFileXferStatus {
  const r = new SpiceReader(payload);
  const id = r.u32();
  const result = r.u32();
  let freeBytes: number | null = null;
  let ioErrorCode: number | null = null;
  // Detail is present only when negotiated "and the size of the message can contain it" (vd_agent.h).
  if (detailed && result === VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE && r.remaining >= 8) {
    const free = r.u64();
    freeBytes = free > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(free);
  } else if (detailed && result === VD_AGENT_FILE_XFER_STATUS_ERROR && r.remaining >= 5) {
    const errorType = r.u8();
    const code = r.u32();
    if (errorType === VD_AGENT_FILE_XFER_STATUS_ERROR_GLIB_IO) ioErrorCode = code;
  }
  return { id, result, freeBytes, ioErrorCode };
}

/** Throws unless `payload` is at least `bytes` long (for messages whose decoder reads nothing else). */
export function requirePayload(payload: Uint8Array, bytes: number, what: string): void {
  if (payload.length < bytes) throw new ProtocolError(`${what}: ${payload.length} bytes, need ${bytes}`);
}
