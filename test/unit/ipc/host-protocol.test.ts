// The control messages between a shell and its session process are guarded both ways; the desktop app's routing
// of what the session process says is a pure function.
import { defaultSettings, type Settings } from '../../../shared/settings';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostMessage, isProcessMessage, type HostMessage } from '../../../main/ipc/host-protocol';
import { routeProcessMessage } from '../../../main/ipc/desktop-routing';
import { parseSpiceUri } from '../../../main/spice/connect/uri';

const config = parseSpiceUri('spice://h:1');

void test('host messages: valid ones pass, anything else is refused', () => {
  const valid: HostMessage[] = [
    { t: 'init', shell: 'electron', debug: false, recentFile: '/u/recent.json' },
    { t: 'init', shell: 'web', debug: true, crashed: { message: 'gone', config } },
    { t: 'attach', viewId: 1, monitor: 0 },
    { t: 'detach', viewId: 1 },
    { t: 'connect', config },
    { t: 'open', target: '/tmp/a.vv' },
    { t: 'disconnect' },
    { t: 'reconnect' },
    { t: 'command', command: 'zoom-in', monitor: 1 },
    { t: 'send-keys', combo: 'ctrl-alt-del' },
    { t: 'shutdown' },
  ];
  for (const m of valid) assert.equal(isHostMessage(m), true, JSON.stringify(m));
  const invalid: unknown[] = [
    null,
    { t: 'eval', code: '1' },
    { t: 'attach', viewId: 0, monitor: 0 },
    { t: 'attach', viewId: 1, monitor: -1 },
    { t: 'init', shell: 'other', debug: false },
    { t: 'connect', config: { host: 5 } },
    { t: 'command', command: 'format' },
    { t: 'send-keys', combo: 'rm' },
    { t: 'shutdown', now: true },
  ];
  for (const m of invalid) assert.equal(isHostMessage(m), false, JSON.stringify(m));
});

void test('process messages: valid ones pass, anything else is refused', () => {
  assert.equal(isProcessMessage({ t: 'log', level: 'info', message: 'x', fields: { a: 1 } }), true);
  assert.equal(isProcessMessage({ t: 'monitor-count', count: 3 }), true);
  assert.equal(isProcessMessage({ t: 'command', monitor: 0, command: 'fullscreen', on: true }), true);
  assert.equal(isProcessMessage({ t: 'connecting', config }), true);
  assert.equal(isProcessMessage({ t: 'log', level: 'loud', message: 'x' }), false);
  assert.equal(isProcessMessage({ t: 'monitor-count', count: 1e9 }), false);
  assert.equal(isProcessMessage({ t: 'exec' }), false);
});

void test('desktop routing: windows, fullscreen, commands back to the views, dialogs', () => {
  const calls: unknown[] = [];
  const shell = {
    setMonitorCount: (n: number) => calls.push(['count', n]),
    toggleFullscreen: (m: number, on?: boolean) => calls.push(['fullscreen', m, on]),
    send: (m: HostMessage) => calls.push(['send', m]),
    showError: (m: string, d: string) => calls.push(['error', m, d]),
    settingsChanged: (s: Settings) => calls.push(['settings', s.language]),
    chooseFile: () => Promise.resolve(undefined),
    run: () => Promise.resolve(),
  };
  void routeProcessMessage({ t: 'monitor-count', count: 2 }, shell);
  void routeProcessMessage({ t: 'command', monitor: 1, command: 'fullscreen' }, shell);
  void routeProcessMessage({ t: 'command', monitor: 0, command: 'fullscreen', on: true }, shell);
  void routeProcessMessage({ t: 'command', monitor: 1, command: 'screenshot' }, shell);
  void routeProcessMessage({ t: 'open-failed', message: 'no such file' }, shell);
  void routeProcessMessage({ t: 'connecting', config }, shell);
  void routeProcessMessage({ t: 'settings', settings: { ...defaultSettings(), language: 'zh-CN' } }, shell);
  assert.deepEqual(calls, [
    ['count', 2],
    ['fullscreen', 1, undefined],
    ['fullscreen', 0, true],
    ['send', { t: 'command', command: 'screenshot', monitor: 1 }],
    ['error', 'Cannot open the connection', 'no such file'],
    ['settings', 'zh-CN'],
  ]);
});

