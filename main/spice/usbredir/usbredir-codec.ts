// usbredir byte stream ⇄ packets. UsbredirParser takes the peer's bytes in any chunking and yields complete,
// validated packets; encodeUsbredirPacket writes one of ours. Both follow the negotiated wire layout (32/64-bit ids,
// optional header fields), which the caller switches after the hello exchange. Every length is checked against
// the packet type, the direction and a memory budget: a malformed packet throws ProtocolError and the stream is
// not usable afterwards (the caller drops the channel).
import { ProtocolError } from '../errors';
import * as P from './usbredir-proto';
import type { UsbredirWire } from './usbredir-proto';
import {
  carriesTransferData,
  mayCarryData,
  maySend,
  typeHeaderBytes,
  type UsbredirPacket,
  type UsbredirRole,
} from './usbredir-packets';

/** Default ceiling for one packet from the peer (type header + data): bulk OUT data is the only big part. */
export const USBREDIR_DEFAULT_MAX_PACKET_BYTES = 32 * 1024 * 1024 + 1024;

export interface UsbredirParserOptions {
  /** Our role; the parser accepts the packets the *other* role sends. */
  role: UsbredirRole;
  maxPacketBytes?: number;
}

const EMPTY = new Uint8Array(0);

/** Splits the peer's byte stream into packets. Retained bytes are copied: pushed chunks may be reused afterwards. */
export class UsbredirParser {
  readonly role: UsbredirRole;
  private readonly peer: UsbredirRole;
  private readonly maxPacketBytes: number;
  private wire: UsbredirWire = P.USB_REDIR_WIRE_BASE;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private broken = false;

  constructor(options: UsbredirParserOptions) {
    this.role = options.role;
    this.peer = options.role === 'host' ? 'guest' : 'host';
    this.maxPacketBytes = options.maxPacketBytes ?? USBREDIR_DEFAULT_MAX_PACKET_BYTES;
  }

  /** Switches the layout (after the hellos); applies to the packets not yet returned by next(). */
  setWire(wire: UsbredirWire): void {
    this.wire = wire;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (this.broken || chunk.length === 0) return;
    // A copy, as a plain Uint8Array (Buffer#slice would be a view): pushed chunks may be reused by the caller.
    this.chunks.push(new Uint8Array(chunk));
    this.buffered += chunk.length;
  }

  /** The next complete packet, or null when more bytes are needed. Throws ProtocolError on a malformed packet. */
  next(): UsbredirPacket | null {
    if (this.broken) throw new ProtocolError('usbredir: the stream is unusable after an earlier error');
    const headerBytes = this.wire.ids64 ? 16 : 12;
    if (this.buffered < headerBytes) return null;
    const head = this.peek(headerBytes);
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const type = dv.getUint32(0, true);
    const length = dv.getUint32(4, true);
    try {
      const typeHeader = this.checkHeader(type, length);
      if (this.buffered < headerBytes + length) return null;
      const id = this.wire.ids64 ? dv.getBigUint64(8, true) : BigInt(dv.getUint32(8, true));
      this.consume(headerBytes);
      const body = this.take(length);
      return this.decode(type, id, body, typeHeader);
    } catch (e) {
      this.broken = true;
      this.chunks = [];
      this.buffered = 0;
      throw e;
    }
  }

  private checkHeader(type: number, length: number): number {
    const typeHeader = typeHeaderBytes(type, this.wire);
    if (typeHeader < 0) throw new ProtocolError(`usbredir: unknown packet type ${type}`);
    if (!maySend(type, this.peer))
      throw new ProtocolError(`usbredir: packet type ${type} may not be sent by the usb-${this.peer}`);
    if (length < typeHeader)
      throw new ProtocolError(`usbredir: packet type ${type} is ${length} bytes, shorter than its header`);
    if (length > this.maxPacketBytes)
      throw new ProtocolError(
        `usbredir: packet of ${length} bytes exceeds the ${this.maxPacketBytes}-byte limit`,
      );
    if (length > typeHeader && !mayCarryData(type))
      throw new ProtocolError(
        `usbredir: packet type ${type} carries ${length - typeHeader} unexpected bytes`,
      );
    return typeHeader;
  }

