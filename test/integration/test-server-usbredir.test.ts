// The test server's usb-guest side end to end through libspice-server: a bare usbredir channel plays the
// usb-host (as the SPICE client does), describes a device, and answers the control and bulk transfers the
// guest sends on command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../main/spice/protocol/enums';
import { startTestServer } from '../support/test-server';
import { RawChannel } from '../server/raw-channel';
import { RawMain } from '../server/raw-main';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

// usbredirproto.h
const HELLO = 0;
const DEVICE_CONNECT = 1;
const DEVICE_DISCONNECT = 2;
const RESET = 3;
const INTERFACE_INFO = 4;
const EP_INFO = 5;
const CONTROL_PACKET = 100;
const BULK_PACKET = 101;
const CAP_CONNECT_DEVICE_VERSION = 1;
const CAP_EP_INFO_MAX_PACKET_SIZE = 4;
const TYPE_CONTROL = 0;
const TYPE_BULK = 2;
const TYPE_INVALID = 255;

interface UsbPacket {
  type: number;
  id: number;
  data: Buffer;
}

/** The usb-host end: 12-byte headers (no 64-bit ids offered), packets over spicevmc DATA messages. */
class UsbHost {
  private pending = Buffer.alloc(0);
  private readonly packets: UsbPacket[] = [];

  constructor(private readonly channel: RawChannel) {}

  send(type: number, id: number, payload: Buffer): void {
    const header = Buffer.alloc(12);
    header.writeUInt32LE(type, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(id, 8);
    this.channel.send(E.SPICE_MSGC_SPICEVMC_DATA, Buffer.concat([header, payload]));
  }

  async next(type: number, timeoutMs = 10000): Promise<UsbPacket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.packets.findIndex((p) => p.type === type);
      if (index >= 0) return this.packets.splice(index, 1)[0]!;
      const m = await this.channel.nextOfType(E.SPICE_MSG_SPICEVMC_DATA, Math.max(1, deadline - Date.now()));
      this.pending = Buffer.concat([this.pending, m.body]);
      while (this.pending.length >= 12) {
        const length = this.pending.readUInt32LE(4);
        if (this.pending.length < 12 + length) break;
        this.packets.push({
          type: this.pending.readUInt32LE(0),
          id: this.pending.readUInt32LE(8),
          data: Buffer.from(this.pending.subarray(12, 12 + length)),
        });
        this.pending = this.pending.subarray(12 + length);
      }
    }
  }
}

function hello(version: string, caps: number[]): Buffer {
  const b = Buffer.alloc(68);
  b.write(version, 0, 'ascii');
  b.writeUInt32LE(
    caps.reduce((w, c) => w | (1 << c), 0),
    64,
  );
  return b;
}

/** ep_info with max_packet_size (both sides have ep_info_max_packet_size): index = (IN ? 16 : 0) | number. */
function epInfo(endpoints: { address: number; type: number; maxPacketSize: number }[]): Buffer {
  const b = Buffer.alloc(32 * 3 + 32 * 2);
  b.fill(TYPE_INVALID, 0, 32);
  for (const ep of endpoints) {
    const i = (ep.address & 0x80 ? 16 : 0) | (ep.address & 0x0f);
    b[i] = ep.type;
    b.writeUInt16LE(ep.maxPacketSize, 96 + i * 2);
  }
  return b;
}

