// The usbredir codec: every packet type round-trips in the direction it may travel, under every wire layout;
// the parser reassembles packets split at any offset; malformed packets are ProtocolErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../../main/spice/errors';
import { UsbredirParser, encodeUsbredirPacket } from '../../../main/spice/usbredir/usbredir-codec';
import type { UsbredirPacket, UsbredirRole } from '../../../main/spice/usbredir/usbredir-packets';
import * as P from '../../../main/spice/usbredir/usbredir-proto';

const ALL: P.UsbredirWire = {
  ids64: true,
  deviceVersion: true,
  epInfoMaxPacketSize: true,
  bulkStreams: true,
  bulkLength32: true,
};
const arr = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
const bytes = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const BIG = 0x1234_5678_9abcn;

/** Sample packets per sender (host = our side). */
export function samples(sender: UsbredirRole, id: bigint): UsbredirPacket[] {
  const common: UsbredirPacket[] = [
    { type: P.usb_redir_hello, id: 0n, version: `v-${sender}`, capabilities: [0xff] },
    { type: P.usb_redir_filter_filter, id, filter: '0x08,-1,-1,-1,1|-1,-1,-1,-1,0' },
  ];
  if (sender === 'host')
    return [
      ...common,
      {
        type: P.usb_redir_device_connect,
        id: 0n,
        speed: 2,
        device_class: 0,
        device_subclass: 1,
        device_protocol: 2,
        vendor_id: 0x2b23,
        product_id: 0xcdcd,
        device_version_bcd: 0x0110,
      },
      { type: P.usb_redir_device_disconnect, id: 0n },
      {
        type: P.usb_redir_interface_info,
        id: 0n,
        interface_count: 2,
        interface: arr(32, (i) => i),
        interface_class: arr(32, (i) => 8 + i),
        interface_subclass: arr(32, () => 6),
        interface_protocol: arr(32, () => 0x50),
      },
      {
        type: P.usb_redir_ep_info,
        id: 0n,
        ep_type: arr(32, (i) => i % 4),
        interval: arr(32, (i) => i),
        interface: arr(32, (i) => i & 1),
        max_packet_size: arr(32, (i) => 64 * i),
        max_streams: arr(32, (i) => i * 3),
      },
      { type: P.usb_redir_configuration_status, id, status: 0, configuration: 1 },
      { type: P.usb_redir_alt_setting_status, id, status: 4, interface: 1, alt: 2 },
      { type: P.usb_redir_iso_stream_status, id, status: 2, endpoint: 0x83 },
      { type: P.usb_redir_interrupt_receiving_status, id, status: 0, endpoint: 0x81 },
      { type: P.usb_redir_bulk_streams_status, id, endpoints: 0x30000, no_streams: 4, status: 0 },
      { type: P.usb_redir_bulk_receiving_status, id, stream_id: 0, endpoint: 0x82, status: 0 },
      {
        type: P.usb_redir_control_packet,
        id,
        endpoint: 0x80,
        request: 6,
        requesttype: 0x80,
        status: 0,
        value: 0x100,
        index: 0,
        length: 18,
        data: bytes(18),
      },
      {
        type: P.usb_redir_control_packet,
        id,
        endpoint: 0,
        request: 9,
        requesttype: 0,
        status: 0,
        value: 1,
        index: 0,
        length: 0,
        data: new Uint8Array(0),
      },
      {
        type: P.usb_redir_bulk_packet,
        id,
        endpoint: 0x81,
        status: 0,
        length: 70000,
        stream_id: 0,
        data: bytes(70000),
      },
      {
        type: P.usb_redir_bulk_packet,
        id,
        endpoint: 0x02,
        status: 0,
        length: 512,
        stream_id: 0,
        data: new Uint8Array(0),
      },
      { type: P.usb_redir_iso_packet, id, endpoint: 0x83, status: 0, length: 3, data: bytes(3) },
      { type: P.usb_redir_interrupt_packet, id, endpoint: 0x81, status: 0, length: 8, data: bytes(8) },
      {
        type: P.usb_redir_interrupt_packet,
        id,
        endpoint: 0x01,
        status: 0,
        length: 8,
        data: new Uint8Array(0),
      },
      {
        type: P.usb_redir_buffered_bulk_packet,
        id,
        stream_id: 0,
        length: 5,
        endpoint: 0x82,
        status: 0,
        data: bytes(5),
      },
    ];
  return [
    ...common,
    { type: P.usb_redir_reset, id },
    { type: P.usb_redir_set_configuration, id, configuration: 2 },
    { type: P.usb_redir_get_configuration, id },
    { type: P.usb_redir_set_alt_setting, id, interface: 1, alt: 3 },
    { type: P.usb_redir_get_alt_setting, id, interface: 1 },
    { type: P.usb_redir_start_iso_stream, id, endpoint: 0x83, pkts_per_urb: 8, no_urbs: 3 },
    { type: P.usb_redir_stop_iso_stream, id, endpoint: 0x83 },
    { type: P.usb_redir_start_interrupt_receiving, id, endpoint: 0x81 },
    { type: P.usb_redir_stop_interrupt_receiving, id, endpoint: 0x81 },
    { type: P.usb_redir_alloc_bulk_streams, id, endpoints: 6, no_streams: 16 },
    { type: P.usb_redir_free_bulk_streams, id, endpoints: 6 },
    { type: P.usb_redir_cancel_data_packet, id },
    { type: P.usb_redir_filter_reject, id: 0n },
    { type: P.usb_redir_device_disconnect_ack, id: 0n },
    {
      type: P.usb_redir_start_bulk_receiving,
      id,
      stream_id: 0,
      bytes_per_transfer: 4096,
      endpoint: 0x82,
      no_transfers: 4,
    },
    { type: P.usb_redir_stop_bulk_receiving, id, stream_id: 0, endpoint: 0x82 },
    {
      type: P.usb_redir_control_packet,
      id,
      endpoint: 0x80,
      request: 6,
      requesttype: 0x80,
      status: 0,
      value: 0x100,
      index: 0,
      length: 18,
      data: new Uint8Array(0),
    },
    {
      type: P.usb_redir_control_packet,
      id,
      endpoint: 0,
      request: 0xff,
      requesttype: 0x21,
      status: 0,
      value: 0,
      index: 0,
      length: 4,
      data: bytes(4),
    },
    {
      type: P.usb_redir_bulk_packet,
      id,
      endpoint: 0x02,
      status: 0,
      length: 31,
      stream_id: 0,
      data: bytes(31),
    },
    {
      type: P.usb_redir_bulk_packet,
      id,
      endpoint: 0x81,
      status: 0,
      length: 65536 * 3,
      stream_id: 0,
      data: new Uint8Array(0),
    },
    { type: P.usb_redir_iso_packet, id, endpoint: 0x03, status: 0, length: 2, data: bytes(2) },
    { type: P.usb_redir_interrupt_packet, id, endpoint: 0x01, status: 0, length: 4, data: bytes(4) },
  ];
}