  /** The first n buffered bytes, without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = Math.min(c.length, n - at);
      out.set(c.subarray(0, part), at);
      at += part;
      if (at === n) break;
    }
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        this.chunks.shift();
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  private take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const out = this.peek(n);
    this.consume(n);
    return out;
  }

  private decode(type: number, id: bigint, body: Uint8Array, typeHeader: number): UsbredirPacket {
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const data = body.subarray(typeHeader);
    switch (type) {
      case P.usb_redir_hello: {
        const raw = body.subarray(0, P.USB_REDIR_VERSION_BYTES);
        const nul = raw.indexOf(0);
        const version = Buffer.from(raw.subarray(0, nul < 0 ? raw.length : nul)).toString('latin1');
        const capabilities: number[] = [];
        // Only the words we know are kept (libusbredirparser keeps USB_REDIR_CAPS_SIZE words).
        for (let at = 0; at + 4 <= data.length && capabilities.length < 1; at += 4)
          capabilities.push(dv.getUint32(typeHeader + at, true));
        return { type, id, version, capabilities };
      }
      case P.usb_redir_device_connect:
        return {
          type,
          id,
          speed: body[0]!,
          device_class: body[1]!,
          device_subclass: body[2]!,
          device_protocol: body[3]!,
          vendor_id: dv.getUint16(4, true),
          product_id: dv.getUint16(6, true),
          device_version_bcd: this.wire.deviceVersion ? dv.getUint16(8, true) : 0,
        };
      case P.usb_redir_interface_info: {
        const count = dv.getUint32(0, true);
        if (count > 32) throw new ProtocolError(`usbredir: interface_count ${count} > 32`);
        const arr = (base: number): number[] => Array.from(body.subarray(base, base + 32));
        return {
          type,
          id,
          interface_count: count,
          interface: arr(4),
          interface_class: arr(36),
          interface_subclass: arr(68),
          interface_protocol: arr(100),
        };
      }
      case P.usb_redir_ep_info: {
        const arr = (base: number): number[] => Array.from(body.subarray(base, base + 32));
        const maxPacket: number[] = [];
        const maxStreams: number[] = [];
        for (let i = 0; i < 32; i++) {
          maxPacket.push(this.wire.epInfoMaxPacketSize ? dv.getUint16(96 + 2 * i, true) : 0);
          maxStreams.push(this.wire.bulkStreams ? dv.getUint32(160 + 4 * i, true) : 0);
        }
        return {
          type,
          id,
          ep_type: arr(0),
          interval: arr(32),
          interface: arr(64),
          max_packet_size: maxPacket,
          max_streams: maxStreams,
        };
      }
      case P.usb_redir_device_disconnect:
      case P.usb_redir_reset:
      case P.usb_redir_get_configuration:
      case P.usb_redir_cancel_data_packet:
      case P.usb_redir_filter_reject:
      case P.usb_redir_device_disconnect_ack:
        return { type, id };
      case P.usb_redir_set_configuration:
        return { type, id, configuration: body[0]! };
      case P.usb_redir_configuration_status:
        return { type, id, status: body[0]!, configuration: body[1]! };
      case P.usb_redir_set_alt_setting:
        return { type, id, interface: body[0]!, alt: body[1]! };
      case P.usb_redir_get_alt_setting:
        return { type, id, interface: body[0]! };
      case P.usb_redir_alt_setting_status:
        return { type, id, status: body[0]!, interface: body[1]!, alt: body[2]! };
      case P.usb_redir_start_iso_stream:
        return { type, id, endpoint: body[0]!, pkts_per_urb: body[1]!, no_urbs: body[2]! };
      case P.usb_redir_stop_iso_stream:
        return { type, id, endpoint: body[0]! };
      case P.usb_redir_iso_stream_status:
        return { type, id, status: body[0]!, endpoint: body[1]! };
      case P.usb_redir_start_interrupt_receiving:
      case P.usb_redir_stop_interrupt_receiving:
        inputEndpoint(type, body[0]!);
        return { type, id, endpoint: body[0]! };
      case P.usb_redir_interrupt_receiving_status:
        inputEndpoint(type, body[1]!);
        return { type, id, status: body[0]!, endpoint: body[1]! };
      case P.usb_redir_alloc_bulk_streams:
        return { type, id, endpoints: dv.getUint32(0, true), no_streams: dv.getUint32(4, true) };
      case P.usb_redir_free_bulk_streams:
        return { type, id, endpoints: dv.getUint32(0, true) };
      case P.usb_redir_bulk_streams_status:
        return {
          type,
          id,
          endpoints: dv.getUint32(0, true),
          no_streams: dv.getUint32(4, true),
          status: body[8]!,
        };
      case P.usb_redir_filter_filter: {
        if (data.length < 1 || data[data.length - 1] !== 0)
          throw new ProtocolError('usbredir: filter_filter string is not 0-terminated');
        return { type, id, filter: Buffer.from(data.subarray(0, data.length - 1)).toString('latin1') };
      }
      case P.usb_redir_start_bulk_receiving: {
        const bytes = dv.getUint32(4, true);
        if (bytes > P.USB_REDIR_MAX_BULK_TRANSFER_BYTES)
          throw new ProtocolError(`usbredir: bulk receiving transfer size ${bytes} exceeds the limit`);
        inputEndpoint(type, body[8]!);
        return {
          type,
          id,
          stream_id: dv.getUint32(0, true),
          bytes_per_transfer: bytes,
          endpoint: body[8]!,
          no_transfers: body[9]!,
        };
      }
      case P.usb_redir_stop_bulk_receiving:
        inputEndpoint(type, body[4]!);
        return { type, id, stream_id: dv.getUint32(0, true), endpoint: body[4]! };
      case P.usb_redir_bulk_receiving_status:
        inputEndpoint(type, body[4]!);
        return { type, id, stream_id: dv.getUint32(0, true), endpoint: body[4]!, status: body[5]! };
      case P.usb_redir_control_packet: {
        const p = {
          type,
          id,
          endpoint: body[0]!,
          request: body[1]!,
          requesttype: body[2]!,
          status: body[3]!,
          value: dv.getUint16(4, true),
          index: dv.getUint16(6, true),
          length: dv.getUint16(8, true),
          data,
        } as const;
        this.checkTransferData(type, p.endpoint, p.length, data.length);
        return p;
      }
      case P.usb_redir_bulk_packet: {
        const length = dv.getUint16(2, true) | (this.wire.bulkLength32 ? dv.getUint16(8, true) << 16 : 0);
        if (length >>> 0 > P.USB_REDIR_MAX_BULK_TRANSFER_BYTES)
          throw new ProtocolError(`usbredir: bulk length ${length >>> 0} exceeds the limit`);
        const p = {
          type,
          id,
          endpoint: body[0]!,
          status: body[1]!,
          length: length >>> 0,
          stream_id: dv.getUint32(4, true),
          data,
        } as const;
        this.checkTransferData(type, p.endpoint, p.length, data.length);
        return p;
      }
      case P.usb_redir_iso_packet:
      case P.usb_redir_interrupt_packet: {
        const p = {
          type,
          id,
          endpoint: body[0]!,
          status: body[1]!,
          length: dv.getUint16(2, true),
          data,
        } as const;
        this.checkTransferData(type, p.endpoint, p.length, data.length);
        return p;
      }
      case P.usb_redir_buffered_bulk_packet: {
        const length = dv.getUint32(4, true);
        if (length > P.USB_REDIR_MAX_BULK_TRANSFER_BYTES)
          throw new ProtocolError(`usbredir: buffered bulk length ${length} exceeds the limit`);
        const p = {
          type,
          id,
          stream_id: dv.getUint32(0, true),
          length,
          endpoint: body[8]!,
          status: body[9]!,
          data,
        } as const;
        this.checkTransferData(type, p.endpoint, p.length, data.length);
        return p;
      }
      default:
        throw new ProtocolError(`usbredir: unknown packet type ${type}`);
    }
  }

  /** Data only in the direction that carries it, and then exactly `length` bytes. */
  private checkTransferData(type: number, endpoint: number, length: number, dataBytes: number): void {
    if (carriesTransferData(endpoint, this.peer)) {
      if (dataBytes !== length)
        throw new ProtocolError(
          `usbredir: packet type ${type} on endpoint 0x${hex2(endpoint)} says ${length} bytes but carries ${dataBytes}`,
        );
      return;
    }
    if (dataBytes !== 0)
      throw new ProtocolError(
        `usbredir: packet type ${type} on endpoint 0x${hex2(endpoint)} carries unexpected data`,
      );
    if (type === P.usb_redir_iso_packet || type === P.usb_redir_buffered_bulk_packet)
      throw new ProtocolError(`usbredir: packet type ${type} sent in the wrong direction`);
    if (type === P.usb_redir_interrupt_packet && this.peer === 'guest')
      throw new ProtocolError('usbredir: interrupt packet for an IN endpoint sent by the usb-guest');
  }
}

