// The core session against Debian's real QEMU: link, main channel, channel list, passwords and exit codes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, before, test } from 'node:test';
import {
  EXIT_AUTH_FAILED,
  EXIT_CLOSED,
  EXIT_NOT_SPICE,
  EXIT_OK,
  EXIT_PASSWORD_REQUIRED,
  EXIT_UNREACHABLE,
} from '../../main/cli/exit-codes';
import { freePort } from '../support/ports';
import { startQemu, type Qemu } from '../support/qemu';
import { runCli } from '../support/run-cli';
import { requireTools } from '../support/require-tool';

requireTools(['qemu']);

let open: Qemu;
let locked: Qemu;

before(async () => {
  [open, locked] = await Promise.all([
    startQemu({ name: 'saffron-test', uuid: '0badcafe-1234-4321-8765-00000000beef' }),
    startQemu({ password: 'secret' }),
  ]);
});
after(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
});

test('saffron info reports the VM name, uuid, channels and caps negotiated with QEMU', async () => {
  const r = await runCli(['info', `spice://127.0.0.1:${open.port}`, '--json']);
  assert.equal(r.code, EXIT_OK, r.stderr);
  const info = JSON.parse(r.stdout) as {
    name: string;
    uuid: string;
    sessionId: number;
    channels: { type: string; state: string; serverCommonCaps?: number[] }[];
    mouseModes: { supported: string[] };
  };
  assert.equal(info.name, 'saffron-test');
  assert.equal(info.uuid, '0badcafe-1234-4321-8765-00000000beef');
  assert.ok(info.sessionId > 0);
  const byType = new Map(info.channels.map((c) => [c.type, c]));
  for (const t of ['main', 'display', 'inputs', 'cursor']) assert.ok(byType.has(t), `QEMU lists ${t}`);
  assert.equal(byType.get('main')!.state, 'open');
  assert.equal(byType.get('inputs')!.state, 'open');
  assert.deepEqual(
    byType.get('main')!.serverCommonCaps,
    [0, 1, 3],
    'AUTH_SELECTION, AUTH_SPICE, MINI_HEADER',
  );
  assert.ok(info.mouseModes.supported.includes('server'));
});

test('the right password links; a wrong one fails with the authentication exit code; none asks for one', async () => {
  const ok = await runCli(['info', `spice://127.0.0.1?port=${locked.port}&password=secret`, '--verbose']);
  assert.equal(ok.code, EXIT_OK, ok.stderr);
  assert.match(ok.stderr, /linked/, 'verbose logging is on');
  assert.doesNotMatch(ok.stderr + ok.stdout, /secret/, 'the password never reaches the logs');
  const wrong = await runCli(['info', `spice://127.0.0.1:${locked.port}`, '--password', 'not-it']);
  assert.equal(wrong.code, EXIT_AUTH_FAILED);
  assert.match(wrong.stderr, /authentication failed/);
  assert.doesNotMatch(wrong.stderr, /not-it/, 'the password never reaches the output');
  const none = await runCli(['info', `spice://127.0.0.1:${locked.port}`]);
  assert.equal(none.code, EXIT_PASSWORD_REQUIRED);
  assert.match(none.stderr, /requires a password/);
});

test('a server that closes the connection during the link gets its own message and exit code', async () => {
  const rude = createNetServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
  const address = rude.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const r = await runCli(['info', `spice://127.0.0.1:${port}`]);
    assert.equal(r.code, EXIT_CLOSED, r.stderr);
    assert.match(r.stderr, /closed the connection/);
  } finally {
    await new Promise<void>((resolve) => rude.close(() => resolve()));
  }
});

test('an unreachable port and a non-SPICE peer get their own messages and exit codes', async () => {
  const closed = await freePort();
  const refused = await runCli(['info', `spice://127.0.0.1:${closed}`]);
  assert.equal(refused.code, EXIT_UNREACHABLE);
  assert.match(refused.stderr, /cannot reach 127\.0\.0\.1:\d+/);

  const http = createServer((_, res) => res.end('hello'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const r = await runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '10']);
    assert.equal(r.code, EXIT_NOT_SPICE, r.stderr);
    assert.match(r.stderr, /this is an HTTP port, not SPICE: check the port number/);
  } finally {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
});
