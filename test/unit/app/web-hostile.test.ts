// saffron web and the app side against hostile or broken servers and a new user's mistakes: a connection
// attempt replaced or cancelled never leaves an unhandled rejection (the web server used to die), server text
// reaches the window printable, the password flow tells a browser user what to do and keeps the real target in
// the connect form, and a stray error is reported instead of ending the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import { realSessionDeps } from '../../../main/session/session-wiring';
import { statusTextForError } from '../../../main/session/status-text';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { SpiceError } from '../../../main/spice/errors';
import { silentLogger } from '../../../main/spice/logger';
import { installProcessGuard } from '../../../main/cli/process-guard';
import { ScriptedServer } from '../../support/scripted-server';
import { FakeSession } from './fake-session';

const last = <K extends ViewMessage['kind']>(messages: ViewMessage[], kind: K) =>
  messages.filter((m): m is Extract<ViewMessage, { kind: K }> => m.kind === kind).pop();
const tick = () => new Promise((r) => setTimeout(r, 20));

async function collectUnhandled(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const on = (e: unknown): void => {
    seen.push(e);
  };
  process.on('unhandledRejection', on);
  try {
    await run();
    await tick();
  } finally {
    process.off('unhandledRejection', on);
  }
  return seen;
}

void test(
  'web: replacing or cancelling a connection that is still linking never rejects unhandled',
  { timeout: 30_000 },
  async () => {
    const server = new ScriptedServer({ stall: () => 'silent' });
    const port = await server.listen();
    const host = new SessionService({
      ...realSessionDeps(silentLogger, {}),
      logger: silentLogger,
      shell: 'web',
      recent: memoryRecentStore(),
    });
    const messages: ViewMessage[] = [];
    const view = host.attachView(0, { send: (m) => messages.push(m) });
    const seen = await collectUnhandled(async () => {
      // Clicking a recent connection while "Connecting…" (the attempt is replaced).
      view.request('connectUri', { uri: `spice://127.0.0.1:${port}` });
      await tick();
      view.request('connect', { host: '127.0.0.1', port, tls: false });
      await tick();
      // Disconnect while connecting.
      view.request('disconnect', {});
      await tick();
      assert.equal(last(messages, 'status')?.state, 'disconnected');
      // Ctrl+C during the first connect: the harness closes the host.
      view.request('connectUri', { uri: `spice://127.0.0.1:${port}` });
      await tick();
      host.close();
    });
    await server.close();
    assert.deepEqual(seen.map(String), []);
  },
);

void test(
  'window text from the server is printable: VM name in titles, notices, error details',
  { timeout: 30_000 },
  async () => {
    const session = new FakeSession();
    const host = new SessionService({
      createSession: () => session,
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
      logger: silentLogger,
      shell: 'web',
    });
    const messages: ViewMessage[] = [];
    host.attachView(0, { send: (m) => messages.push(m) });
    await host.connect(parseSpiceUri('spice://127.0.0.1:5900'));
    session.emit('name', { name: 'vm\u202egnp.exe\x1b]0;owned\x07' });
    session.emit('notify', {
      timeStampMs: 0,
      severity: 1,
      visibility: 0,
      what: 0,
      message: 'reboot\r\n\x1b[2Jnow\u200b',
    });
    session.emit('channel-error', {
      type: 2,
      id: 0,
      error: new SpiceError('protocol', 'bad \x9b31m message'),
    });
    session.emit('closed', {
      error: new SpiceError('migration', 'switch to evil\x1b[2J.example:5900'),
    });
    const shown = messages
      .flatMap((m) =>
        m.kind === 'view' ? [m.title] : m.kind === 'notice' || m.kind === 'status' ? [m.message] : [],
      )
      .join('\n');
    assert.match(shown, /reboot  \?\[2Jnow/);
    assert.doesNotMatch(shown, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e]/);
  },
);

void test(
  'password flow: what a browser user can do, once, and the real host and port in the form',
  { timeout: 30_000 },
  async () => {
    for (const [code, re] of [
      ['password-required', /type it in the Password field and press Reconnect/],
      ['auth-failed', /rejected the password\. Check it .* press Reconnect/],
    ] as const) {
      const text = statusTextForError(
        new SpiceError(code, 'authentication failed: the server rejected it (x)'),
      );
      assert.match(text, re);
      assert.doesNotMatch(text, /--password/);
      assert.doesNotMatch(text, /\([^)]*\(/, `no nested parentheses: ${text}`);
    }
    const detail = statusTextForError(
      new SpiceError('unreachable', 'cannot reach h:1: refused (ECONNREFUSED)'),
    );
    assert.doesNotMatch(detail, /\([^)]*\(/, detail);

    const session = new FakeSession();
    session.connectResult = Promise.reject(
      new SpiceError('password-required', 'the server requires a password'),
    );
    const host = new SessionService({
      createSession: () => session,
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
      logger: silentLogger,
      shell: 'web',
    });
    const messages: ViewMessage[] = [];
    host.attachView(0, { send: (m) => messages.push(m) });
    await host.connect(parseSpiceUri('spice://10.1.2.3:5930'));
    const status = last(messages, 'status');
    assert.equal(status?.state, 'error');
    assert.deepEqual(status?.form, { host: '10.1.2.3', port: 5930, tls: false });
    await host.connect(parseSpiceUri('spice+tls://[::1]:5931'));
    assert.deepEqual(last(messages, 'status')?.form, { host: '::1', port: 5931, tls: true });
  },
);

void test(
  'process guard: CLI → one line and the documented exit code; web → reported, keeps running',
  { timeout: 30_000 },
  () => {
    const listeners = new Map<string, (e: unknown) => void>();
    const exits: number[] = [];
    const lines: string[] = [];
    const proc = {
      on: (event: string, listener: (e: unknown) => void) => listeners.set(event, listener),
      exit: (code: number): never => {
        exits.push(code);
        return undefined as never;
      },
    };
    const guard = installProcessGuard(proc, (l) => lines.push(l));
    listeners.get('unhandledRejection')!(new SpiceError('timeout', 'no answer'));
    listeners.get('uncaughtException')!(new TypeError('x is not a function'));
    assert.deepEqual(exits, [8, 1]);
    assert.deepEqual(lines, ['saffron: no answer', 'saffron: unexpected error: x is not a function']);
    const reported: unknown[] = [];
    const release = guard.keepRunning((e) => reported.push(e));
    listeners.get('unhandledRejection')!(new Error('stray'));
    assert.equal(reported.length, 1);
    assert.deepEqual(exits, [8, 1], 'no exit while a keeper is set');
    release();
    listeners.get('unhandledRejection')!(new Error('again'));
    assert.deepEqual(exits, [8, 1, 1]);
  },
);
