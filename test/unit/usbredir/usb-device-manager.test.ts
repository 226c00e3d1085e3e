// The device manager: channel assignment (one device per channel), the no-free-channel error, redirect-on-connect,
// auto-connect on hotplug per the filter (never HID by default), unplug of a redirected device, the reset hotkey,
// per-device errors (a device that fails to open) that leave the channel usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../main/spice/logger';
import type { UsbredirChannel } from '../../../main/spice/channels/usbredir-channel';
import { UsbDeviceManager } from '../../../main/spice/usbredir/usb-device-manager';
import { UsbredirHost } from '../../../main/spice/usbredir/usbredir-host';
import {
  UsbDeviceError,
  type OpenUsbDevice,
  type UsbBackendEvents,
  type UsbDeviceDescription,
  type UsbDeviceSource,
} from '../../../main/spice/usbredir/usb-device';
import * as P from '../../../main/spice/usbredir/usbredir-proto';
import { GuestSim } from './guest-sim';

function fakeChannel(id: number): { channel: UsbredirChannel; guest: GuestSim; host: UsbredirHost } {
  const guest = new GuestSim();
  const host = new UsbredirHost({ write: (b) => guest.fromHost(b), logger: silentLogger });
  void host.receive(guest.hello());
  return { channel: { id, host } as unknown as UsbredirChannel, guest, host };
}

