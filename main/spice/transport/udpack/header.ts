// The UDPack frame header (docs/udpack.md §2, as the handshake specification draws it): 16 bytes, big-endian.
//   0..3   session id: high 16 bits chosen by the client, low 16 by the gateway (0 until it has answered)
//   4..11  timestamp, milliseconds since the Unix epoch (u64)
//   12     flags: STRE 0x80, PACK 0x40, FRAG 0x20, reserved 0x1c (zero), SLOW 0x02, FIN 0x01
//   13     reserved high nibble (zero), OPCODE low nibble
//   14..15 payload length; the datagram is exactly header + payload
import { ProtocolError } from '../../errors';

export const HEADER_BYTES = 16;

export const FLAG_STRE = 0x80;
export const FLAG_PACK = 0x40;
export const FLAG_FRAG = 0x20;
export const FLAG_SLOW = 0x02;
export const FLAG_FIN = 0x01;
const FLAG_RESERVED = 0x1c;

/** A protected (AEAD) data-phase packet: packet number + ciphertext of records + tag. */
export const OPCODE_DATA = 0x1;
/** Client → gateway: RSA-encrypted [algorithm, key, iv, token]. */
export const OPCODE_HELLO = 0xa;
/** Gateway → client (code + the gateway's half of the session id), then client → gateway (code 0). */
export const OPCODE_HANDSHAKE = 0xb;

const KNOWN_OPCODES = new Set([OPCODE_DATA, OPCODE_HELLO, OPCODE_HANDSHAKE]);

/** The largest payload a 16-bit length can describe. */
export const MAX_PAYLOAD_BYTES = 0xffff;

export interface FrameHeader {
  sessionId: number;
  timestampMs: number;
  flags: number;
  opcode: number;
  payloadLength: number;
}

export interface Frame {
  header: FrameHeader;
  /** The 16 header bytes as received (the AEAD's associated data). */
  headerBytes: Uint8Array;
  /** A view into the datagram, not a copy. */
  payload: Uint8Array;
}

export function clientHalf(sessionId: number): number {
  return sessionId >>> 16;
}

export function gatewayHalf(sessionId: number): number {
  return sessionId & 0xffff;
}

export function joinSessionId(client: number, gateway: number): number {
  return (((client & 0xffff) << 16) | (gateway & 0xffff)) >>> 0;
}

export function formatSessionId(sessionId: number): string {
  return `0x${(sessionId >>> 0).toString(16).padStart(8, '0')}`;
}

/** Writes a header into `out` at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, header: FrameHeader): void {
  if (!KNOWN_OPCODES.has(header.opcode)) throw new RangeError(`unknown UDPack opcode ${header.opcode}`);
  if ((header.flags & ~0xff) !== 0 || (header.flags & FLAG_RESERVED) !== 0)
    throw new RangeError(`invalid UDPack flags 0x${header.flags.toString(16)}`);
  if (header.payloadLength < 0 || header.payloadLength > MAX_PAYLOAD_BYTES)
    throw new RangeError(`UDPack payload of ${header.payloadLength} bytes`);
  if (!Number.isSafeInteger(header.timestampMs) || header.timestampMs < 0)
    throw new RangeError(`invalid UDPack timestamp ${header.timestampMs}`);
  const view = new DataView(out.buffer, out.byteOffset + offset, HEADER_BYTES);
  view.setUint32(0, header.sessionId >>> 0);
  view.setBigUint64(4, BigInt(header.timestampMs));
  view.setUint8(12, header.flags);
  view.setUint8(13, header.opcode);
  view.setUint16(14, header.payloadLength);
}

/** A whole frame (header + payload) as one datagram. */
export function encodeFrame(header: Omit<FrameHeader, 'payloadLength'>, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, { ...header, payloadLength: payload.length });
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Parses one datagram. Throws ProtocolError for anything but a well-formed frame: short, reserved bits set,
 * unknown opcode, a length that disagrees with the datagram, a timestamp beyond 2^53.
 */
export function decodeFrame(datagram: Uint8Array): Frame {
  if (datagram.length < HEADER_BYTES)
    throw new ProtocolError(`UDPack datagram of ${datagram.length} bytes is shorter than a header`);
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const flags = view.getUint8(12);
  if ((flags & FLAG_RESERVED) !== 0) throw new ProtocolError('UDPack frame with reserved flag bits set');
  const opByte = view.getUint8(13);
  if ((opByte & 0xf0) !== 0) throw new ProtocolError('UDPack frame with reserved opcode bits set');
  const opcode = opByte & 0x0f;
  if (!KNOWN_OPCODES.has(opcode))
    throw new ProtocolError(`UDPack frame with unknown opcode 0x${opcode.toString(16)}`);
  const payloadLength = view.getUint16(14);
  if (payloadLength !== datagram.length - HEADER_BYTES)
    throw new ProtocolError(
      `UDPack payload length ${payloadLength} disagrees with the datagram (${datagram.length - HEADER_BYTES} bytes)`,
    );
  const timestamp = view.getBigUint64(4);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('UDPack timestamp out of range');
  return {
    header: {
      sessionId: view.getUint32(0),
      timestampMs: Number(timestamp),
      flags,
      opcode,
      payloadLength,
    },
    headerBytes: datagram.subarray(0, HEADER_BYTES),
    payload: datagram.subarray(HEADER_BYTES),
  };
}
