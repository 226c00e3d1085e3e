// usbredir packets as plain objects (field names as in usbredirproto.h), which side may send each type, and the
// size of each type-specific header under a negotiated wire layout. Shared by the parser and the serializer.
import * as P from './usbredir-proto';
import type { UsbredirWire } from './usbredir-proto';

interface Base<T extends number> {
  type: T;
  /** The packet id (32 or 64 bits on the wire); replies echo the request's id. */
  id: bigint;
}

export interface UsbredirHello extends Base<typeof P.usb_redir_hello> {
  version: string;
  capabilities: number[];
}
export interface UsbredirDeviceConnect extends Base<typeof P.usb_redir_device_connect> {
  speed: number;
  device_class: number;
  device_subclass: number;
  device_protocol: number;
  vendor_id: number;
  product_id: number;
  device_version_bcd: number;
}
export interface UsbredirInterfaceInfo extends Base<typeof P.usb_redir_interface_info> {
  interface_count: number;
  interface: number[];
  interface_class: number[];
  interface_subclass: number[];
  interface_protocol: number[];
}
/** Index i: endpoint number i & 15, direction IN when i & 16 (0-15 OUT, then 0-15 IN). */
export interface UsbredirEpInfo extends Base<typeof P.usb_redir_ep_info> {
  ep_type: number[];
  interval: number[];
  interface: number[];
  max_packet_size: number[];
  max_streams: number[];
}
export interface UsbredirControlPacket extends Base<typeof P.usb_redir_control_packet> {
  endpoint: number;
  request: number;
  requesttype: number;
  status: number;
  value: number;
  index: number;
  length: number;
  data: Uint8Array;
}
export interface UsbredirBulkPacket extends Base<typeof P.usb_redir_bulk_packet> {
  endpoint: number;
  status: number;
  /** The full length (length | length_high << 16 with 32bits_bulk_length). */
  length: number;
  stream_id: number;
  data: Uint8Array;
}
export interface UsbredirIsoPacket extends Base<typeof P.usb_redir_iso_packet> {
  endpoint: number;
  status: number;
  length: number;
  data: Uint8Array;
}
export interface UsbredirInterruptPacket extends Base<typeof P.usb_redir_interrupt_packet> {
  endpoint: number;
  status: number;
  length: number;
  data: Uint8Array;
}
export interface UsbredirBufferedBulkPacket extends Base<typeof P.usb_redir_buffered_bulk_packet> {
  stream_id: number;
  length: number;
  endpoint: number;
  status: number;
  data: Uint8Array;
}

export type UsbredirPacket =
  | UsbredirHello
  | UsbredirDeviceConnect
  | Base<typeof P.usb_redir_device_disconnect>
  | Base<typeof P.usb_redir_reset>
  | UsbredirInterfaceInfo
  | UsbredirEpInfo
  | (Base<typeof P.usb_redir_set_configuration> & { configuration: number })
  | Base<typeof P.usb_redir_get_configuration>
  | (Base<typeof P.usb_redir_configuration_status> & { status: number; configuration: number })
  | (Base<typeof P.usb_redir_set_alt_setting> & { interface: number; alt: number })
  | (Base<typeof P.usb_redir_get_alt_setting> & { interface: number })
  | (Base<typeof P.usb_redir_alt_setting_status> & { status: number; interface: number; alt: number })
  | (Base<typeof P.usb_redir_start_iso_stream> & { endpoint: number; pkts_per_urb: number; no_urbs: number })
  | (Base<typeof P.usb_redir_stop_iso_stream> & { endpoint: number })
  | (Base<typeof P.usb_redir_iso_stream_status> & { status: number; endpoint: number })
  | (Base<typeof P.usb_redir_start_interrupt_receiving> & { endpoint: number })
  | (Base<typeof P.usb_redir_stop_interrupt_receiving> & { endpoint: number })
  | (Base<typeof P.usb_redir_interrupt_receiving_status> & { status: number; endpoint: number })
  | (Base<typeof P.usb_redir_alloc_bulk_streams> & { endpoints: number; no_streams: number })
  | (Base<typeof P.usb_redir_free_bulk_streams> & { endpoints: number })
  | (Base<typeof P.usb_redir_bulk_streams_status> & { endpoints: number; no_streams: number; status: number })
  | Base<typeof P.usb_redir_cancel_data_packet>
  | Base<typeof P.usb_redir_filter_reject>
  | (Base<typeof P.usb_redir_filter_filter> & { filter: string })
  | Base<typeof P.usb_redir_device_disconnect_ack>
  | (Base<typeof P.usb_redir_start_bulk_receiving> & {
      stream_id: number;
      bytes_per_transfer: number;
      endpoint: number;
      no_transfers: number;
    })
  | (Base<typeof P.usb_redir_stop_bulk_receiving> & { stream_id: number; endpoint: number })
  | (Base<typeof P.usb_redir_bulk_receiving_status> & { stream_id: number; endpoint: number; status: number })
  | UsbredirControlPacket
  | UsbredirBulkPacket
  | UsbredirIsoPacket
  | UsbredirInterruptPacket
  | UsbredirBufferedBulkPacket;

export type UsbredirPacketType = UsbredirPacket['type'];
export type PacketOf<T extends UsbredirPacketType> = Extract<UsbredirPacket, { type: T }>;

/** The usbredir role of a side: the SPICE client is the usb-host, QEMU / the test server the usb-guest. */
export type UsbredirRole = 'host' | 'guest';