function device(
  key: string,
  cls: number,
  opts: { failOpen?: UsbDeviceError } = {},
): UsbDeviceSource & { opened: number; closed: number } {
  const description: UsbDeviceDescription = {
    key,
    kind: 'host',
    label: `dev ${key}`,
    vendorId: 0x1111,
    productId: cls,
    deviceVersionBcd: 0x100,
    deviceClass: 0,
    deviceSubclass: 0,
    deviceProtocol: 0,
    speed: 'full',
    interfaces: [{ class: cls, subclass: 1, protocol: 1 }],
    hasIsochronous: false,
  };
  const d = {
    description,
    opened: 0,
    closed: 0,
    open: (): Promise<OpenUsbDevice> => {
      if (opts.failOpen) return Promise.reject(opts.failOpen);
      d.opened++;
      return Promise.resolve({
        layout: () => ({
          configuration: 1,
          interfaces: [{ number: 0, alternate: 0, class: cls, subclass: 1, protocol: 1 }],
          endpoints: [],
        }),
        control: () => Promise.resolve({ status: 'stall' as const }),
        bulk: () => Promise.resolve({ status: 'stall' as const }),
        interrupt: () => Promise.resolve({ status: 'stall' as const }),
        setConfiguration: () => Promise.resolve('ok' as const),
        setAltSetting: () => Promise.resolve('ok' as const),
        reset: () => Promise.resolve(),
        close: () => {
          d.closed++;
          return Promise.resolve();
        },
      });
    },
  };
  return d;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

void test('one device per channel; a second one gets the no-free-channel error', async () => {
  const a = device('host:1-1', 8);
  const b = device('host:1-2', 8);
  const m = new UsbDeviceManager({
    logger: silentLogger,
    backend: { list: () => Promise.resolve({ devices: [a, b] }), watch: () => () => {} },
  });
  await m.start();
  const ch = fakeChannel(0);
  m.channelHooks.onLinked(ch.channel);
  await m.connect('host:1-1');
  assert.equal(ch.guest.take(P.usb_redir_device_connect).length, 1);
  await assert.rejects(
    m.connect('host:1-2'),
    (e: UsbDeviceError) => e.code === 'no-channel' && /all 1 USB redirection channels/.test(e.message),
  );
  assert.equal(m.list().find((d) => d.key === 'host:1-2')!.error?.code, 'no-channel');
  await m.disconnect('host:1-1');
  assert.equal(a.closed, 1);
  await m.connect('host:1-2');
  assert.equal(m.list().find((d) => d.key === 'host:1-2')!.state, 'connected');
  await m.close();
  assert.equal(b.closed, 1);
});

void test('redirect-on-connect takes matching devices when channels come up; a failing device frees its channel', async () => {
  const storage = device('host:2-1', 8);
  const broken = device('host:2-2', 8, {
    failOpen: new UsbDeviceError('permission', 'denied', { hint: 'add a udev rule' }),
  });
  const printer = device('host:2-3', 7);
  const m = new UsbDeviceManager({
    logger: silentLogger,
    backend: { list: () => Promise.resolve({ devices: [broken, storage, printer] }), watch: () => () => {} },
    redirectOnConnectFilter: '0x08,-1,-1,-1,1',
  });
  const errors: { code: string; hint?: string }[] = [];
  m.on('device-error', (e) => errors.push(e));
  await m.start();
  const ch = fakeChannel(0);
  m.channelHooks.onLinked(ch.channel);
  for (let i = 0; i < 50 && m.list().find((d) => d.key === 'host:2-1')!.state !== 'connected'; i++)
    await tick();
  assert.equal(
    m.list().find((d) => d.key === 'host:2-1')!.state,
    'connected',
    'the channel went to the next wanted device',
  );
  assert.deepEqual(errors, [
    {
      key: 'host:2-2',
      label: 'dev host:2-2',
      code: 'permission',
      message: 'denied',
      hint: 'add a udev rule',
    },
  ]);
  assert.equal(m.list().find((d) => d.key === 'host:2-3')!.state, 'available', 'not matched by the filter');
  await m.close();
});

void test('auto-connect on hotplug follows the filter (never HID by default); unplug detaches', async () => {
  let events: UsbBackendEvents | null = null;
  const m = new UsbDeviceManager({
    logger: silentLogger,
    autoConnect: true,
    backend: { list: () => Promise.resolve({ devices: [] }), watch: (e) => ((events = e), () => {}) },
  });
  await m.start();
  const ch1 = fakeChannel(0);
  const ch2 = fakeChannel(1);
  m.channelHooks.onLinked(ch1.channel);
  m.channelHooks.onLinked(ch2.channel);
  const keyboard = device('host:3-1', 3);
  const stick = device('host:3-2', 8);
  events!.added(keyboard);
  events!.added(stick);
  for (let i = 0; i < 50 && m.list().find((d) => d.key === 'host:3-2')!.state !== 'connected'; i++)
    await tick();
  assert.equal(m.list().find((d) => d.key === 'host:3-1')!.state, 'available');
  assert.equal(m.list().find((d) => d.key === 'host:3-1')!.autoConnect, 'deny');
  assert.equal(m.list().find((d) => d.key === 'host:3-2')!.state, 'connected');
  const removed: string[] = [];
  m.on('device-removed', (e) => removed.push(e.key));
  events!.removed('host:3-2');
  assert.deepEqual(removed, ['host:3-2']);
  await tick();
  assert.equal(stick.closed, 1);
  assert.equal(m.channelCount.free, 2);
  await m.close();
});

void test('the usb-device-reset hotkey reconnects every redirected device; a closed channel releases its device', async () => {
  const a = device('host:4-1', 8);
  const m = new UsbDeviceManager({
    logger: silentLogger,
    backend: { list: () => Promise.resolve({ devices: [a] }), watch: () => () => {} },
  });
  await m.start();
  const ch = fakeChannel(0);
  m.channelHooks.onLinked(ch.channel);
  await m.connect('host:4-1');
  ch.guest.take(P.usb_redir_device_connect);
  const acked = (async () => {
    await ch.guest.next(P.usb_redir_device_disconnect);
    await ch.host.receive(ch.guest.encode({ type: P.usb_redir_device_disconnect_ack, id: 0n }));
  })();
  await m.resetConnections();
  await acked;
  assert.equal(a.opened, 2);
  assert.equal(a.closed, 1);
  assert.equal(ch.guest.take(P.usb_redir_device_connect).length, 1);
  m.channelHooks.onClosed(ch.channel, ch.host.close());
  await tick();
  assert.equal(a.closed, 2);
  assert.equal(m.list()[0]!.state, 'available');
  assert.equal(m.list()[0]!.error?.code, 'no-channel');
  await m.close();
});
