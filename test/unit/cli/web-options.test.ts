// `saffron web` takes the connection options of the other commands (parsed by connect-options.ts), and --timeout
// bounds its first connection: a server that never answers makes it exit with code 8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { EXIT_TIMEOUT, EXIT_USAGE } from '../../../main/cli/exit-codes';
import { runCli } from '../../support/run-cli';

void test('web applies the connection options: a bad --secure-channels list is a usage error', async () => {
  const r = await runCli(['web', 'spice://127.0.0.1:1', '--secure-channels', 'main,bogus'], {});
  assert.equal(r.code, EXIT_USAGE, r.stderr);
  assert.match(r.stderr, /unknown channel 'bogus' in --secure-channels/);
});

void test(
  'web --timeout: still connecting after the limit, it exits with code 8',
  { timeout: 60_000 },
  async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s)); // accepts, never answers the link
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const r = await runCli(['web', `spice://127.0.0.1:${port}`, '--timeout', '1'], {});
      assert.equal(r.code, EXIT_TIMEOUT, r.stderr);
      assert.match(r.stdout, /^listening http:\/\/127\.0\.0\.1:\d+\/#token=/);
      assert.match(r.stderr, /gave up after 1 s waiting for the server/);
      assert.ok(Date.now() - started < 30_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  },
);