/** Which side sends each packet type (libusbredirparser's get_type_header_len). */
const SENDER: Readonly<Record<number, UsbredirRole | 'both'>> = {
  [P.usb_redir_hello]: 'both',
  [P.usb_redir_device_connect]: 'host',
  [P.usb_redir_device_disconnect]: 'host',
  [P.usb_redir_reset]: 'guest',
  [P.usb_redir_interface_info]: 'host',
  [P.usb_redir_ep_info]: 'host',
  [P.usb_redir_set_configuration]: 'guest',
  [P.usb_redir_get_configuration]: 'guest',
  [P.usb_redir_configuration_status]: 'host',
  [P.usb_redir_set_alt_setting]: 'guest',
  [P.usb_redir_get_alt_setting]: 'guest',
  [P.usb_redir_alt_setting_status]: 'host',
  [P.usb_redir_start_iso_stream]: 'guest',
  [P.usb_redir_stop_iso_stream]: 'guest',
  [P.usb_redir_iso_stream_status]: 'host',
  [P.usb_redir_start_interrupt_receiving]: 'guest',
  [P.usb_redir_stop_interrupt_receiving]: 'guest',
  [P.usb_redir_interrupt_receiving_status]: 'host',
  [P.usb_redir_alloc_bulk_streams]: 'guest',
  [P.usb_redir_free_bulk_streams]: 'guest',
  [P.usb_redir_bulk_streams_status]: 'host',
  [P.usb_redir_cancel_data_packet]: 'guest',
  [P.usb_redir_filter_reject]: 'guest',
  [P.usb_redir_filter_filter]: 'both',
  [P.usb_redir_device_disconnect_ack]: 'guest',
  [P.usb_redir_start_bulk_receiving]: 'guest',
  [P.usb_redir_stop_bulk_receiving]: 'guest',
  [P.usb_redir_bulk_receiving_status]: 'host',
  [P.usb_redir_control_packet]: 'both',
  [P.usb_redir_bulk_packet]: 'both',
  [P.usb_redir_iso_packet]: 'both',
  [P.usb_redir_interrupt_packet]: 'both',
  [P.usb_redir_buffered_bulk_packet]: 'host',
};

/** May `sender` send packets of `type`? */
export function maySend(type: number, sender: UsbredirRole): boolean {
  const who = SENDER[type];
  return who === 'both' || who === sender;
}

/** Size of the type-specific header of `type` under `wire`, or -1 for an unknown type. */
export function typeHeaderBytes(type: number, wire: UsbredirWire): number {
  switch (type) {
    case P.usb_redir_hello:
      return P.USB_REDIR_VERSION_BYTES;
    case P.usb_redir_device_connect:
      return wire.deviceVersion ? 10 : 8;
    case P.usb_redir_interface_info:
      return 4 + 4 * 32;
    case P.usb_redir_ep_info:
      return 3 * 32 + (wire.epInfoMaxPacketSize ? 64 : 0) + (wire.bulkStreams ? 128 : 0);
    case P.usb_redir_set_configuration:
      return 1;
    case P.usb_redir_configuration_status:
      return 2;
    case P.usb_redir_set_alt_setting:
      return 2;
    case P.usb_redir_get_alt_setting:
      return 1;
    case P.usb_redir_alt_setting_status:
      return 3;
    case P.usb_redir_start_iso_stream:
      return 3;
    case P.usb_redir_stop_iso_stream:
    case P.usb_redir_start_interrupt_receiving:
    case P.usb_redir_stop_interrupt_receiving:
      return 1;
    case P.usb_redir_iso_stream_status:
    case P.usb_redir_interrupt_receiving_status:
      return 2;
    case P.usb_redir_alloc_bulk_streams:
      return 8;
    case P.usb_redir_free_bulk_streams:
      return 4;
    case P.usb_redir_bulk_streams_status:
      return 9;
    case P.usb_redir_start_bulk_receiving:
      return 10;
    case P.usb_redir_stop_bulk_receiving:
      return 5;
    case P.usb_redir_bulk_receiving_status:
      return 6;
    case P.usb_redir_control_packet:
      return 10;
    case P.usb_redir_bulk_packet:
      return wire.bulkLength32 ? 10 : 8;
    case P.usb_redir_iso_packet:
    case P.usb_redir_interrupt_packet:
      return 4;
    case P.usb_redir_buffered_bulk_packet:
      return 10;
    case P.usb_redir_device_disconnect:
    case P.usb_redir_reset:
    case P.usb_redir_get_configuration:
    case P.usb_redir_cancel_data_packet:
    case P.usb_redir_filter_reject:
    case P.usb_redir_filter_filter:
    case P.usb_redir_device_disconnect_ack:
      return 0;
    default:
      return -1;
  }
}

/** Packet types that may carry data after their type header. */
export function mayCarryData(type: number): boolean {
  switch (type) {
    case P.usb_redir_hello:
    case P.usb_redir_filter_filter:
    case P.usb_redir_control_packet:
    case P.usb_redir_bulk_packet:
    case P.usb_redir_iso_packet:
    case P.usb_redir_interrupt_packet:
    case P.usb_redir_buffered_bulk_packet:
      return true;
    default:
      return false;
  }
}

/**
 * For a data packet (control/bulk/iso/interrupt/buffered bulk) sent by `sender`: does it carry the transfer's
 * bytes? Requests carry them for OUT endpoints, replies for IN endpoints (usbredirparser_verify_type_header).
 */
export function carriesTransferData(endpoint: number, sender: UsbredirRole): boolean {
  const isIn = (endpoint & 0x80) !== 0;
  return sender === 'host' ? isIn : !isIn;
}
