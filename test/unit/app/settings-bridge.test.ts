// The settings and .vv hotkeys bridges through the session service: views get the settings on attach and on every
// change, changes are saved to the settings file (atomically, user-only), the shell hears them, and a connection's
// .vv [hotkeys] go to the views while it lasts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortMessage } from '../../../shared/contract';
import type { Settings } from '../../../shared/settings';
import { SessionService } from '../../../main/session/session-service';
import { noShellEvents } from '../../../main/session/shell-events';
import { fileSettingsStore, userSettingsPath } from '../../../main/session/settings/settings-store';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

const last = <K extends PortMessage['kind']>(messages: PortMessage[], kind: K) =>
  messages.filter((m): m is Extract<PortMessage, { kind: K }> => m.kind === kind).pop();
const tick = () => new Promise((r) => setImmediate(r));

void test('settings: sent on attach, changed by a view, saved, broadcast to every view and the shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-settings-'));
  try {
    const path = join(dir, 'cfg', 'settings.json');
    writeFileSync(join(dir, 'x'), '');
    const heard: Settings[] = [];
    const service = new SessionService({
      createSession: () => new FakeSession(),
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
      logger: silentLogger,
      shell: 'web',
      settings: fileSettingsStore(path),
      events: { ...noShellEvents, settings: (s) => heard.push(s) },
    });
    const a: PortMessage[] = [];
    const b: PortMessage[] = [];
    const viewA = service.attachView(0, { send: (m) => a.push(m) });
    service.attachView(1, { send: (m) => b.push(m) });
    assert.equal(last(a, 'settings')?.settings.language, 'system');
    assert.equal(last(a, 'settings')?.persistent, true);
    viewA.request('setSettings', { language: 'zh-CN', theme: 'dark' });
    assert.equal(last(b, 'settings')?.settings.language, 'zh-CN');
    assert.equal(heard[0]?.theme, 'dark');
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Settings;
    assert.equal(stored.language, 'zh-CN');
    assert.equal(statSync(path).mode & 0o077, 0, 'readable by the user only');
    // A new process reads them back.
    assert.equal(fileSettingsStore(path).load().theme, 'dark');
    writeFileSync(path, '{broken');
    assert.equal(fileSettingsStore(path).load().theme, 'system');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('.vv [hotkeys] reach the views while the connection lasts', async () => {
  const service = new SessionService({
    createSession: () => new FakeSession(),
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text, { capabilities: { window: true, hotkeys: true } }),
    logger: silentLogger,
    shell: 'web',
  });
  const messages: PortMessage[] = [];
  const view = service.attachView(0, { send: (m) => messages.push(m) });
  assert.deepEqual(last(messages, 'hotkeys')?.hotkeys, {});
  const vv =
    '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5900\ntoggle-fullscreen=shift+f10\nrelease-cursor=ctrl+alt+r\n';
  view.request('openVv', { fileName: 'vm.vv', text: vv });
  await tick();
  assert.deepEqual(last(messages, 'hotkeys')?.hotkeys, {
    'toggle-fullscreen': 'shift+f10',
    'release-cursor': 'ctrl+alt+r',
  });
  view.request('disconnect', {});
  await tick();
  assert.deepEqual(last(messages, 'hotkeys')?.hotkeys, {});
});

void test("saffron web's settings file comes from the environment only", () => {
  assert.equal(userSettingsPath({ XDG_CONFIG_HOME: '/x' }, 'linux'), '/x/saffron/settings.json');
  assert.equal(userSettingsPath({ HOME: '/h' }, 'linux'), '/h/.config/saffron/settings.json');
  assert.equal(userSettingsPath({}, 'linux'), undefined);
  assert.equal(userSettingsPath({ APPDATA: 'C:\\A' }, 'win32')?.endsWith('settings.json'), true);
});