void test('usbredir through libspice-server', async (t) => {
  const server = await startTestServer({ width: 32, height: 32, usbredir: true });
  const main = await RawMain.open(server.port!);
  const mark = server.eventCount;
  const channel = await RawChannel.open({
    port: server.port!,
    channelType: E.SPICE_CHANNEL_USBREDIR,
    connectionId: main.init.sessionId,
  });
  t.after(async () => {
    channel.close();
    main.close();
    await server.stop();
  });
  const host = new UsbHost(channel);
  await server.waitFor((e) => e.event === 'usb_channel' && e.connected === true, { after: mark });

  await t.test('the guest says hello, and reports the host hello', async () => {
    const guestHello = await host.next(HELLO);
    assert.match(guestHello.data.subarray(0, 64).toString('ascii'), /^saffron-test-server usb-guest\0/);
    host.send(HELLO, 0, hello('test usb-host', [CAP_CONNECT_DEVICE_VERSION, CAP_EP_INFO_MAX_PACKET_SIZE]));
    const ev = await server.waitFor((e) => e.event === 'usb_hello', { after: mark });
    assert.equal(ev.version, 'test usb-host');
    assert.deepEqual(ev.caps, ['connect_device_version', 'ep_info_max_packet_size']);
  });

  await t.test('device, interface and endpoint descriptions are reported', async () => {
    host.send(
      EP_INFO,
      0,
      epInfo([
        { address: 0x00, type: TYPE_CONTROL, maxPacketSize: 64 },
        { address: 0x80, type: TYPE_CONTROL, maxPacketSize: 64 },
        { address: 0x81, type: TYPE_BULK, maxPacketSize: 512 },
        { address: 0x02, type: TYPE_BULK, maxPacketSize: 512 },
      ]),
    );
    const iface = Buffer.alloc(4 + 128);
    iface.writeUInt32LE(1, 0);
    iface[4 + 32] = 0xff; // interface_class[0]
    host.send(INTERFACE_INFO, 0, iface);
    const connect = Buffer.alloc(10);
    connect.writeUInt8(2, 0); // high speed
    connect.writeUInt16LE(0x1234, 4);
    connect.writeUInt16LE(0x5678, 6);
    connect.writeUInt16LE(0x0102, 8);
    host.send(DEVICE_CONNECT, 0, connect);
    const dev = await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });
    assert.equal(dev.vendor_id, 0x1234);
    assert.equal(dev.product_id, 0x5678);
    assert.equal(dev.device_version_bcd, 0x0102);
    assert.equal(dev.speed, 2);
    const eps = await server.waitFor((e) => e.event === 'usb_ep_info', { after: mark });
    assert.deepEqual(eps.endpoints, [
      { address: 0, type: 0, interval: 0, interface: 0, max_packet_size: 64 },
      { address: 2, type: 2, interval: 0, interface: 0, max_packet_size: 512 },
      { address: 0x80, type: 0, interval: 0, interface: 0, max_packet_size: 64 },
      { address: 0x81, type: 2, interval: 0, interface: 0, max_packet_size: 512 },
    ]);
    const ifs = await server.waitFor((e) => e.event === 'usb_interface_info', { after: mark });
    assert.deepEqual(ifs.interfaces, [{ interface: 0, class: 255, subclass: 0, protocol: 0 }]);
  });

  await t.test('a control IN transfer: GET_DESCRIPTOR(device)', async () => {
    const sent = await server.sendOk({
      cmd: 'usb_control',
      request: 6,
      requesttype: 0x80,
      value: 0x100,
      length: 18,
    });
    const packet = await host.next(CONTROL_PACKET);
    assert.equal(packet.id, sent.transfer_id);
    assert.deepEqual([...packet.data.subarray(0, 3)], [0x80, 6, 0x80]);
    assert.equal(packet.data.readUInt16LE(4), 0x100);
    assert.equal(packet.data.readUInt16LE(8), 18);
    const descriptor = Buffer.from('12010002000000403412785602010102030001', 'hex').subarray(0, 18);
    const header = Buffer.from(packet.data.subarray(0, 10));
    header[3] = 0; // status success
    host.send(CONTROL_PACKET, packet.id, Buffer.concat([header, descriptor]));
    const result = await server.waitFor((e) => e.event === 'usb_control_result' && e.id === packet.id);
    assert.equal(result.status, 0);
    assert.equal(result.data, descriptor.toString('hex'));
  });

  await t.test('bulk OUT and bulk IN transfers', async () => {
    const out = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x02, data: 'cafebabe' });
    const outPacket = await host.next(BULK_PACKET);
    assert.equal(outPacket.id, out.transfer_id);
    assert.equal(outPacket.data[0], 0x02);
    assert.equal(outPacket.data.readUInt16LE(2), 4);
    assert.equal(outPacket.data.subarray(8).toString('hex'), 'cafebabe');
    host.send(BULK_PACKET, outPacket.id, Buffer.from(outPacket.data.subarray(0, 8)));
    const outResult = await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === outPacket.id);
    assert.equal(outResult.status, 0);
    assert.equal(outResult.length, 4);

    const inReply = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x81, length: 8 });
    const inPacket = await host.next(BULK_PACKET);
    assert.equal(inPacket.id, inReply.transfer_id);
    assert.equal(inPacket.data.length, 8, 'an IN request carries no data');
    const payload = Buffer.from('0102030405060708', 'hex');
    host.send(BULK_PACKET, inPacket.id, Buffer.concat([inPacket.data, payload]));
    const inResult = await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === inPacket.id);
    assert.equal(inResult.data, '0102030405060708');
  });

  await t.test('reset and device disconnect', async () => {
    await server.sendOk({ cmd: 'usb_reset' });
    await host.next(RESET);
    const m = server.eventCount;
    host.send(DEVICE_DISCONNECT, 0, Buffer.alloc(0));
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: m });
    const after = await server.send({ cmd: 'usb_reset' });
    assert.equal(after.ok, false);
    assert.match(after.error ?? '', /not connected a USB device/);
  });
});
