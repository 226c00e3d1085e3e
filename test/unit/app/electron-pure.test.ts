// The Electron shell's pure parts: launch arguments, recent-connections file, IPC sender/payload gate, menu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchTarget, userArgs } from '../../../main/app/launch-args';
import { fileRecentStore } from '../../../main/app/recent-store';
import { menuTemplate } from '../../../main/app/menu-template';
import { RequestRouter, isAppUrl } from '../../../main/ipc/request-router';
import type { ViewHandle } from '../../../main/display-stream/session-host';
import type { SendKeyCombo, ViewCommand } from '../../../shared/ipc';

void test('launch targets: URI or .vv among the arguments, switches skipped, paths resolved', () => {
  assert.deepEqual(launchTarget(['--no-sandbox', 'spice://h:5900'], '/home/u'), {
    kind: 'uri',
    uri: 'spice://h:5900',
  });
  assert.deepEqual(launchTarget(['vm.vv'], '/home/u'), { kind: 'vv', path: '/home/u/vm.vv' });
  assert.deepEqual(launchTarget(['/tmp/A.VV'], '/x'), { kind: 'vv', path: '/tmp/A.VV' });
  assert.equal(launchTarget(['--inspect', 'readme.txt'], '/'), undefined);
  assert.deepEqual(userArgs(['electron', '.', 'spice://h:1'], false), ['spice://h:1']);
  assert.deepEqual(userArgs(['/opt/Saffron/saffron', 'spice://h:1'], true), ['spice://h:1']);
});

void test('recent store round-trips entries, never keeps extra fields, and ignores a damaged file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-recent-'));
  try {
    const path = join(dir, 'sub', 'recent.json');
    const store = fileRecentStore(path);
    assert.deepEqual(store.load(), []);
    const entry = { id: 'spice://h:1', label: 'h:1', host: 'h', port: 1, tls: false, lastUsedMs: 5 };
    store.save([{ ...entry, password: 'secret' } as typeof entry]);
    assert.equal(readFileSync(path, 'utf8').includes('secret'), false);
    assert.deepEqual(store.load(), [entry]);
    writeFileSync(path, '{not json');
    assert.deepEqual(store.load(), []);
    writeFileSync(path, JSON.stringify([entry, { id: 'x', port: 99999 }, 'junk']));
    assert.deepEqual(store.load(), [entry]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('IPC router: only registered senders on the app origin with valid payloads reach the view', () => {
  const seen: unknown[] = [];
  let detached = 0;
  const view: ViewHandle = {
    monitor: 0,
    request: (method, payload) => seen.push([method, payload]),
    detach: () => detached++,
  };
  const router = new RequestRouter();
  router.register(7, view);
  const good = { webContentsId: 7, frameUrl: 'saffron-app://app/index.html', isMainFrame: true };
  assert.equal(router.route(good, 'key', { scancode: 0x1e, down: true }), 'ok');
  assert.equal(
    router.route({ ...good, webContentsId: 8 }, 'key', { scancode: 0x1e, down: true }),
    'unknown-sender',
  );
  assert.equal(
    router.route({ ...good, frameUrl: 'https://evil.example/' }, 'key', { scancode: 0x1e, down: true }),
    'bad-origin',
  );
  assert.equal(
    router.route({ ...good, frameUrl: 'saffron-app://app.evil/x' }, 'viewReady', {}),
    'bad-origin',
  );
  assert.equal(router.route({ ...good, isMainFrame: false }, 'viewReady', {}), 'bad-origin');
  assert.equal(router.route(good, 'exec', {}), 'bad-method');
  assert.equal(router.route(good, 'key', { scancode: 0x1e, down: true, extra: 1 }), 'bad-payload');
  assert.deepEqual(seen, [['key', { scancode: 0x1e, down: true }]]);
  router.unregister(7);
  assert.equal(detached, 1);
  assert.equal(router.route(good, 'viewReady', {}), 'unknown-sender');
  assert.equal(isAppUrl(undefined), false);
  assert.equal(isAppUrl('saffron-app://app'), true);
});

void test('menu: send-key entries for every combo, view commands, non-registered hotkey accelerators', () => {
  const calls: string[] = [];
  const template = menuTemplate(
    {
      openFile: () => calls.push('open'),
      disconnect: () => calls.push('disconnect'),
      reconnect: () => calls.push('reconnect'),
      quit: () => calls.push('quit'),
      viewCommand: (c: ViewCommand) => calls.push(`view:${c}`),
      sendKeys: (c: SendKeyCombo) => calls.push(`keys:${c}`),
      about: () => calls.push('about'),
    },
    false,
  );
  const items = template.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
  const byLabel = (label: string) => items.find((i) => i.label === label);
  const click = (label: string) => (byLabel(label)?.click as (() => void) | undefined)?.();
  click('Ctrl+Alt+Del');
  click('Ctrl+Alt+F12');
  click('PrintScreen');
  click('Zoom In');
  click('Release Cursor');
  click('Reconnect');
  assert.deepEqual(calls, [
    'keys:ctrl-alt-del',
    'keys:ctrl-alt-f12',
    'keys:print-screen',
    'view:zoom-in',
    'view:release-cursor',
    'reconnect',
  ]);
  assert.equal(byLabel('Fullscreen')?.registerAccelerator, false);
  assert.equal(byLabel('Release Cursor')?.accelerator, 'Shift+F12');
  const sendKey = template.find((m) => m.label === 'Send Key');
  assert.equal(Array.isArray(sendKey?.submenu) ? sendKey.submenu.length : 0, 15);
});