/** What a packet looks like after a trip under `wire` (fields the layout drops come back as 0). */
function expected(p: UsbredirPacket, wire: P.UsbredirWire): UsbredirPacket {
  const w = p.type === P.usb_redir_hello ? P.USB_REDIR_WIRE_BASE : wire;
  const id = w.ids64 ? p.id : BigInt.asUintN(32, p.id);
  if (p.type === P.usb_redir_device_connect && !w.deviceVersion) return { ...p, id, device_version_bcd: 0 };
  if (p.type === P.usb_redir_ep_info)
    return {
      ...p,
      id,
      max_packet_size: w.epInfoMaxPacketSize ? p.max_packet_size : arr(32, () => 0),
      max_streams: w.bulkStreams ? p.max_streams : arr(32, () => 0),
    };
  if (p.type === P.usb_redir_bulk_packet && !w.bulkLength32) return { ...p, id, length: p.length & 0xffff };
  return { ...p, id };
}

function normalize(p: UsbredirPacket): unknown {
  return JSON.parse(
    JSON.stringify(p, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    ),
  );
}

for (const [name, wire] of [
  ['0.3 layout (32-bit ids, 16-bit bulk length)', P.USB_REDIR_WIRE_BASE],
  ['every optional field (64-bit ids, 32-bit bulk length)', ALL],
] as const) {
  for (const sender of ['host', 'guest'] as const) {
    void test(`every ${sender} packet round-trips: ${name}`, () => {
      const receiver = new UsbredirParser({ role: sender === 'host' ? 'guest' : 'host' });
      for (const p of samples(sender, BIG)) {
        const lengthFits = !(
          p.type === P.usb_redir_bulk_packet &&
          !wire.bulkLength32 &&
          p.length > 0xffff &&
          p.data.length > 0
        );
        if (!lengthFits) continue;
        receiver.setWire(p.type === P.usb_redir_hello ? P.USB_REDIR_WIRE_BASE : wire);
        receiver.push(encodeUsbredirPacket(p, wire));
        const got = receiver.next();
        assert.ok(got, `type ${p.type} parsed`);
        assert.deepEqual(normalize(got), normalize(expected(p, wire)), `type ${p.type}`);
        assert.equal(receiver.next(), null);
      }
    });
  }
}

