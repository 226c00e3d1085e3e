// usbredir protocol constants (usbredir's usbredirproto.h and docs/usb-redirection-protocol.md, protocol 0.7).
// Names keep the C spelling so the reference stays greppable. All integers are little-endian, structs packed.

// Packet types. Control packets: 0-27; data packets: 100-104.
export const usb_redir_hello = 0;
export const usb_redir_device_connect = 1;
export const usb_redir_device_disconnect = 2;
export const usb_redir_reset = 3;
export const usb_redir_interface_info = 4;
export const usb_redir_ep_info = 5;
export const usb_redir_set_configuration = 6;
export const usb_redir_get_configuration = 7;
export const usb_redir_configuration_status = 8;
export const usb_redir_set_alt_setting = 9;
export const usb_redir_get_alt_setting = 10;
export const usb_redir_alt_setting_status = 11;
export const usb_redir_start_iso_stream = 12;
export const usb_redir_stop_iso_stream = 13;
export const usb_redir_iso_stream_status = 14;
export const usb_redir_start_interrupt_receiving = 15;
export const usb_redir_stop_interrupt_receiving = 16;
export const usb_redir_interrupt_receiving_status = 17;
export const usb_redir_alloc_bulk_streams = 18;
export const usb_redir_free_bulk_streams = 19;
export const usb_redir_bulk_streams_status = 20;
export const usb_redir_cancel_data_packet = 21;
export const usb_redir_filter_reject = 22;
export const usb_redir_filter_filter = 23;
export const usb_redir_device_disconnect_ack = 24;
export const usb_redir_start_bulk_receiving = 25;
export const usb_redir_stop_bulk_receiving = 26;
export const usb_redir_bulk_receiving_status = 27;
export const usb_redir_control_packet = 100;
export const usb_redir_bulk_packet = 101;
export const usb_redir_iso_packet = 102;
export const usb_redir_interrupt_packet = 103;
export const usb_redir_buffered_bulk_packet = 104;

// Status codes. Any unknown value is an error.
export const usb_redir_success = 0;
export const usb_redir_cancelled = 1;
export const usb_redir_inval = 2;
export const usb_redir_ioerror = 3;
export const usb_redir_stall = 4;
export const usb_redir_timeout = 5;
export const usb_redir_babble = 6;

// Endpoint types (these four match the USB spec).
export const usb_redir_type_control = 0;
export const usb_redir_type_iso = 1;
export const usb_redir_type_bulk = 2;
export const usb_redir_type_interrupt = 3;
export const usb_redir_type_invalid = 255;

export const usb_redir_speed_low = 0;
export const usb_redir_speed_full = 1;
export const usb_redir_speed_high = 2;
export const usb_redir_speed_super = 3;
export const usb_redir_speed_unknown = 255;

// Capability bit numbers (capabilities[0]).
export const usb_redir_cap_bulk_streams = 0;
export const usb_redir_cap_connect_device_version = 1;
export const usb_redir_cap_filter = 2;
export const usb_redir_cap_device_disconnect_ack = 3;
export const usb_redir_cap_ep_info_max_packet_size = 4;
export const usb_redir_cap_64bits_ids = 5;
export const usb_redir_cap_32bits_bulk_length = 6;
export const usb_redir_cap_bulk_receiving = 7;

export const USB_REDIR_CAP_NAMES: Readonly<Record<number, string>> = {
  [usb_redir_cap_bulk_streams]: 'bulk_streams',
  [usb_redir_cap_connect_device_version]: 'connect_device_version',
  [usb_redir_cap_filter]: 'filter',
  [usb_redir_cap_device_disconnect_ack]: 'device_disconnect_ack',
  [usb_redir_cap_ep_info_max_packet_size]: 'ep_info_max_packet_size',
  [usb_redir_cap_64bits_ids]: '64bits_ids',
  [usb_redir_cap_32bits_bulk_length]: '32bits_bulk_length',
  [usb_redir_cap_bulk_receiving]: 'bulk_receiving',
};

export const USB_REDIR_VERSION_BYTES = 64;
/** libusbredirparser's MAX_BULK_TRANSFER_SIZE: the protocol's ceiling for one bulk transfer. */
export const USB_REDIR_MAX_BULK_TRANSFER_BYTES = 128 * 1024 * 1024;

/** The packet-size fields that depend on capabilities both sides announced. */
export interface UsbredirWire {
  ids64: boolean;
  deviceVersion: boolean;
  epInfoMaxPacketSize: boolean;
  bulkStreams: boolean;
  bulkLength32: boolean;
}

/** Before the peer's hello (and for the hello itself): the 0.3 layout. */
export const USB_REDIR_WIRE_BASE: UsbredirWire = {
  ids64: false,
  deviceVersion: false,
  epInfoMaxPacketSize: false,
  bulkStreams: false,
  bulkLength32: false,
};

export function capsHasBit(caps: readonly number[], bit: number): boolean {
  return ((caps[bit >>> 5] ?? 0) >>> (bit & 31)) & 1 ? true : false;
}

export function capsOf(bits: readonly number[]): number[] {
  const words = [0];
  for (const b of bits) words[b >>> 5] = ((words[b >>> 5] ?? 0) | (1 << (b & 31))) >>> 0;
  return words;
}

/** The layout both sides use once each has the other's hello. */
export function negotiatedWire(ours: readonly number[], peer: readonly number[]): UsbredirWire {
  const both = (bit: number): boolean => capsHasBit(ours, bit) && capsHasBit(peer, bit);
  const epInfoMaxPacketSize = both(usb_redir_cap_ep_info_max_packet_size);
  return {
    ids64: both(usb_redir_cap_64bits_ids),
    deviceVersion: both(usb_redir_cap_connect_device_version),
    epInfoMaxPacketSize,
    // bulk_streams without ep_info_max_packet_size is invalid; libusbredirparser drops it.
    bulkStreams: epInfoMaxPacketSize && both(usb_redir_cap_bulk_streams),
    bulkLength32: both(usb_redir_cap_32bits_bulk_length),
  };
}

export function capNames(caps: readonly number[]): string[] {
  return Object.entries(USB_REDIR_CAP_NAMES)
    .filter(([bit]) => capsHasBit(caps, Number(bit)))
    .map(([, name]) => name);
}
