// The USB bridge end to end in the session process's service: the production wiring (realSessionDeps: usbredir
// feature per session, the USB bridge) against the test server's usb-guest (one usbredir channel), a view that
// receives 'usb-state' / 'usb-result' and sends the picker's requests. Host devices come from a scripted backend
// behind the same interface the `usb` package's backend implements (this machine has no USB subsystem): hotplug,
// a device the OS refuses (permission, with the hint), a device with isochronous endpoints (refused with the reason).
// A shared ISO from the launch options attaches on connect; typed paths are checked before sharing; the
// usb-device-reset request re-plugs every redirected device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortMessage, UsbStateMessage } from '../../shared/contract';
import { isPortMessage } from '../../shared/contract-guards';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import type {
  OpenUsbDevice,
  UsbBackend,
  UsbBackendEvents,
  UsbDeviceDescription,
  UsbDeviceSource,
} from '../../main/spice/usbredir/usb-device';
import { UsbDeviceError } from '../../main/spice/usbredir/usb-device';
import { SessionService } from '../../main/session/session-service';
import { realSessionDeps } from '../../main/session/session-wiring';
import { startTestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

function description(key: string, over: Partial<UsbDeviceDescription> = {}): UsbDeviceDescription {
  return {
    key,
    kind: 'host',
    label: `Device ${key}`,
    vendorId: 0x1234,
    productId: 0x5678,
    deviceVersionBcd: 0x100,
    deviceClass: 0xff,
    deviceSubclass: 0,
    deviceProtocol: 0,
    speed: 'high',
    interfaces: [{ class: 0xff, subclass: 0, protocol: 0 }],
    hasIsochronous: false,
    ...over,
  };
}

const minimalDevice = (): OpenUsbDevice => ({
  layout: () => ({
    configuration: 1,
    interfaces: [{ number: 0, alternate: 0, class: 0xff, subclass: 0, protocol: 0 }],
    endpoints: [{ address: 0x81, type: 'bulk', maxPacketSize: 512, interval: 0, interfaceNumber: 0 }],
  }),
  control: () => Promise.resolve({ status: 'stall' }),
  bulk: () => Promise.resolve({ status: 'stall' }),
  interrupt: () => Promise.resolve({ status: 'stall' }),
  setConfiguration: () => Promise.resolve('ok'),
  setAltSetting: () => Promise.resolve('ok'),
  reset: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

class ScriptedBackend implements UsbBackend {
  events: UsbBackendEvents | undefined;
  readonly present: UsbDeviceSource[] = [
    {
      description: description('host:1-2', { label: 'Locked Stick', vendorId: 0x0781, productId: 0x5567 }),
      open: () =>
        Promise.reject(
          new UsbDeviceError('permission', 'access denied to /dev/bus/usb/001/002', {
            hint: 'Add a udev rule: SUBSYSTEM=="usb", ATTR{idVendor}=="0781" …',
          }),
        ),
    },
    {
      description: description('host:1-3', { label: 'Webcam', hasIsochronous: true }),
      open: () => Promise.resolve(minimalDevice()),
    },
  ];
  list(): Promise<{ devices: UsbDeviceSource[] }> {
    return Promise.resolve({ devices: [...this.present] });
  }
  watch(events: UsbBackendEvents): () => void {
    this.events = events;
    return () => (this.events = undefined);
  }
}

class Inbox {
  readonly messages: PortMessage[] = [];
  private waiters: (() => void)[] = [];
  push(m: PortMessage): void {
    assert.ok(
      isPortMessage(m),
      `every message passes the contract guard: ${JSON.stringify(m).slice(0, 200)}`,
    );
    this.messages.push(m);
    for (const w of this.waiters.splice(0)) w();
  }
  lastState(): UsbStateMessage | undefined {
    return this.messages.filter((m): m is UsbStateMessage => m.kind === 'usb-state').at(-1);
  }
  async until<T>(pick: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = pick();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; last state ${JSON.stringify(this.lastState())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  state(predicate: (s: UsbStateMessage) => boolean, what: string): Promise<UsbStateMessage> {
    return this.until(() => {
      const s = this.lastState();
      return s && predicate(s) ? s : undefined;
    }, what);
  }
}

const row = (s: UsbStateMessage, key: string) => s.devices.find((d) => d.key === key);

void test(
  'USB bridge: picker state, images, errors, hotplug, reset — against the usb-guest',
  { timeout: 90_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-usb-bridge-'));
    const iso = join(dir, 'boot.iso');
    writeFileSync(iso, Buffer.alloc(64 * 2048, 0x41));
    const server = await startTestServer({ width: 32, height: 32, usbredir: true });
    const backend = new ScriptedBackend();
    const service = new SessionService({
      ...realSessionDeps(
        silentLogger,
        {},
        { images: [{ path: iso, imageKind: 'cd', writable: false }], typedImagePaths: true },
        backend,
      ),
      logger: silentLogger,
      shell: 'web',
    });
    t.after(async () => {
      service.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const inbox = new Inbox();
    const view = service.attachView(0, { send: (m) => inbox.push(m) });

    // Before a session: the launch image is listed, nothing can be redirected yet.
    const idle = await inbox.state((s) => s.devices.length === 1, 'the idle state');
    assert.equal(idle.availability, 'idle');
    assert.equal(idle.imageSource, 'path');
    assert.deepEqual(idle.resetHotkey, { code: 'KeyR', ctrl: true, shift: true, alt: false, meta: false });
    assert.equal(idle.devices[0]!.kind, 'cd');
    assert.equal(idle.devices[0]!.path, iso);

    // Connected: the shared CD takes the VM's only channel; host devices are listed with their verdicts.
    void service.connect(parseSpiceUri(`spice://127.0.0.1:${server.port}`));
    const ready = await inbox.state(
      (s) => s.availability === 'ready' && row(s, 'cd:1')?.state === 'connected',
      'the CD attached',
    );
    await server.waitFor((e) => e.event === 'usb_device_connect');
    assert.deepEqual(ready.channels, { total: 1, free: 0 });
    const webcam = row(ready, 'host:1-3')!;
    assert.equal(webcam.redirectable, false);
    assert.match(webcam.reason ?? '', /isochronous/);
    assert.equal(row(ready, 'host:1-2')?.autoShare, true, 'the default filter allows a vendor-class device');

    // No free channel: the row says so and what to do.
    view.request('usbConnect', { key: 'host:1-2' });
    const busy = await inbox.state(
      (s) => row(s, 'host:1-2')?.error?.code === 'no-channel',
      'no-channel error',
    );
    assert.match(row(busy, 'host:1-2')!.error!.message, /disconnect a device first/);

    // The toggle off gives the CD back (the guest sees the unplug); the locked stick then fails on permission only.
    let mark = server.eventCount;
    view.request('usbDisconnect', { key: 'cd:1' });
    await inbox.state(
      (s) => row(s, 'cd:1')?.state === 'available' && row(s, 'cd:1')?.shared === false,
      'CD off',
    );
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: mark });
    view.request('usbConnect', { key: 'host:1-2' });
    const denied = await inbox.state(
      (s) => row(s, 'host:1-2')?.error?.code === 'permission',
      'permission error',
    );
    const error = row(denied, 'host:1-2')!.error!;
    assert.match(error.hint ?? '', /udev rule/);
    assert.equal(error.fix, undefined, "the one-click udev fix is the desktop app's only");
    assert.equal(denied.availability, 'ready', 'a device error leaves the channel and the session up');

    // Hotplug: a device plugged in appears, and disappears when unplugged.
    backend.events!.added({
      description: description('host:2-1', { label: 'Hot Plugged' }),
      open: () => Promise.resolve(minimalDevice()),
    });
    await inbox.state((s) => row(s, 'host:2-1')?.label === 'Hot Plugged', 'hotplugged device listed');
    backend.events!.removed('host:2-1');
    await inbox.state((s) => row(s, 'host:2-1') === undefined, 'unplugged device gone');

    // A typed path is checked first: missing, relative, a folder — each a usb-result with what to do.
    const results = (): number => inbox.messages.filter((m) => m.kind === 'usb-result').length;
    for (const [path, pattern] of [
      [join(dir, 'nope.iso'), /does not exist/],
      ['boot.iso', /not a full path/],
      [dir, /is a folder/],
    ] as const) {
      const before = results();
      view.request('usbShareImage', { path, imageKind: 'cd', writable: false });
      const r = await inbox.until(
        () => (results() > before ? inbox.messages.filter((m) => m.kind === 'usb-result').at(-1) : undefined),
        `result for ${path}`,
      );
      assert.equal(r.kind === 'usb-result' && r.level, 'error');
      assert.match(r.kind === 'usb-result' ? r.message : '', pattern);
      assert.ok(r.kind === 'usb-result' && r.hint, 'every refusal says what to do');
    }

    // A typed disk image is shared (read-only) and attaches to the free channel.
    const img = join(dir, 'disk.img');
    writeFileSync(img, Buffer.alloc(1 << 20));
    mark = server.eventCount;
    view.request('usbShareImage', { path: img, imageKind: 'disk', writable: false });
    const disk = await inbox.state(
      (s) => s.devices.some((d) => d.kind === 'disk' && d.state === 'connected'),
      'disk attached',
    );
    const diskRow = disk.devices.find((d) => d.kind === 'disk')!;
    assert.equal(diskRow.writable, false);
    await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });

    // usb-device-reset: every redirected device is unplugged and plugged again.
    mark = server.eventCount;
    view.request('usbReset', {});
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: mark });
    await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });
    await inbox.state((s) => row(s, diskRow.key)?.state === 'connected', 'disk connected again after reset');

    // Stop sharing: the image leaves the list.
    view.request('usbRemoveImage', { key: diskRow.key });
    await inbox.state((s) => row(s, diskRow.key) === undefined, 'disk removed');

    // The session ends: back to idle, the launch image stays listed for the next session.
    service.disconnect();
    const after = await inbox.state((s) => s.availability === 'idle', 'idle after disconnect');
    assert.ok(row(after, 'cd:1'));
    view.detach();
  },
);
