// The Electron shell's pure parts: launch arguments, recent-connections file, the app origin, a window's port as a
// view (over real node:worker_threads ports: structured clones, guarded requests), menus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchTarget, userArgs } from '../../../main/app/launch-args';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileRecentStore } from '../../../main/session/bridges/recent-store';
import { menuTemplate } from '../../../main/app/menu-template';
import { isAppUrl } from '../../../main/ipc/app-origin';
import { attachPortView, type PortLike } from '../../../main/session/port-view';
import { SessionService } from '../../../main/session/session-service';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import type { PortMessage, SendKeyCombo, ViewCommand } from '../../../shared/contract';
import { isPortMessage } from '../../../shared/contract-guards';
import { FakeSession } from './fake-session';

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

/** A node:worker_threads port shaped like Electron's MessagePortMain ('message' events carry {data}). */
function electronLike(port: MessagePort): PortLike {
  return {
    on(event: 'message' | 'close', listener: ((e: { data: unknown }) => void) | (() => void)) {
      if (event === 'message') port.on('message', (data: unknown) => listener({ data }));
      else port.on('close', listener);
      return this;
    },
    postMessage: (m) => port.postMessage(m),
    close: () => port.close(),
  };
}

void test('a window port: guarded requests reach the session, messages (pixels too) arrive as valid clones', async () => {
  const sessions: FakeSession[] = [];
  const service = new SessionService({
    createSession: () => {
      const s = new FakeSession();
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'electron',
  });
  const { port1, port2 } = new MessageChannel();
  const received: PortMessage[] = [];
  let invalid = 0;
  port2.on('message', (m: unknown) => (isPortMessage(m) ? received.push(m) : invalid++));
  attachPortView(service, 0, electronLike(port1), silentLogger);
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(what());
  };
  port2.postMessage({ method: 'connectUri', payload: { uri: 'spice://127.0.0.1:5930' } });
  await until(() => received.some((m) => m.kind === 'status' && m.state === 'connected'));
  const s = sessions[0]!;
  s.addPrimary(0, 0, 8, 4, () => [1, 2, 3]);
  await until(() => received.some((m) => m.kind === 'frame-end'));
  const damage = received.find((m) => m.kind === 'damage');
  assert.ok(damage?.kind === 'damage' && damage.pixels instanceof Uint8Array);
  assert.deepEqual([...damage.pixels.subarray(0, 4)], [1, 2, 3, 255]);
  port2.postMessage({ method: 'key', payload: { scancode: 0x1e, down: true, extra: 1 } }); // invalid: dropped
  port2.postMessage({ method: 'exec', payload: {} }); // unknown: dropped
  port2.postMessage({ method: 'key', payload: { scancode: 0x1e, down: true } });
  await until(() => s.calls.length === 1);
  assert.deepEqual(s.calls, [{ op: 'keyDown', code: 0x1e }]);
  // The window goes away: its port closes and its held key is released.
  port2.close();
  await until(() => s.calls.length === 2);
  assert.deepEqual(s.calls[1], { op: 'keyUp', code: 0x1e });
  assert.equal(invalid, 0);
  service.close();
});

void test('the app origin check accepts only saffron-app://app', () => {
  assert.equal(isAppUrl(undefined), false);
  assert.equal(isAppUrl('saffron-app://app'), true);
  assert.equal(isAppUrl('saffron-app://app/index.html'), true);
  assert.equal(isAppUrl('saffron-app://app.evil/x'), false);
  assert.equal(isAppUrl('https://evil.example/'), false);
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
  click('Zoom in');
  click('Release mouse and keyboard');
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
  assert.equal(byLabel('Release mouse and keyboard')?.accelerator, 'Shift+F12');
  const sendKey = template.find((m) => m.label === 'Send key');
  assert.equal(Array.isArray(sendKey?.submenu) ? sendKey.submenu.length : 0, 15);
  assert.equal(
    template.some((m) => m.role === 'appMenu' || m.role === 'editMenu'),
    false,
  );
  assert.ok(byLabel('Quit'), 'Quit is in the File menu off macOS');
});

void test('macOS menu: App, Edit and Window roles (Cmd+Q, copy/paste in the connect form), no Quit in File', () => {
  const noop = () => {};
  const template = menuTemplate(
    {
      openFile: noop,
      disconnect: noop,
      reconnect: noop,
      quit: noop,
      viewCommand: noop,
      sendKeys: noop,
      about: noop,
    },
    true,
  );
  const roles = template.map((m) => m.role).filter((r) => r !== undefined);
  assert.deepEqual(roles, ['appMenu', 'editMenu', 'windowMenu', 'help']);
  assert.equal(template[0]?.role, 'appMenu', 'the app menu comes first on macOS');
  const file = template.find((m) => m.label === 'File');
  const items = Array.isArray(file?.submenu) ? file.submenu : [];
  assert.equal(
    items.some((i) => /quit/i.test(i.label ?? '')),
    false,
  );
});
