// Saffron's usb-host side against the test server's usb-guest (libusbredirparser inside libspice-server): a real
// SpiceSession with USB redirection installed and a scripted device behind the device interface. Every packet type
// travels both ways (hello, ep/interface info, connect/disconnect + ack, configuration and alt settings, control,
// bulk, interrupt, interrupt and bulk receiving, iso refused, cancel, reset, filters both ways), with 64- and
// 32-bit ids; LZ4 compresses bulk data both ways; a malformed packet drops only the usbredir channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import type { UsbredirChannel } from '../../main/spice/channels/usbredir-channel';
import { usbRedirectionFeature } from '../../main/spice/usbredir/usb-redirection-feature';
import type {
  OpenUsbDevice,
  UsbBackend,
  UsbDeviceDescription,
  UsbDeviceLayout,
  UsbSetup,
  UsbTransferResult,
} from '../../main/spice/usbredir/usb-device';
import { UsbDeviceError } from '../../main/spice/usbredir/usb-device';
import type { UsbDeviceManager } from '../../main/spice/usbredir/usb-device-manager';
import { startTestServer, type TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

const DESCRIPTOR = Buffer.from('12010002ff0000401234785602010102030001', 'hex').subarray(0, 18);

/** A device with bulk 0x81/0x02 (echo), 0x84 (stream), 0x85 (never answers), interrupt 0x83 IN and 0x01 OUT. */
class ScriptedDevice implements OpenUsbDevice {
  alt = 0;
  configuration = 1;
  resets = 0;
  closed = false;
  goneOnReset = false;
  controlOut: Buffer[] = [];
  bulkOut: Buffer[] = [];
  interruptOut: Buffer[] = [];
  private echo = Buffer.alloc(0);
  private counter = 0;

  layout(): UsbDeviceLayout {
    return {
      configuration: this.configuration,
      interfaces: [{ number: 0, alternate: this.alt, class: 0xff, subclass: this.alt, protocol: 0 }],
      endpoints: [
        { address: 0x81, type: 'bulk', maxPacketSize: 512, interval: 0, interfaceNumber: 0 },
        { address: 0x02, type: 'bulk', maxPacketSize: 512, interval: 0, interfaceNumber: 0 },
        { address: 0x84, type: 'bulk', maxPacketSize: 512, interval: 0, interfaceNumber: 0 },
        { address: 0x85, type: 'bulk', maxPacketSize: 512, interval: 0, interfaceNumber: 0 },
        { address: 0x83, type: 'interrupt', maxPacketSize: 8, interval: 4, interfaceNumber: 0 },
        { address: 0x01, type: 'interrupt', maxPacketSize: 8, interval: 4, interfaceNumber: 0 },
      ],
    };
  }
  control(setup: UsbSetup, data: Uint8Array | null): Promise<UsbTransferResult> {
    if (setup.requestType === 0x80 && setup.request === 6 && setup.value === 0x100)
      return Promise.resolve({ status: 'ok', data: DESCRIPTOR.subarray(0, setup.length) });
    if (setup.requestType === 0x40 && setup.request === 0x42) {
      this.controlOut.push(Buffer.from(data ?? []));
      return Promise.resolve({ status: 'ok', written: data?.length ?? 0 });
    }
    return Promise.resolve({ status: 'stall' });
  }
  bulk(endpoint: number, d: Uint8Array | number, signal: AbortSignal): Promise<UsbTransferResult> {
    if (endpoint === 0x02 && typeof d !== 'number') {
      this.bulkOut.push(Buffer.from(d));
      this.echo = Buffer.from(d);
      return Promise.resolve({ status: 'ok', written: d.length });
    }
    if (endpoint === 0x81) return Promise.resolve({ status: 'ok', data: this.echo });
    if (endpoint === 0x84 && typeof d === 'number')
      return new Promise((r) =>
        setTimeout(() => r({ status: 'ok', data: Buffer.alloc(Math.min(d, 16), ++this.counter) }), 5),
      );
    // 0x85: answers only when cancelled
    return new Promise((r) =>
      signal.addEventListener('abort', () => r({ status: 'cancelled' }), { once: true }),
    );
  }
  interrupt(endpoint: number, d: Uint8Array | number, signal: AbortSignal): Promise<UsbTransferResult> {
    if (endpoint === 0x01 && typeof d !== 'number') {
      this.interruptOut.push(Buffer.from(d));
      return Promise.resolve({ status: 'ok', written: d.length });
    }
    return new Promise((r) => {
      const t = setTimeout(() => r({ status: 'ok', data: Buffer.from([0xa0, ++this.counter & 0xff]) }), 10);
      signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    });
  }
  setConfiguration(value: number) {
    if (value > 1) return Promise.resolve('stall' as const);
    this.configuration = value;
    return Promise.resolve('ok' as const);
  }
  setAltSetting(iface: number, alt: number) {
    if (iface !== 0 || alt > 1) return Promise.resolve('stall' as const);
    this.alt = alt;
    return Promise.resolve('ok' as const);
  }
  reset(): Promise<void> {
    this.resets++;
    if (this.goneOnReset) return Promise.reject(new UsbDeviceError('gone', 'the device did not come back'));
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const DESCRIPTION: UsbDeviceDescription = {
  key: 'host:9-1',
  kind: 'host',
  label: 'Scripted device',
  vendorId: 0x1234,
  productId: 0x5678,
  deviceVersionBcd: 0x0102,
  deviceClass: 0xff,
  deviceSubclass: 0,
  deviceProtocol: 0,
  speed: 'high',
  interfaces: [{ class: 0xff, subclass: 0, protocol: 0 }],
  hasIsochronous: false,
};

/** Connects the scripted device and waits until the usb-guest has seen device_connect. */
async function connectDevice(server: TestServer, manager: UsbDeviceManager): Promise<void> {
  const mark = server.eventCount;
  await manager.connect('host:9-1');
  await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });
}

async function setup(
  server: TestServer,
): Promise<{ session: SpiceSession; manager: UsbDeviceManager; devices: ScriptedDevice[] }> {
  const devices: ScriptedDevice[] = [];
  const backend: UsbBackend = {
    list: () =>
      Promise.resolve({
        devices: [
          {
            description: DESCRIPTION,
            open: () => Promise.resolve(devices[devices.push(new ScriptedDevice()) - 1]!),
          },
        ],
      }),
    watch: () => () => {},
  };
  const config = parseSpiceUri(`spice://127.0.0.1:${server.port}`);
  const usb = usbRedirectionFeature({ backend, logger: silentLogger });
  const manager = usb.manager;
  const session = new SpiceSession({
    opener: createStreamOpener(config, { logger: silentLogger }),
    logger: silentLogger,
    features: [usb],
  });
  await session.connect();
  await manager.start();
  await new Promise<void>((resolve) => {
    if (manager.channelCount.total > 0) resolve();
    else manager.on('channels', ({ total }) => total > 0 && resolve());
  });
  return { session, manager, devices };
}

void test('usb-host against the test server usb-guest: every packet type', { timeout: 60_000 }, async (t) => {
  const server = await startTestServer({ width: 32, height: 32, usbredir: true });
  const { session, manager, devices } = await setup(server);
  t.after(async () => {
    session.close();
    await server.stop();
  });
  const mark = server.eventCount;
  await connectDevice(server, manager);
  const dev = devices[0]!;
  const hello = await server.waitFor((e) => e.event === 'usb_hello', { after: 0 });
  assert.deepEqual(hello.caps, [
    'connect_device_version',
    'filter',
    'device_disconnect_ack',
    'ep_info_max_packet_size',
    '64bits_ids',
    '32bits_bulk_length',
    'bulk_receiving',
  ]);
  const conn = await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });
  assert.deepEqual(
    [conn.vendor_id, conn.product_id, conn.device_version_bcd, conn.speed],
    [0x1234, 0x5678, 0x0102, 2],
  );
  const eps = await server.waitFor((e) => e.event === 'usb_ep_info', { after: mark });
  assert.ok(
    (eps.endpoints as { address: number; interval: number; type: number }[]).some(
      (e) => e.address === 0x83 && e.interval === 4 && e.type === 3,
    ),
  );
  assert.equal(manager.list()[0]!.state, 'connected');

  await t.test('control IN and OUT', async () => {
    const r = await server.sendOk({
      cmd: 'usb_control',
      request: 6,
      requesttype: 0x80,
      value: 0x100,
      length: 18,
    });
    const res = await server.waitFor((e) => e.event === 'usb_control_result' && e.id === r.transfer_id);
    assert.equal(res.data, DESCRIPTOR.toString('hex'));
    const o = await server.sendOk({ cmd: 'usb_control', request: 0x42, requesttype: 0x40, data: 'c0ffee' });
    const ores = await server.waitFor((e) => e.event === 'usb_control_result' && e.id === o.transfer_id);
    assert.deepEqual([ores.status, ores.length], [0, 3]);
    assert.equal(dev.controlOut[0]!.toString('hex'), 'c0ffee');
    const s = await server.sendOk({ cmd: 'usb_control', request: 0x99, requesttype: 0xc0, length: 4 });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_control_result' && e.id === s.transfer_id)).status,
      4,
      'stall',
    );
  });

  await t.test('bulk OUT then IN, 64 KiB of compressible data (LZ4 both ways)', async () => {
    const channel = session.getChannel<UsbredirChannel>(E.SPICE_CHANNEL_USBREDIR, 0)!;
    const payload = Buffer.alloc(65536, 'saffron usb ').toString('hex');
    const o = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x02, data: payload });
    await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === o.transfer_id);
    assert.equal(
      dev.bulkOut.at(-1)!.toString('hex'),
      payload,
      'the guest data arrived intact (server → client, LZ4)',
    );
    const before = channel.stats.compressedIn;
    const i = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x81, length: 65536 });
    const res = await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === i.transfer_id);
    assert.equal(res.length, 65536);
    assert.equal(res.data, payload.slice(0, 8192), 'first 4 KiB reported by the server');
    assert.ok(channel.stats.compressedIn > before, 'client → server data went out LZ4-compressed');
    assert.ok(channel.stats.compressedOut < channel.stats.compressedIn / 4);
  });

  await t.test('configuration and alt settings', async () => {
    const a = await server.sendOk({ cmd: 'usb_set_configuration', configuration: 1 });
    const sa = await server.waitFor((e) => e.event === 'usb_configuration_status' && e.id === a.transfer_id);
    assert.deepEqual([sa.status, sa.configuration], [0, 1]);
    const b = await server.sendOk({ cmd: 'usb_set_configuration', configuration: 2 });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_configuration_status' && e.id === b.transfer_id)).status,
      4,
    );
    const g = await server.sendOk({ cmd: 'usb_get_configuration' });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_configuration_status' && e.id === g.transfer_id))
        .configuration,
      1,
    );
    const m = server.eventCount;
    const s = await server.sendOk({ cmd: 'usb_set_alt_setting', interface: 0, alt: 1 });
    const ss = await server.waitFor((e) => e.event === 'usb_alt_setting_status' && e.id === s.transfer_id);
    assert.deepEqual([ss.status, ss.alt], [0, 1]);
    const info = await server.waitFor((e) => e.event === 'usb_interface_info', { after: m });
    assert.equal(
      (info.interfaces as { subclass: number }[])[0]!.subclass,
      1,
      'new interface info sent before the status',
    );
    const q = await server.sendOk({ cmd: 'usb_get_alt_setting', interface: 0 });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_alt_setting_status' && e.id === q.transfer_id)).alt,
      1,
    );
  });

  await t.test('interrupt receiving, interrupt OUT, bulk receiving, iso refused', async () => {
    const m = server.eventCount;
    await server.sendOk({ cmd: 'usb_interrupt_receiving', endpoint: 0x83, start: true });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_interrupt_receiving_status', { after: m })).status,
      0,
    );
    const p1 = await server.waitFor((e) => e.event === 'usb_interrupt_packet' && e.endpoint === 0x83, {
      after: m,
    });
    const p2 = await server.waitFor(
      (e) => e.event === 'usb_interrupt_packet' && (e.id as number) > (p1.id as number),
      { after: m },
    );
    assert.match(p2.data as string, /^a0/);
    await server.sendOk({ cmd: 'usb_interrupt_receiving', endpoint: 0x83, start: false });
    const o = await server.sendOk({ cmd: 'usb_interrupt', endpoint: 0x01, data: '0102' });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_interrupt_packet' && e.id === o.transfer_id)).status,
      0,
    );
    assert.equal(dev.interruptOut[0]!.toString('hex'), '0102');
    const m2 = server.eventCount;
    await server.sendOk({
      cmd: 'usb_bulk_receiving',
      endpoint: 0x84,
      start: true,
      bytes_per_transfer: 512,
      transfers: 2,
    });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_bulk_receiving_status', { after: m2 })).status,
      0,
    );
    const b = await server.waitFor((e) => e.event === 'usb_buffered_bulk_packet', { after: m2 });
    assert.equal((b.data as string).length, 32);
    await server.sendOk({ cmd: 'usb_bulk_receiving', endpoint: 0x84, start: false });
    const iso = await server.sendOk({ cmd: 'usb_iso_stream', endpoint: 0x86 });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_iso_stream_status' && e.id === iso.transfer_id)).status,
      2,
      'inval',
    );
  });

  await t.test('cancel and reset', async () => {
    const i = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x85, length: 64 });
    await new Promise((r) => setTimeout(r, 50));
    await server.sendOk({ cmd: 'usb_cancel', transfer_id: i.transfer_id as number });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === i.transfer_id)).status,
      1,
      'cancelled',
    );
    await server.sendOk({ cmd: 'usb_reset' });
    for (let n = 0; n < 50 && dev.resets === 0; n++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(dev.resets, 1);
  });

  await t.test('the guest filter and filter_reject', async () => {
    const m = server.eventCount;
    await server.sendOk({ cmd: 'usb_filter', filter: '0xff,0x1234,-1,-1,1|-1,-1,-1,-1,0' });
    await server.sendOk({ cmd: 'usb_filter_reject' });
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: m });
    for (let n = 0; n < 50 && manager.list()[0]!.state !== 'available'; n++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(manager.list()[0]!.state, 'available');
    assert.equal(manager.list()[0]!.error?.code, 'rejected');
    assert.equal(dev.closed, true, 'the device handle was released');
  });

  await t.test(
    'disconnect during a transfer: device_disconnect, no late reply, reconnect works',
    async () => {
      await connectDevice(server, manager);
      const m = server.eventCount;
      const pending = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x85, length: 64 });
      await new Promise((r) => setTimeout(r, 50));
      await manager.disconnect('host:9-1');
      await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: m });
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(
        !server.events.slice(m).some((e) => e.event === 'usb_bulk_result' && e.id === pending.transfer_id),
      );
      assert.equal(devices[1]!.closed, true);
      await connectDevice(server, manager);
      const r = await server.sendOk({
        cmd: 'usb_control',
        request: 6,
        requesttype: 0x80,
        value: 0x100,
        length: 18,
      });
      assert.equal(
        (await server.waitFor((e) => e.event === 'usb_control_result' && e.id === r.transfer_id)).status,
        0,
      );
    },
  );

  await t.test('a malformed packet drops the usbredir channel only; the device is released', async () => {
    const errors: string[] = [];
    session.on('channel-error', (e) => errors.push(e.error.message));
    // type 1 (device_connect) may not come from a usb-guest
    await server.sendOk({ cmd: 'usb_raw', data: '01000000080000000000000000000000' + '00'.repeat(8) });
    for (let n = 0; n < 100 && manager.channelCount.total > 0; n++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(manager.channelCount.total, 0);
    assert.match(errors.join('\n'), /may not be sent by the usb-guest/);
    assert.equal(session.isClosed, false);
    assert.equal(manager.list()[0]!.state, 'available');
    assert.equal(devices[2]!.closed, true);
  });
});

void test(
  '32-bit ids and no disconnect ack when the guest lacks those caps',
  { timeout: 30_000 },
  async (t) => {
    const server = await startTestServer({
      width: 32,
      height: 32,
      usbredir: true,
      usbredirCaps: ['connect_device_version', 'ep_info_max_packet_size', 'filter'],
    });
    const { session, manager, devices } = await setup(server);
    t.after(async () => {
      session.close();
      await server.stop();
    });
    await connectDevice(server, manager);
    const channel = session.getChannel<UsbredirChannel>(E.SPICE_CHANNEL_USBREDIR, 0)!;
    assert.equal(channel.host!.wireLayout.ids64, false);
    assert.equal(channel.host!.wireLayout.bulkLength32, false);
    const r = await server.sendOk({ cmd: 'usb_bulk', endpoint: 0x02, data: 'ab'.repeat(100) });
    assert.equal(
      (await server.waitFor((e) => e.event === 'usb_bulk_result' && e.id === r.transfer_id)).length,
      100,
    );
    await manager.disconnect('host:9-1');
    await connectDevice(server, manager);
    assert.equal(devices.length, 2);
  },
);