void test('a stream split at every offset yields the same packets', () => {
  const packets = samples('guest', 7n).filter((p) => p.type !== P.usb_redir_hello);
  const stream = Buffer.concat(packets.map((p) => encodeUsbredirPacket(p, ALL)));
  for (let cut = 0; cut <= stream.length; cut += 7) {
    const parser = new UsbredirParser({ role: 'host' });
    parser.setWire(ALL);
    const got: UsbredirPacket[] = [];
    for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
      parser.push(part);
      for (let p = parser.next(); p; p = parser.next()) got.push(p);
    }
    assert.equal(got.length, packets.length, `cut at ${cut}`);
  }
  // byte by byte
  const parser = new UsbredirParser({ role: 'host' });
  parser.setWire(ALL);
  let n = 0;
  for (const b of stream) {
    parser.push(Uint8Array.of(b));
    while (parser.next()) n++;
  }
  assert.equal(n, packets.length);
});

function header(type: number, length: number, id = 0): Uint8Array {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(length, 4);
  b.writeUInt32LE(id, 8);
  return b;
}

void test('malformed packets are protocol errors, and the stream stays refused afterwards', () => {
  const cases: [string, Uint8Array][] = [
    ['unknown type', header(99, 0)],
    [
      'a host-only packet from the guest',
      Buffer.concat([header(P.usb_redir_device_connect, 8), Buffer.alloc(8)]),
    ],
    ['shorter than its header', Buffer.concat([header(P.usb_redir_set_configuration, 0)])],
    ['data on a packet without data', Buffer.concat([header(P.usb_redir_reset, 3), Buffer.alloc(3)])],
    ['filter not 0-terminated', Buffer.concat([header(P.usb_redir_filter_filter, 3), Buffer.from('abc')])],
    [
      'OUT control length mismatch',
      Buffer.concat([
        header(P.usb_redir_control_packet, 10 + 2),
        Buffer.from([0, 9, 0, 0, 0, 0, 0, 0, 5, 0, 1, 2]),
      ]),
    ],
    [
      'IN control request with data',
      Buffer.concat([
        header(P.usb_redir_control_packet, 10 + 2),
        Buffer.from([0x80, 6, 0x80, 0, 0, 1, 0, 0, 2, 0, 1, 2]),
      ]),
    ],
    [
      'interrupt receiving on an OUT endpoint',
      Buffer.concat([header(P.usb_redir_start_interrupt_receiving, 1), Buffer.from([0x01])]),
    ],
    [
      'interrupt IN request from the guest',
      Buffer.concat([header(P.usb_redir_interrupt_packet, 4), Buffer.from([0x81, 0, 8, 0])]),
    ],
    ['oversized packet', header(P.usb_redir_bulk_packet, 0x7fffffff)],
  ];
  for (const [what, bytes] of cases) {
    const parser = new UsbredirParser({ role: 'host' });
    parser.push(bytes);
    assert.throws(() => parser.next(), ProtocolError, what);
    assert.throws(() => parser.next(), ProtocolError, `${what}: stays broken`);
  }
  const g = new UsbredirParser({ role: 'guest' });
  g.push(
    Buffer.concat([header(P.usb_redir_interface_info, 132), Buffer.from([33, 0, 0, 0]), Buffer.alloc(128)]),
  );
  assert.throws(() => g.next(), /interface_count 33/);
});

void test('a truncated packet waits for more bytes instead of failing', () => {
  const parser = new UsbredirParser({ role: 'host' });
  const full = encodeUsbredirPacket(
    {
      type: P.usb_redir_bulk_packet,
      id: 1n,
      endpoint: 2,
      status: 0,
      length: 100,
      stream_id: 0,
      data: bytes(100),
    },
    P.USB_REDIR_WIRE_BASE,
  );
  parser.push(full.subarray(0, 50));
  assert.equal(parser.next(), null);
  assert.equal(parser.pendingBytes, 50);
  parser.push(full.subarray(50));
  assert.equal(parser.next()?.type, P.usb_redir_bulk_packet);
});
