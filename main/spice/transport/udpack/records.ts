// The records inside a protected UDPack packet (docs/udpack.md §4): QUIC-style frames with QUIC variable-length
// integers. A packet's body is a sequence of records; the header's flags summarise it (STRE: stream data,
// PACK: an ACK, FRAG: a stream fragment that does not end its write unit, FIN: a stream end or a session CLOSE)
// and must agree with it. Every length is checked; stream data is a view into the decrypted body.
import { ProtocolError } from '../../errors';
import { FLAG_FIN, FLAG_FRAG, FLAG_PACK, FLAG_STRE } from './header';

export const REC_PADDING = 0x00;
export const REC_ACK = 0x01;
export const REC_STREAM = 0x02;
export const REC_MAX_DATA = 0x03;
export const REC_MAX_STREAM_DATA = 0x04;
export const REC_RESET_STREAM = 0x05;
export const REC_PING = 0x06;
export const REC_PATH_CHALLENGE = 0x07;
export const REC_PATH_RESPONSE = 0x08;
export const REC_CLOSE = 0x09;

/** STREAM record flags. */
export const STREAM_FIN = 0x01;
export const STREAM_FRAG = 0x02;
/** The record opens the stream and carries its priority byte (sent with offset 0). */
export const STREAM_OPEN = 0x04;

export const MAX_ACK_RANGES = 32;
export const MAX_REASON_BYTES = 256;
export const PATH_DATA_BYTES = 8;
/** Largest value a varint may carry here (QUIC allows 2^62; numbers stay exact up to 2^53). */
const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** An acknowledged packet-number range, inclusive. Ranges are listed from the highest down. */
export interface AckRange {
  first: number;
  last: number;
}

export type UdpackRecord =
  | { type: 'ack'; ranges: AckRange[]; ackDelayUs: number }
  | {
      type: 'stream';
      streamId: number;
      offset: number;
      data: Uint8Array;
      fin: boolean;
      frag: boolean;
      /** Present on the opening record (offset 0): the stream's scheduling priority. */
      priority?: number;
    }
  | { type: 'max-data'; max: number }
  | { type: 'max-stream-data'; streamId: number; max: number }
  | { type: 'reset-stream'; streamId: number; code: number; reason: string }
  | { type: 'ping' }
  | { type: 'path-challenge'; data: Uint8Array }
  | { type: 'path-response'; data: Uint8Array }
  | { type: 'close'; code: number; reason: string };