function inputEndpoint(type: number, endpoint: number): void {
  if (!(endpoint & 0x80))
    throw new ProtocolError(`usbredir: packet type ${type} names OUT endpoint 0x${hex2(endpoint)}`);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Serializes one packet under `wire` (hello always goes out with the base layout, as the protocol requires). */
export function encodeUsbredirPacket(p: UsbredirPacket, wire: UsbredirWire): Uint8Array {
  const w = p.type === P.usb_redir_hello ? P.USB_REDIR_WIRE_BASE : wire;
  const headerBytes = w.ids64 ? 16 : 12;
  const typeHeader = typeHeaderBytes(p.type, w);
  const data = payloadOf(p);
  const total = headerBytes + typeHeader + data.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, p.type, true);
  dv.setUint32(4, typeHeader + data.length, true);
  if (w.ids64) dv.setBigUint64(8, BigInt.asUintN(64, p.id), true);
  else dv.setUint32(8, Number(BigInt.asUintN(32, p.id)), true);
  const h = headerBytes;
  const u8 = (at: number, v: number): void => dv.setUint8(h + at, v & 0xff);
  const u16 = (at: number, v: number): void => dv.setUint16(h + at, v & 0xffff, true);
  const u32 = (at: number, v: number): void => dv.setUint32(h + at, v >>> 0, true);
  switch (p.type) {
    case P.usb_redir_hello: {
      const v = Buffer.from(p.version, 'latin1').subarray(0, P.USB_REDIR_VERSION_BYTES - 1);
      out.set(v, h);
      break;
    }
    case P.usb_redir_device_connect:
      u8(0, p.speed);
      u8(1, p.device_class);
      u8(2, p.device_subclass);
      u8(3, p.device_protocol);
      u16(4, p.vendor_id);
      u16(6, p.product_id);
      if (w.deviceVersion) u16(8, p.device_version_bcd);
      break;
    case P.usb_redir_interface_info:
      u32(0, p.interface_count);
      for (let i = 0; i < 32; i++) {
        u8(4 + i, p.interface[i] ?? 0);
        u8(36 + i, p.interface_class[i] ?? 0);
        u8(68 + i, p.interface_subclass[i] ?? 0);
        u8(100 + i, p.interface_protocol[i] ?? 0);
      }
      break;
    case P.usb_redir_ep_info:
      for (let i = 0; i < 32; i++) {
        u8(i, p.ep_type[i] ?? P.usb_redir_type_invalid);
        u8(32 + i, p.interval[i] ?? 0);
        u8(64 + i, p.interface[i] ?? 0);
        if (w.epInfoMaxPacketSize) u16(96 + 2 * i, p.max_packet_size[i] ?? 0);
        if (w.bulkStreams) u32(160 + 4 * i, p.max_streams[i] ?? 0);
      }
      break;
    case P.usb_redir_set_configuration:
      u8(0, p.configuration);
      break;
    case P.usb_redir_configuration_status:
      u8(0, p.status);
      u8(1, p.configuration);
      break;
    case P.usb_redir_set_alt_setting:
      u8(0, p.interface);
      u8(1, p.alt);
      break;
    case P.usb_redir_get_alt_setting:
      u8(0, p.interface);
      break;
    case P.usb_redir_alt_setting_status:
      u8(0, p.status);
      u8(1, p.interface);
      u8(2, p.alt);
      break;
    case P.usb_redir_start_iso_stream:
      u8(0, p.endpoint);
      u8(1, p.pkts_per_urb);
      u8(2, p.no_urbs);
      break;
    case P.usb_redir_stop_iso_stream:
    case P.usb_redir_start_interrupt_receiving:
    case P.usb_redir_stop_interrupt_receiving:
      u8(0, p.endpoint);
      break;
    case P.usb_redir_iso_stream_status:
    case P.usb_redir_interrupt_receiving_status:
      u8(0, p.status);
      u8(1, p.endpoint);
      break;
    case P.usb_redir_alloc_bulk_streams:
      u32(0, p.endpoints);
      u32(4, p.no_streams);
      break;
    case P.usb_redir_free_bulk_streams:
      u32(0, p.endpoints);
      break;
    case P.usb_redir_bulk_streams_status:
      u32(0, p.endpoints);
      u32(4, p.no_streams);
      u8(8, p.status);
      break;
    case P.usb_redir_start_bulk_receiving:
      u32(0, p.stream_id);
      u32(4, p.bytes_per_transfer);
      u8(8, p.endpoint);
      u8(9, p.no_transfers);
      break;
    case P.usb_redir_stop_bulk_receiving:
      u32(0, p.stream_id);
      u8(4, p.endpoint);
      break;
    case P.usb_redir_bulk_receiving_status:
      u32(0, p.stream_id);
      u8(4, p.endpoint);
      u8(5, p.status);
      break;
    case P.usb_redir_control_packet:
      u8(0, p.endpoint);
      u8(1, p.request);
      u8(2, p.requesttype);
      u8(3, p.status);
      u16(4, p.value);
      u16(6, p.index);
      u16(8, p.length);
      break;
    case P.usb_redir_bulk_packet:
      u8(0, p.endpoint);
      u8(1, p.status);
      u16(2, p.length);
      u32(4, p.stream_id);
      if (w.bulkLength32) u16(8, p.length >>> 16);
      break;
    case P.usb_redir_iso_packet:
    case P.usb_redir_interrupt_packet:
      u8(0, p.endpoint);
      u8(1, p.status);
      u16(2, p.length);
      break;
    case P.usb_redir_buffered_bulk_packet:
      u32(0, p.stream_id);
      u32(4, p.length);
      u8(8, p.endpoint);
      u8(9, p.status);
      break;
    case P.usb_redir_device_disconnect:
    case P.usb_redir_reset:
    case P.usb_redir_get_configuration:
    case P.usb_redir_cancel_data_packet:
    case P.usb_redir_filter_reject:
    case P.usb_redir_filter_filter:
    case P.usb_redir_device_disconnect_ack:
      break;
  }
  out.set(data, h + typeHeader);
  return out;
}

function payloadOf(p: UsbredirPacket): Uint8Array {
  switch (p.type) {
    case P.usb_redir_hello: {
      const caps = new Uint8Array(4 * p.capabilities.length);
      const dv = new DataView(caps.buffer);
      p.capabilities.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
      return caps;
    }
    case P.usb_redir_filter_filter: {
      const s = Buffer.from(p.filter, 'latin1');
      const out = new Uint8Array(s.length + 1);
      out.set(s);
      return out;
    }
    case P.usb_redir_control_packet:
    case P.usb_redir_bulk_packet:
    case P.usb_redir_iso_packet:
    case P.usb_redir_interrupt_packet:
    case P.usb_redir_buffered_bulk_packet:
      return p.data;
    default:
      return EMPTY;
  }
}
