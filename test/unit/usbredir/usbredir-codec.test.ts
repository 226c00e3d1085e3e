// The usbredir codec: every packet type round-trips in the direction it may travel, under every wire layout;
// the parser reassembles packets split at any offset; malformed packets are ProtocolErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../../main/spice/errors';
import { UsbredirParser, encodeUsbredirPacket } from '../../../main/spice/usbredir/usbredir-codec';
import type { UsbredirPacket } from '../../../main/spice/usbredir/usbredir-packets';
import * as P from '../../../main/spice/usbredir/usbredir-proto';
import { BIG, arr, bytes, samples } from './codec-samples';

const ALL: P.UsbredirWire = {
  ids64: true,
  deviceVersion: true,
  epInfoMaxPacketSize: true,
  bulkStreams: true,
  bulkLength32: true,
};
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