export function varintSize(value: number): number {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/** A growable-by-the-caller writer over a fixed buffer: the packet builder sizes records before writing them. */
export class RecordWriter {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  u8(value: number): this {
    this.bytes[this.pos++] = value & 0xff;
    return this;
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint ${value}`);
    const size = varintSize(value);
    const b = this.bytes;
    let p = this.pos;
    if (size === 1) b[p++] = value;
    else if (size === 2) {
      b[p++] = 0x40 | (value >>> 8);
      b[p++] = value & 0xff;
    } else if (size === 4) {
      b[p++] = 0x80 | (value >>> 24);
      b[p++] = (value >>> 16) & 0xff;
      b[p++] = (value >>> 8) & 0xff;
      b[p++] = value & 0xff;
    } else {
      const high = Math.floor(value / 2 ** 32);
      const low = value >>> 0;
      b[p++] = 0xc0 | (high >>> 24);
      b[p++] = (high >>> 16) & 0xff;
      b[p++] = (high >>> 8) & 0xff;
      b[p++] = high & 0xff;
      b[p++] = low >>> 24;
      b[p++] = (low >>> 16) & 0xff;
      b[p++] = (low >>> 8) & 0xff;
      b[p++] = low & 0xff;
    }
    this.pos = p;
    return this;
  }

  raw(data: Uint8Array): this {
    this.bytes.set(data, this.pos);
    this.pos += data.length;
    return this;
  }
}

class RecordReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  u8(what: string): number {
    if (this.pos >= this.bytes.length) throw new ProtocolError(`UDPack record truncated at ${what}`);
    return this.bytes[this.pos++]!;
  }

  varint(what: string): number {
    const first = this.u8(what);
    const size = 1 << (first >>> 6);
    let value = first & 0x3f;
    if (this.pos + size - 1 > this.bytes.length)
      throw new ProtocolError(`UDPack record truncated at ${what}`);
    for (let i = 1; i < size; i++) value = value * 256 + this.bytes[this.pos++]!;
    if (value > MAX_VARINT) throw new ProtocolError(`UDPack ${what} ${value} is out of range`);
    return value;
  }

  take(n: number, what: string): Uint8Array {
    if (n > this.bytes.length - this.pos) throw new ProtocolError(`UDPack record truncated at ${what}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  text(what: string): string {
    const n = this.varint(`${what} length`);
    if (n > MAX_REASON_BYTES) throw new ProtocolError(`UDPack ${what} of ${n} bytes is too long`);
    return Buffer.from(this.take(n, what)).toString('utf8');
  }
}

function decodeAck(r: RecordReader): UdpackRecord {
  const largest = r.varint('ack largest');
  const ackDelayUs = r.varint('ack delay');
  const extra = r.varint('ack range count');
  if (extra + 1 > MAX_ACK_RANGES) throw new ProtocolError(`UDPack ACK with ${extra + 1} ranges`);
  const firstLength = r.varint('ack first range');
  if (firstLength > largest) throw new ProtocolError('UDPack ACK range below packet number 0');
  const ranges: AckRange[] = [{ first: largest - firstLength, last: largest }];
  let smallest = largest - firstLength;
  for (let i = 0; i < extra; i++) {
    const gap = r.varint('ack gap');
    const length = r.varint('ack range');
    // Same arithmetic as QUIC: the next range ends gap+2 below the previous range's smallest number.
    const last = smallest - gap - 2;
    const first = last - length;
    if (last < 0 || first < 0) throw new ProtocolError('UDPack ACK range below packet number 0');
    ranges.push({ first, last });
    smallest = first;
  }
  return { type: 'ack', ranges, ackDelayUs };
}

function decodeOne(r: RecordReader, type: number): UdpackRecord | null {
  switch (type) {
    case REC_PADDING:
      return null;
    case REC_ACK:
      return decodeAck(r);
    case REC_STREAM: {
      const streamId = r.varint('stream id');
      const flags = r.u8('stream flags');
      if ((flags & ~(STREAM_FIN | STREAM_FRAG | STREAM_OPEN)) !== 0)
        throw new ProtocolError(`UDPack STREAM record with unknown flags 0x${flags.toString(16)}`);
      const priority = flags & STREAM_OPEN ? r.u8('stream priority') : undefined;
      const offset = r.varint('stream offset');
      const length = r.varint('stream length');
      if (priority !== undefined && offset !== 0)
        throw new ProtocolError('UDPack STREAM record opens a stream at a non-zero offset');
      if (offset + length > MAX_VARINT) throw new ProtocolError('UDPack stream offset out of range');
      const data = r.take(length, 'stream data');
      const fin = (flags & STREAM_FIN) !== 0;
      const frag = (flags & STREAM_FRAG) !== 0;
      if (fin && frag) throw new ProtocolError('UDPack STREAM record with both FIN and FRAG');
      if (!fin && length === 0 && priority === undefined)
        throw new ProtocolError('UDPack empty STREAM record without FIN');
      return priority === undefined
        ? { type: 'stream', streamId, offset, data, fin, frag }
        : { type: 'stream', streamId, offset, data, fin, frag, priority };
    }
    case REC_MAX_DATA:
      return { type: 'max-data', max: r.varint('max data') };
    case REC_MAX_STREAM_DATA:
      return { type: 'max-stream-data', streamId: r.varint('stream id'), max: r.varint('max stream data') };
    case REC_RESET_STREAM:
      return {
        type: 'reset-stream',
        streamId: r.varint('stream id'),
        code: r.varint('reset code'),
        reason: r.text('reset reason'),
      };
    case REC_PING:
      return { type: 'ping' };
    case REC_PATH_CHALLENGE:
      return { type: 'path-challenge', data: r.take(PATH_DATA_BYTES, 'path challenge') };
    case REC_PATH_RESPONSE:
      return { type: 'path-response', data: r.take(PATH_DATA_BYTES, 'path response') };
    case REC_CLOSE:
      return { type: 'close', code: r.varint('close code'), reason: r.text('close reason') };
    default:
      throw new ProtocolError(`UDPack record of unknown type 0x${type.toString(16)}`);
  }
}

/** Largest number of records one packet may hold (bounds the work per datagram). */
export const MAX_RECORDS_PER_PACKET = 256;

/**
 * Parses a decrypted packet body and checks it against the header flags. Throws ProtocolError when the body is
 * malformed, empty, or disagrees with the flags.
 */
export function decodeRecords(body: Uint8Array, headerFlags: number): UdpackRecord[] {
  const r = new RecordReader(body);
  const out: UdpackRecord[] = [];
  let stre = false;
  let pack = false;
  let frag = false;
  let fin = false;
  while (!r.done) {
    const record = decodeOne(r, r.u8('record type'));
    if (!record) continue;
    if (out.length >= MAX_RECORDS_PER_PACKET) throw new ProtocolError('UDPack packet with too many records');
    if (record.type === 'stream') {
      stre = true;
      frag ||= record.frag;
      fin ||= record.fin;
    } else if (record.type === 'ack') {
      if (pack) throw new ProtocolError('UDPack packet with two ACK records');
      pack = true;
    } else if (record.type === 'close') fin = true;
    out.push(record);
  }
  const expected =
    (stre ? FLAG_STRE : 0) | (pack ? FLAG_PACK : 0) | (frag ? FLAG_FRAG : 0) | (fin ? FLAG_FIN : 0);
  const mask = FLAG_STRE | FLAG_PACK | FLAG_FRAG | FLAG_FIN;
  if ((headerFlags & mask) !== expected)
    throw new ProtocolError(
      `UDPack header flags 0x${headerFlags.toString(16)} disagree with the packet's records (0x${expected.toString(16)})`,
    );
  return out;
}

/** The header flags a list of records implies (SLOW is added by the sender separately). */
export function flagsFor(records: readonly UdpackRecord[]): number {
  let flags = 0;
  for (const record of records) {
    if (record.type === 'stream') {
      flags |= FLAG_STRE;
      if (record.frag) flags |= FLAG_FRAG;
      if (record.fin) flags |= FLAG_FIN;
    } else if (record.type === 'ack') flags |= FLAG_PACK;
    else if (record.type === 'close') flags |= FLAG_FIN;
  }
  return flags;
}

function textBytes(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > MAX_REASON_BYTES ? bytes.subarray(0, MAX_REASON_BYTES) : bytes;
}

/** Bytes `record` takes when encoded. */
export function recordSize(record: UdpackRecord): number {
  switch (record.type) {
    case 'ack': {
      const [top, ...rest] = record.ranges;
      if (!top) throw new RangeError('ACK without ranges');
      let size = 1 + varintSize(top.last) + varintSize(record.ackDelayUs) + varintSize(rest.length);
      size += varintSize(top.last - top.first);
      let smallest = top.first;
      for (const range of rest) {
        size += varintSize(smallest - range.last - 2) + varintSize(range.last - range.first);
        smallest = range.first;
      }
      return size;
    }
    case 'stream':
      return (
        1 +
        varintSize(record.streamId) +
        1 +
        (record.priority !== undefined ? 1 : 0) +
        varintSize(record.offset) +
        varintSize(record.data.length) +
        record.data.length
      );
    case 'max-data':
      return 1 + varintSize(record.max);
    case 'max-stream-data':
      return 1 + varintSize(record.streamId) + varintSize(record.max);
    case 'reset-stream': {
      const n = textBytes(record.reason).length;
      return 1 + varintSize(record.streamId) + varintSize(record.code) + varintSize(n) + n;
    }
    case 'ping':
      return 1;
    case 'path-challenge':
    case 'path-response':
      return 1 + PATH_DATA_BYTES;
    case 'close': {
      const n = textBytes(record.reason).length;
      return 1 + varintSize(record.code) + varintSize(n) + n;
    }
  }
}

export function writeRecord(w: RecordWriter, record: UdpackRecord): void {
  switch (record.type) {
    case 'ack': {
      const [top, ...rest] = record.ranges;
      if (!top) throw new RangeError('ACK without ranges');
      w.u8(REC_ACK)
        .varint(top.last)
        .varint(record.ackDelayUs)
        .varint(rest.length)
        .varint(top.last - top.first);
      let smallest = top.first;
      for (const range of rest) {
        w.varint(smallest - range.last - 2).varint(range.last - range.first);
        smallest = range.first;
      }
      return;
    }
    case 'stream': {
      const flags =
        (record.fin ? STREAM_FIN : 0) |
        (record.frag ? STREAM_FRAG : 0) |
        (record.priority !== undefined ? STREAM_OPEN : 0);
      w.u8(REC_STREAM).varint(record.streamId).u8(flags);
      if (record.priority !== undefined) w.u8(record.priority);
      w.varint(record.offset).varint(record.data.length).raw(record.data);
      return;
    }
    case 'max-data':
      w.u8(REC_MAX_DATA).varint(record.max);
      return;
    case 'max-stream-data':
      w.u8(REC_MAX_STREAM_DATA).varint(record.streamId).varint(record.max);
      return;
    case 'reset-stream': {
      const text = textBytes(record.reason);
      w.u8(REC_RESET_STREAM).varint(record.streamId).varint(record.code).varint(text.length).raw(text);
      return;
    }
    case 'ping':
      w.u8(REC_PING);
      return;
    case 'path-challenge':
      w.u8(REC_PATH_CHALLENGE).raw(record.data.subarray(0, PATH_DATA_BYTES));
      return;
    case 'path-response':
      w.u8(REC_PATH_RESPONSE).raw(record.data.subarray(0, PATH_DATA_BYTES));
      return;
    case 'close': {
      const text = textBytes(record.reason);
      w.u8(REC_CLOSE).varint(record.code).varint(text.length).raw(text);
      return;
    }
  }
}

/** Encodes records into a new body buffer (tests and simple callers; the connection writes in place). */
export function encodeRecords(records: readonly UdpackRecord[], padTo = 0): Uint8Array {
  let size = 0;
  for (const record of records) size += recordSize(record);
  const out = new Uint8Array(Math.max(size, padTo));
  const w = new RecordWriter(out);
  for (const record of records) writeRecord(w, record);
  return out;
}
