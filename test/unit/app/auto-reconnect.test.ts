// Automatic reconnection in the session process's connection controller, with scripted sessions: a dropped
// connection is retried with the same config and password after a visible countdown, the views keep their
// monitors meanwhile and get every pixel of the new session; Disconnect cancels; DISCONNECTING, a first connect
// that fails and an expired one-time ticket are final; the schedule gives up after its tries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage, StatusMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { noShellEvents } from '../../../main/session/shell-events';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import type { AutoReconnectOptions } from '../../../main/session/connection-controller';
import type { ConnectionConfig } from '../../../main/spice/connect/config';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { ServerDisconnectedError, SpiceError } from '../../../main/spice/errors';
import { silentLogger } from '../../../main/spice/logger';
import { isHostMessage } from '../../../main/ipc/host-protocol';
import { FakeSession } from './fake-session';

const LIMIT = { timeout: 30_000 };
const FAST: AutoReconnectOptions = {
  backoff: { initialDelayMs: 40, multiplier: 2, maxDelayMs: 200, jitter: 0 },
  random: () => 0.5,
};

function setup(autoReconnect: AutoReconnectOptions = FAST) {
  const sessions: FakeSession[] = [];
  const configs: ConnectionConfig[] = [];
  const monitorCounts: number[] = [];
  /** What the next sessions' connect() does (default: succeeds). */
  const plan: (() => Promise<void>)[] = [];
  const service = new SessionService({
    createSession: (config) => {
      configs.push(config);
      const s = new FakeSession();
      const next = plan.shift();
      if (next) s.connectResult = next();
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'web',
    recent: memoryRecentStore(),
    events: { ...noShellEvents, monitorCount: (n) => monitorCounts.push(n) },
    streamOptions: {
      schedule: (cb) => {
        const t = setImmediate(cb);
        return { cancel: () => clearImmediate(t) };
      },
    },
    autoReconnect,
  });
  const messages: PortMessage[] = [];
  const view = service.attachView(0, { send: (m) => messages.push(m) });
  return { service, view, messages, sessions, configs, monitorCounts, plan };
}

const statuses = (messages: PortMessage[]) => messages.filter((m): m is StatusMessage => m.kind === 'status');
const lastStatus = (messages: PortMessage[]) => statuses(messages).pop();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
const lost = () => new SpiceError('closed', 'the server closed the main channel');
const refused = () => Promise.reject(new SpiceError('unreachable', 'cannot reach 127.0.0.1:5930: refused'));

void test(
  'a dropped session comes back by itself: countdown, same config and password, windows kept, pixels again',
  LIMIT,
  async () => {
    const { view, messages, sessions, configs, monitorCounts, plan } = setup();
    view.request('connect', { host: '127.0.0.1', port: 5930, tls: false, password: 'secret' });
    await until('connected', () => lastStatus(messages)?.state === 'connected');
    sessions[0]!.addPrimary(0, 0, 8, 4, () => [255, 0, 0]);
    assert.deepEqual(monitorCounts, [0, 1].slice(monitorCounts[0] === 0 ? 0 : 1));
    // The server goes away (VM reboot): refused twice, then back.
    plan.push(refused, refused);
    sessions[0]!.emit('closed', { error: lost() });
    const first = lastStatus(messages)!;
    assert.equal(first.state, 'connecting');
    assert.deepEqual(first.reconnect, { attempt: 1, inMs: 40 });
    assert.match(
      first.message,
      /Connection lost \(the server closed the main channel\)\. Reconnecting in 1 s \(attempt 1\)/,
    );
    assert.equal(first.canReconnect, true, 'Reconnect = try now, during the countdown');
    await until(
      'connected again',
      () => sessions.length === 4 && lastStatus(messages)?.state === 'connected',
    );
    const attempts = statuses(messages)
      .map((s) => s.reconnect)
      .filter((r): r is NonNullable<typeof r> => r !== undefined && r.inMs > 0)
      .map((r) => `${r.attempt}:${r.inMs}`);
    assert.deepEqual(
      [...new Set(attempts)],
      ['1:40', '2:80', '3:160'],
      'exponential backoff, attempt numbers',
    );
    assert.match(lastStatus(messages)!.message, /Reconnected to 127\.0\.0\.1:5930 \(attempt 3\)/);
    assert.equal(lastStatus(messages)!.reconnect, undefined);
    for (const c of configs) assert.equal(c.password, 'secret', 'the password still in memory');
    assert.equal(configs[3]!.port, 5930);
    // The window stayed (the count never dropped to 0), and the new session's pixels reach the view.
    assert.equal(monitorCounts.at(-1), 1);
    assert.ok(
      !monitorCounts.slice(monitorCounts.indexOf(1)).includes(0),
      `counts ${monitorCounts.join(',')}`,
    );
    const before = messages.length;
    sessions[3]!.addPrimary(0, 0, 8, 4, () => [0, 255, 0]);
    await sleep(20);
    const damage = messages.slice(before).filter((m) => m.kind === 'damage');
    assert.ok(
      damage.length > 0,
      `pixels of the new session: ${messages
        .slice(before)
        .map((m) => m.kind)
        .join(',')} ${monitorCounts.join(',')}`,
    );
    const d = damage[0]!;
    assert.equal(d.kind === 'damage' && d.pixels[1], 255);
  },
);

void test('Disconnect during the countdown cancels it; nothing connects afterwards', LIMIT, async () => {
  const { view, messages, sessions } = setup({ ...FAST, backoff: { ...FAST.backoff, initialDelayMs: 150 } });
  view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('connected', () => lastStatus(messages)?.state === 'connected');
  sessions[0]!.emit('closed', { error: lost() });
  assert.equal(lastStatus(messages)?.reconnect?.attempt, 1);
  view.request('disconnect', {});
  assert.equal(lastStatus(messages)?.state, 'disconnected');
  assert.equal(lastStatus(messages)?.reconnect, undefined);
  await sleep(400);
  assert.equal(sessions.length, 1, 'no try after Cancel');
});

void test('final ends: DISCONNECTING, a first connect that fails, a local close', LIMIT, async () => {
  const a = setup();
  a.view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('connected', () => lastStatus(a.messages)?.state === 'connected');
  a.sessions[0]!.emit('closed', { error: new ServerDisconnectedError('the server is disconnecting') });
  assert.equal(lastStatus(a.messages)?.state, 'error');
  await sleep(150);
  assert.equal(a.sessions.length, 1);

  const b = setup();
  b.plan.push(refused);
  b.view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('error', () => lastStatus(b.messages)?.state === 'error');
  await sleep(150);
  assert.equal(b.sessions.length, 1, 'a first connect that fails is the user’s to retry');

  const c = setup();
  c.view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('connected', () => lastStatus(c.messages)?.state === 'connected');
  c.sessions[0]!.emit('closed', { error: null });
  assert.equal(lastStatus(c.messages)?.state, 'disconnected');
  await sleep(150);
  assert.equal(c.sessions.length, 1);
});

void test('an expired one-time .vv ticket ends with "get a new connection file"', LIMIT, async () => {
  const { service, messages, sessions, plan } = setup();
  const config = parseVvFile(
    '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\npassword=once\ndelete-this-file=1\n',
  );
  await service.connect(config);
  assert.equal(lastStatus(messages)?.state, 'connected');
  plan.push(() => Promise.reject(new SpiceError('auth-failed', 'the server rejected the password')));
  sessions[0]!.emit('closed', { error: lost() });
  await until('error', () => lastStatus(messages)?.state === 'error');
  assert.match(lastStatus(messages)!.message, /get a new connection file/);
  assert.equal(sessions.length, 2);
});

void test('the schedule gives up after its tries, with the reason; off means no retry', LIMIT, async () => {
  const { view, messages, sessions, plan, monitorCounts } = setup({
    ...FAST,
    backoff: { ...FAST.backoff, maxAttempts: 2 },
  });
  view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('connected', () => lastStatus(messages)?.state === 'connected');
  sessions[0]!.addPrimary(0, 0, 8, 4, () => [255, 0, 0]);
  plan.push(refused, refused, refused);
  sessions[0]!.emit('closed', { error: lost() });
  await until('error', () => lastStatus(messages)?.state === 'error');
  assert.equal(sessions.length, 3);
  assert.match(lastStatus(messages)!.message, /Gave up reconnecting after 2 attempts/);
  assert.equal(monitorCounts.at(-1), 0, 'given up: the kept window goes');

  const off = setup({ enabled: false });
  off.view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await until('connected', () => lastStatus(off.messages)?.state === 'connected');
  off.sessions[0]!.emit('closed', { error: lost() });
  assert.equal(lastStatus(off.messages)?.state, 'error');
  await sleep(150);
  assert.equal(off.sessions.length, 1);
});

void test(
  'the shells switch it off through the session process init (saffron web --no-reconnect)',
  LIMIT,
  () => {
    const init = { t: 'init', shell: 'web', debug: false } as const;
    assert.equal(isHostMessage({ ...init, autoReconnect: false }), true);
    assert.equal(isHostMessage({ ...init, autoReconnect: true }), true);
    assert.equal(isHostMessage({ ...init, autoReconnect: 'no' }), false);
  },
);