void test('USB control messages: guarded both ways', () => {
  assert.equal(isProcessMessage({ t: 'usb-choose-image', imageKind: 'cd', writable: false }), true);
  assert.equal(isProcessMessage({ t: 'usb-choose-image', imageKind: 'tape', writable: false }), false);
  assert.equal(isProcessMessage({ t: 'usb-install-udev-rule', vendorId: 0x0781, productId: 0x5567 }), true);
  assert.equal(isProcessMessage({ t: 'usb-install-udev-rule', vendorId: 0x10000, productId: 1 }), false);
  const image = { path: '/isos/a.iso', imageKind: 'cd', writable: false };
  assert.equal(isHostMessage({ t: 'usb-input', input: { t: 'usb-share-image', image } }), true);
  assert.equal(
    isHostMessage({ t: 'usb-input', input: { t: 'usb-share-image', image: { ...image, x: 1 } } }),
    false,
  );
  assert.equal(
    isHostMessage({ t: 'usb-input', input: { t: 'usb-udev-result', ok: true, message: 'ok' } }),
    true,
  );
  assert.equal(isHostMessage({ t: 'usb-input', input: { t: 'rm-rf' } }), false);
  const usb = { images: [image], typedImagePaths: true, autoRedirect: '0x08,-1,-1,-1,1|-1,-1,-1,-1,0' };
  assert.equal(isHostMessage({ t: 'init', shell: 'web', debug: false, usb }), true);
  assert.equal(
    isHostMessage({ t: 'init', shell: 'web', debug: false, usb: { ...usb, autoRedirect: 'x' } }),
    false,
  );
  assert.equal(
    isHostMessage({
      t: 'init',
      shell: 'web',
      debug: false,
      usb: { ...usb, images: [{ ...image, path: 'rel.iso' }] },
    }),
    false,
  );
});

void test('desktop routing: a chosen image goes back to the session, the udev rule runs through pkexec', async () => {
  const sent: HostMessage[] = [];
  const ran: [string, string[]][] = [];
  const shell = {
    setMonitorCount: () => {},
    toggleFullscreen: () => {},
    send: (m: HostMessage) => sent.push(m),
    showError: () => {},
    settingsChanged: () => {},
    chooseFile: (title: string) => Promise.resolve(title.includes('ISO') ? '/isos/d.iso' : undefined),
    run: (file: string, args: string[]) => {
      ran.push([file, args]);
      return ran.length === 1 ? Promise.resolve() : Promise.reject(new Error('dismissed'));
    },
  };
  await routeProcessMessage({ t: 'usb-choose-image', imageKind: 'cd', writable: false }, shell);
  await routeProcessMessage({ t: 'usb-choose-image', imageKind: 'disk', writable: true }, shell); // cancelled
  await routeProcessMessage({ t: 'usb-install-udev-rule', vendorId: 0x0781, productId: 0x5567 }, shell);
  await routeProcessMessage({ t: 'usb-install-udev-rule', vendorId: 0x0781, productId: 0x5567 }, shell);
  assert.deepEqual(sent[0], {
    t: 'usb-input',
    input: { t: 'usb-share-image', image: { path: '/isos/d.iso', imageKind: 'cd', writable: false } },
  });
  assert.equal(sent.length, 3);
  assert.equal(ran[0]![0], 'pkexec');
  assert.ok(ran[0]![1].some((a) => a.includes('ATTR{idVendor}=="0781"')));
  assert.deepEqual(
    sent.slice(1).map((m) => m.t === 'usb-input' && m.input.t === 'usb-udev-result' && m.input.ok),
    [true, false],
  );
});
