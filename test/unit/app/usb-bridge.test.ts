// The USB bridge in the session service with a scripted session: .vv keys (enable-usbredir, usb-device-reset,
// usb-filter) reach the picker's state, the desktop app's file dialog and its answer, shared images outliving a
// session, and the plain decisions (image source, auto-share precedence, the udev one-click).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortMessage, UsbImageKind, UsbStateMessage } from '../../../shared/contract';
import { isPortMessage } from '../../../shared/contract-guards';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import {
  autoShareFor,
  imageSourceFor,
  udevFixOffered,
  UsbBridge,
} from '../../../main/session/bridges/usb-bridge';
import { UsbSessions } from '../../../main/session/bridges/usb-sessions';
import type { UsbLaunchOptions } from '../../../main/session/bridges/usb-launch-options';
import { SessionService } from '../../../main/session/session-service';
import { noShellEvents } from '../../../main/session/shell-events';
import { FakeSession } from './fake-session';

const tick = () => new Promise((r) => setImmediate(r));
/** Waits (file checks are real I/O) until `ok` holds, at most 5 s. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(shell: 'electron' | 'web', launch: UsbLaunchOptions) {
  const sessions = new UsbSessions({ logger: silentLogger, launch });
  const asked: [UsbImageKind, boolean][] = [];
  const service = new SessionService({
    createSession: (config) => {
      const s = new FakeSession();
      const usb = sessions.featureFor(config);
      if (usb) sessions.bind(s, usb.feature.manager, usb.filters);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text, { capabilities: { usbredir: true, hotkeys: true, window: true } }),
    logger: silentLogger,
    shell,
    events: { ...noShellEvents, usbChooseImage: (kind, writable) => asked.push([kind, writable]) },
    bridges: (ctx) => [new UsbBridge(ctx, { sessions, launch, platform: 'linux' })],
  });
  const messages: PortMessage[] = [];
  const view = service.attachView(0, {
    send: (m) => {
      assert.ok(isPortMessage(m), JSON.stringify(m));
      messages.push(m);
    },
  });
  const state = () => messages.filter((m): m is UsbStateMessage => m.kind === 'usb-state').at(-1)!;
  return { service, view, messages, state, asked };
}

const vv = (lines: string[]) =>
  ['[virt-viewer]', 'type=spice', 'host=127.0.0.1', 'port=5900', ...lines].join('\n');

void test('.vv usb-device-reset sets the hotkey the page matches; a bad one falls back with a notice', async () => {
  const { view, state, messages } = setup('web', { images: [], typedImagePaths: false });
  assert.deepEqual(state().resetHotkey, { code: 'KeyR', ctrl: true, shift: true, alt: false, meta: false });
  view.request('openVv', { fileName: 'a.vv', text: vv(['usb-device-reset=ctrl+alt+u']) });
  await until(() => state().resetHotkey.code === 'KeyU', 'the .vv hotkey');
  assert.deepEqual(state().resetHotkey, { code: 'KeyU', ctrl: true, shift: false, alt: true, meta: false });
  assert.equal(state().imageSource, 'none', 'saffron web off loopback: images only from the command line');
  view.request('openVv', { fileName: 'b.vv', text: vv(['usb-device-reset=ctrl+banana']) });
  await until(() => messages.some((m) => m.kind === 'notice' && m.message.includes('ctrl+banana')), 'notice');
  await tick();
  assert.equal(state().resetHotkey.code, 'KeyR');
  assert.ok(
    messages.some((m) => m.kind === 'notice' && m.message.includes('ctrl+banana')),
    'the bad hotkey is reported',
  );
});

void test('.vv enable-usbredir=0: the picker says USB is off for this connection', async () => {
  const { view, state } = setup('web', { images: [], typedImagePaths: true });
  view.request('openVv', { fileName: 'a.vv', text: vv(['enable-usbredir=0']) });
  await until(() => state().availability === 'disabled', 'disabled');
  assert.equal(state().availability, 'disabled');
});

void test('.vv usb-filter that does not parse: reported, the default filter used', async () => {
  const { view, messages } = setup('web', { images: [], typedImagePaths: true });
  view.request('openVv', { fileName: 'a.vv', text: vv(['usb-filter=banana']) });
  await until(
    () => messages.some((m) => m.kind === 'notice' && m.message.startsWith('usb-filter')),
    'notice',
  );
  assert.ok(
    messages.some((m) => m.kind === 'notice' && m.level === 'warning' && m.message.startsWith('usb-filter')),
  );
});

void test('desktop app: "share an image" opens the file dialog; the chosen file is listed and kept across sessions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-usb-unit-'));
  try {
    const img = join(dir, 'a.img');
    writeFileSync(img, Buffer.alloc(4096));
    const { service, view, state, asked, messages } = setup('electron', {
      images: [],
      typedImagePaths: false,
    });
    assert.equal(state().imageSource, 'dialog');
    view.request('usbChooseImage', { imageKind: 'disk', writable: true });
    assert.deepEqual(asked, [['disk', true]]);
    // A typed path is refused in the app (the dialog is the way), with what to do.
    view.request('usbShareImage', { path: img, imageKind: 'disk', writable: false });
    await until(() => messages.some((m) => m.kind === 'usb-result'), 'the refusal');
    const refusal = messages.filter((m) => m.kind === 'usb-result').at(-1);
    assert.ok(refusal?.kind === 'usb-result' && refusal.hint?.includes('file dialog'));
    service.shellInput({ t: 'usb-share-image', image: { path: img, imageKind: 'disk', writable: true } });
    await until(() => state().devices.some((d) => d.path === img), 'the chosen image listed');
    const row = state().devices.find((d) => d.path === img);
    assert.equal(row?.kind, 'disk');
    assert.equal(row?.writable, true);
    assert.equal(row?.shared, true);
    view.request('connect', { host: '127.0.0.1', port: 5900, tls: false });
    await until(() => state().availability === 'waiting', 'connected');
    assert.ok(
      state().devices.some((d) => d.path === img),
      'offered to the new session',
    );
    assert.equal(state().availability, 'waiting', 'connected, no usbredir channel yet');
    service.disconnect();
    await until(() => state().availability === 'idle', 'idle');
    assert.ok(
      state().devices.some((d) => d.path === img),
      'still listed after the session',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('plain decisions: image source, auto-share precedence, the udev one-click', () => {
  assert.equal(imageSourceFor('electron', { images: [], typedImagePaths: false }), 'dialog');
  assert.equal(imageSourceFor('web', { images: [], typedImagePaths: true }), 'path');
  assert.equal(imageSourceFor('web', { images: [], typedImagePaths: false }), 'none');
  assert.equal(autoShareFor(undefined, undefined, undefined), true, 'on by default, as remote-viewer');
  assert.equal(autoShareFor(undefined, false, true), false, 'the .vv wins over the setting');
  assert.equal(autoShareFor(true, false, false), true, "the user's toggle wins");
  const denied = { kind: 'host' as const, error: { code: 'permission' } };
  assert.equal(udevFixOffered('electron', 'linux', denied), true);
  assert.equal(udevFixOffered('web', 'linux', denied), false);
  assert.equal(udevFixOffered('electron', 'win32', denied), false);
  assert.equal(udevFixOffered('electron', 'linux', { kind: 'host', error: { code: 'busy' } }), false);
  assert.equal(
    udevFixOffered('electron', 'linux', { kind: 'virtual-cd', error: { code: 'permission' } }),
    false,
  );
});
