import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { noShellEvents } from '../../../main/session/shell-events';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { ServerDisconnectedError, SpiceError } from '../../../main/spice/errors';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

function setup(connectError?: SpiceError) {
  const sessions: FakeSession[] = [];
  const configs: unknown[] = [];
  const monitorCounts: number[] = [];
  const host = new SessionService({
    createSession: (config) => {
      configs.push(config);
      const s = new FakeSession();
      if (connectError) s.connectResult = Promise.reject(connectError);
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'web',
    recent: memoryRecentStore(),
    events: { ...noShellEvents, monitorCount: (n) => monitorCounts.push(n) },
    streamOptions: { schedule: (cb) => (cb(), { cancel() {} }) },
    now: () => 1000,
  });
  const messages: ViewMessage[] = [];
  const view = host.attachView(0, { send: (m) => messages.push(m) });
  return { host, view, messages, sessions, configs, monitorCounts };
}

const tick = () => new Promise((r) => setImmediate(r));
const last = <K extends ViewMessage['kind']>(messages: ViewMessage[], kind: K) =>
  messages.filter((m): m is Extract<ViewMessage, { kind: K }> => m.kind === kind).pop();

void test('attach sends view, status, recent and mouse mode; connect form → connected and remembered without password', async () => {
  const { view, messages, sessions, configs } = setup();
  assert.equal(last(messages, 'status')?.state, 'idle');
  assert.ok(last(messages, 'view'));
  view.request('connect', { host: '127.0.0.1', port: 5930, tls: false, password: 'secret' });
  assert.equal(last(messages, 'status')?.state, 'connecting');
  await tick();
  assert.equal(last(messages, 'status')?.state, 'connected');
  assert.equal(sessions.length, 1);
  assert.equal((configs[0] as { password?: string }).password, 'secret');
  const recent = last(messages, 'recent');
  assert.equal(recent?.entries.length, 1);
  assert.equal(JSON.stringify(recent).includes('secret'), false);
  assert.equal(recent?.entries[0]?.port, 5930);
});

void test('connection errors are shown with advice, and reconnect retries', async () => {
  const { view, messages, sessions } = setup(new SpiceError('auth-failed', 'ticket rejected'));
  view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await tick();
  const status = last(messages, 'status');
  assert.equal(status?.state, 'error');
  assert.equal(status?.errorCode, 'auth-failed');
  assert.match(status?.message ?? '', /rejected the password/);
  assert.equal(status?.canReconnect, true);
  view.request('reconnect', {});
  await tick();
  assert.equal(sessions.length, 2);
  view.request('connectUri', { uri: 'http://nope' });
  assert.equal(last(messages, 'status')?.errorCode, 'config');
});

void test('surfaces, monitors and titles; keys and mouse go to the inputs with the display id', async () => {
  const { host, view, messages, sessions, monitorCounts } = setup();
  view.request('connectUri', { uri: 'spice://h:1' });
  await tick();
  const s = sessions[0];
  assert.ok(s);
  s.emit('name', { name: 'vm1' });
  assert.equal(last(messages, 'view')?.title, 'vm1');
  s.addPrimary(0, 0, 64, 32, () => [1, 2, 3]);
  assert.deepEqual(last(messages, 'surface'), { kind: 'surface', width: 64, height: 32 });
  assert.ok(messages.some((m) => m.kind === 'damage'));
  assert.deepEqual(monitorCounts, [1]);
  // Two heads on one surface: this view shows head 0, a second view head 1.
  s.addPrimary(0, 0, 128, 32, () => [0, 0, 0]);
  s.setMonitorsConfig(0, [
    { id: 0, surfaceId: 0, x: 0, y: 0, width: 64, height: 32 },
    { id: 1, surfaceId: 0, x: 64, y: 0, width: 64, height: 32 },
  ]);
  assert.equal(host.monitorCount, 2);
  const second: ViewMessage[] = [];
  const view2 = host.attachView(1, { send: (m) => second.push(m) });
  assert.equal(last(second, 'view')?.title, 'vm1 (display 2)');
  view2.request('mousePosition', { x: 5, y: 6, buttons: 0 });
  view2.request('mousePosition', { x: 500, y: 600, buttons: 0 });
  view.request('key', { scancode: 0x1e, down: true });
  view.request('key', { scancode: 0x1e, down: false });
  view.request('key', { scancode: 0x30, down: false }); // never pressed: dropped
  view.request('mouseButton', { button: 1, down: true, buttons: 1 });
  view.request('mouseMotion', { dx: 3, dy: -4, buttons: 1 });
  view.request('sendKeys', { combo: 'ctrl-alt-backspace' });
  assert.deepEqual(s.calls, [
    { op: 'mousePosition', x: 5, y: 6, buttons: 0, displayId: 1 },
    { op: 'mousePosition', x: 63, y: 31, buttons: 0, displayId: 1 },
    { op: 'keyDown', code: 0x1e },
    { op: 'keyUp', code: 0x1e },
    { op: 'mousePress', button: 1, buttons: 1 },
    { op: 'mouseMotion', dx: 3, dy: -4, buttons: 1 },
    { op: 'keyDown', code: 0x1d },
    { op: 'keyDown', code: 0x38 },
    { op: 'keyDown', code: 0x0e },
    { op: 'keyUp', code: 0x0e },
    { op: 'keyUp', code: 0x38 },
    { op: 'keyUp', code: 0x1d },
  ]);
  view2.detach();
});

void test('held keys are released on detach, on releaseKeys and on disconnect', async () => {
  const { host, view, sessions } = setup();
  view.request('connectUri', { uri: 'spice://h:1' });
  await tick();
  const s = sessions[0];
  assert.ok(s);
  view.request('key', { scancode: 0x2a, down: true });
  view.request('key', { scancode: 0x11d, down: true });
  view.request('releaseKeys', {});
  assert.deepEqual(s.calls.slice(2), [
    { op: 'keyUp', code: 0x11d },
    { op: 'keyUp', code: 0x2a },
  ]);
  s.calls.length = 0;
  view.request('key', { scancode: 0x38, down: true });
  host.disconnect();
  assert.deepEqual(s.calls, [
    { op: 'keyDown', code: 0x38 },
    { op: 'keyUp', code: 0x38 },
  ]);
  assert.equal(s.closed, true);
});

void test('cursor, mouse mode and lock keys reach the view; lock sync only when they differ', async () => {
  const { view, messages, sessions } = setup();
  view.request('connectUri', { uri: 'spice://h:1' });
  await tick();
  const s = sessions[0];
  assert.ok(s);
  s.addPrimary(0, 0, 64, 32, () => [0, 0, 0]);
  s.emit('cursor-set', {
    channelId: 0,
    shape: { width: 2, height: 2, hotX: 1, hotY: 1, pixels: new Uint8Array(16).fill(9) },
    x: 10,
    y: 11,
    visible: true,
  });
  const shape = last(messages, 'cursor-shape');
  assert.equal(shape?.cursor?.width, 2);
  assert.deepEqual(last(messages, 'cursor-state'), { kind: 'cursor-state', x: 10, y: 11, visible: true });
  s.emit('cursor-move', { channelId: 0, x: 20, y: 21 });
  assert.deepEqual(last(messages, 'cursor-state'), { kind: 'cursor-state', x: 20, y: 21, visible: true });
  s.emit('cursor-hide', { channelId: 0 });
  assert.equal(last(messages, 'cursor-state')?.visible, false);
  s.emit('mouse-mode', { supported: 3, current: 2 });
  assert.deepEqual(last(messages, 'mouse-mode'), { kind: 'mouse-mode', mode: 2, supported: 3 });
  s.emit('keyboard-modifiers', { modifiers: 2 });
  assert.deepEqual(last(messages, 'modifiers'), { kind: 'modifiers', modifiers: 2 });
  view.request('keyModifiers', { modifiers: 2 });
  view.request('keyModifiers', { modifiers: 6 });
  assert.deepEqual(s.calls, [{ op: 'setModifiers', modifiers: 6 }]);
  // The server ending the session (DISCONNECTING: final, not reconnected) shows an error state and drops the monitors.
  s.emit('closed', { error: new ServerDisconnectedError('bye') });
  assert.equal(last(messages, 'status')?.state, 'error');
});

void test('server notices, channel errors and unsupported features reach the window as notices', async () => {
  const { view, messages, sessions } = setup();
  view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await tick();
  const s = sessions[0]!;
  s.emit('notify', {
    timeStampMs: 0,
    severity: 1,
    visibility: 2,
    what: 0,
    message: 'keyboard channel is insecure',
  });
  s.emit('channel-error', { type: 2, id: 0, error: new SpiceError('protocol', 'truncated DRAW_COPY') });
  s.emit('unsupported', { channel: { type: 2, id: 0 }, what: 'VP8 video stream' });
  const notices = messages.filter((m) => m.kind === 'notice').map((m) => JSON.stringify(m));
  assert.ok(notices.some((n) => n.includes('keyboard channel is insecure') && n.includes('warning')));
  assert.ok(notices.some((n) => n.includes('truncated DRAW_COPY')));
  assert.ok(notices.some((n) => n.includes('VP8 video stream') && n.includes('Not supported')));
});

void test('"needs a password": Reconnect with the typed password keeps the .vv settings (proxy, TLS, CA)', async () => {
  const { view, messages, configs } = setup(
    new SpiceError('password-required', 'the server requires a password'),
  );
  const vv = [
    '[virt-viewer]',
    'type=spice',
    'host=pvespiceproxy:token',
    'tls-port=61000',
    'proxy=http://proxy.example:3128',
    'host-subject=CN=node1',
    '',
  ].join('\n');
  view.request('openVv', { fileName: 'vm.vv', text: vv });
  await tick();
  assert.equal(last(messages, 'status')?.state, 'error');
  assert.equal(last(messages, 'status')?.errorCode, 'password-required');
  view.request('reconnect', { password: 'one-time' });
  await tick();
  const retried = configs.at(-1) as {
    password?: string;
    host: string;
    tlsPort?: number;
    proxy?: { host: string };
    hostSubject?: string;
  };
  assert.equal(retried.password, 'one-time');
  assert.equal(retried.host, 'pvespiceproxy:token');
  assert.equal(retried.tlsPort, 61000);
  assert.equal(retried.proxy?.host, 'proxy.example');
  assert.equal(retried.hostSubject, 'CN=node1');
});
