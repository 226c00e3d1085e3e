// UDPack end to end on loopback: `saffron gateway --generate-key`, a gateway in front of the C test server (real
// libspice-server), and `saffron screenshot spice+udpack://…` giving the same pixels as a direct TCP screenshot;
// `saffron info` and a .vv file with the x-udpack-* keys; and every failure with its exit code: wrong token (4),
// wrong public key (13), no gateway (13), a gateway whose SPICE server is down (3), missing key (2); and `saffron web`'s session process connecting through the gateway.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  EXIT_AUTH_FAILED,
  EXIT_OK,
  EXIT_UDPACK,
  EXIT_UNREACHABLE,
  EXIT_USAGE,
} from '../../main/cli/exit-codes';
import { resolveTarget } from '../../main/spice/connect/resolve';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness, type WebHarness } from '../../main/web/harness';
import { loadTokenFile } from '../../main/gateway/token-file';
import { UdpackGateway } from '../../main/gateway/udpack-gateway';
import { freePort } from '../support/ports';
import { requireTools } from '../support/require-tool';
import { runCli } from '../support/run-cli';
import { countPixelDiffs, readPngRgba } from '../support/spicy';
import { startTestServer, type TestServer } from '../support/test-server';

requireTools(['test-server']);

const here = dirname(fileURLToPath(import.meta.url));
const IMAGE = join(here, '..', 'fixtures', 'quic', 'cap-quic-720x400.expected.png');

let dir: string;
let server: TestServer;
let gateway: UdpackGateway;
let deadGateway: UdpackGateway;
let publicKeyPath: string;
let uri: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saffron-udpack-'));
  server = await startTestServer({ image: IMAGE, compression: 'auto_glz' });
  const keys = await runCli(['gateway', '--generate-key', dir]);
  assert.equal(keys.code, EXIT_OK, keys.stderr);
  assert.match(keys.stdout, /gateway-key\.pem.*gateway-pub\.pem/);
  publicKeyPath = join(dir, 'gateway-pub.pem');
  await writeFile(join(dir, 'tokens'), '# test tokens\nright-token\n');
  const privateKey = createPrivateKey(await readFile(join(dir, 'gateway-key.pem'), 'utf8'));
  const tokens = await loadTokenFile(join(dir, 'tokens'));
  gateway = await UdpackGateway.start({
    listenHost: '127.0.0.1',
    listenPort: 0,
    target: { host: '127.0.0.1', port: server.port! },
    privateKey,
    verifyToken: (t) => tokens.verify(t),
    logger: silentLogger,
  });
  uri = `spice+udpack://127.0.0.1:${gateway.address().port}`;
  // A gateway whose SPICE server is not there.
  deadGateway = await UdpackGateway.start({
    listenHost: '127.0.0.1',
    listenPort: 0,
    target: { host: '127.0.0.1', port: await freePort() },
    privateKey,
    verifyToken: () => true,
    logger: silentLogger,
    connectTimeoutMs: 2000,
  });
});

after(async () => {
  await Promise.all([gateway?.close(), deadGateway?.close(), server?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const udpackArgs = (): string[] => ['--udpack-public-key', publicKeyPath, '--udpack-token', 'right-token'];

test(
  'screenshot through the gateway is pixel-identical to a direct TCP screenshot',
  { timeout: 60_000 },
  async () => {
    const direct = join(dir, 'direct.png');
    const viaUdpack = join(dir, 'udpack.png');
    const a = await runCli(['screenshot', `spice://127.0.0.1:${server.port}`, '-o', direct]);
    assert.equal(a.code, EXIT_OK, a.stderr);
    const b = await runCli(['screenshot', uri, '-o', viaUdpack, ...udpackArgs()]);
    assert.equal(b.code, EXIT_OK, b.stderr);
    const [x, y] = await Promise.all([readPngRgba(direct), readPngRgba(viaUdpack)]);
    assert.equal(y.width, 720);
    assert.equal(countPixelDiffs(x, y), 0, 'same pixels');
    assert.ok(gateway.stats.handshakesAccepted >= 1, 'the screenshot went through the gateway');
  },
);

test(
  'the token may come from SAFFRON_UDPACK_TOKEN; saffron info works over UDPack',
  { timeout: 60_000 },
  async () => {
    const r = await runCli(['info', uri, '--udpack-public-key', publicKeyPath, '--json'], {
      SAFFRON_UDPACK_TOKEN: 'right-token',
    });
    assert.equal(r.code, EXIT_OK, r.stderr);
    // info lists the channels that opened before 1.5 s of quiet; on a loaded machine the display channel's
    // stream may open later than that, so only the main channel (the server's name, an open channel) is asserted.
    const info = JSON.parse(r.stdout) as { name: string; channels: { type: string; state: string }[] };
    assert.equal(info.name, 'saffron-test-server', r.stdout);
    assert.ok(
      info.channels.some((c) => c.type === 'main' && c.state === 'open'),
      r.stdout,
    );
  },
);

test('a .vv file with x-udpack-gateway, an inline public key and a token', { timeout: 60_000 }, async () => {
  const pem = (await readFile(publicKeyPath, 'utf8')).trim().replace(/\n/g, '\\n');
  const vv = join(dir, 'console.vv');
  await writeFile(
    vv,
    [
      '[virt-viewer]',
      'type=spice',
      `x-udpack-gateway=127.0.0.1:${gateway.address().port}`,
      `x-udpack-public-key=${pem}`,
      'x-udpack-token=right-token',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'vv.png');
  const r = await runCli(['screenshot', vv, '-o', out]);
  assert.equal(r.code, EXIT_OK, r.stderr);
  assert.equal((await readPngRgba(out)).width, 720);
});

test('a wrong token fails with exit code 4 (authentication failed)', { timeout: 60_000 }, async () => {
  const r = await runCli([
    'screenshot',
    uri,
    '-o',
    join(dir, 'no.png'),
    '--udpack-public-key',
    publicKeyPath,
    '--udpack-token',
    'wrong',
  ]);
  assert.equal(r.code, EXIT_AUTH_FAILED, r.stderr);
  assert.match(r.stderr, /refused the token/);
});

test(
  "another gateway's public key fails with exit code 13, naming the key",
  { timeout: 60_000 },
  async () => {
    const other = await mkdtemp(join(dir, 'other-'));
    assert.equal((await runCli(['gateway', '--generate-key', other])).code, EXIT_OK);
    const r = await runCli([
      'screenshot',
      uri,
      '-o',
      join(dir, 'no.png'),
      '--udpack-public-key',
      join(other, 'gateway-pub.pem'),
      '--udpack-token',
      'right-token',
    ]);
    assert.equal(r.code, EXIT_UDPACK, r.stderr);
    assert.match(r.stderr, /refused the handshake.*public key/);
  },
);

test(
  'no gateway on that port fails with exit code 13 — no fallback to TCP',
  { timeout: 60_000 },
  async () => {
    const port = await freePort();
    const r = await runCli([
      'screenshot',
      `spice+udpack://127.0.0.1:${port}`,
      '-o',
      join(dir, 'no.png'),
      ...udpackArgs(),
    ]);
    assert.equal(r.code, EXIT_UDPACK, r.stderr);
    assert.match(r.stderr, /UDPack gateway 127\.0\.0\.1:\d+/);
  },
);

test(
  "a gateway that cannot reach its SPICE server: exit code 3 with the gateway's reason",
  { timeout: 60_000 },
  async () => {
    const r = await runCli([
      'screenshot',
      `spice+udpack://127.0.0.1:${deadGateway.address().port}`,
      '-o',
      join(dir, 'no.png'),
      ...udpackArgs(),
    ]);
    assert.equal(r.code, EXIT_UNREACHABLE, r.stderr);
    assert.match(r.stderr, /cannot reach its SPICE server.*connection refused/);
  },
);

test(
  'usage errors: no public key, UDPack flags without a gateway, a bad --listen',
  { timeout: 30_000 },
  async () => {
    const noKey = await runCli(['screenshot', uri, '-o', join(dir, 'no.png')]);
    assert.equal(noKey.code, EXIT_USAGE, noKey.stderr);
    assert.match(noKey.stderr, /needs the gateway's public key/);
    const stray = await runCli(['info', 'spice://127.0.0.1:5900', '--udpack-token', 'x']);
    assert.equal(stray.code, EXIT_USAGE);
    assert.match(stray.stderr, /apply only to spice\+udpack/);
    const listen = await runCli([
      'gateway',
      '--listen',
      '0.0.0.0:5999',
      '--target',
      'spice://h:1',
      '--key',
      'k',
    ]);
    assert.equal(listen.code, EXIT_USAGE);
    assert.match(listen.stderr, /udp:\/\/ADDR:PORT/);
  },
);

/** Polls `harness.views.currentState` until it is one of `states` (the session process reports its state). */
async function waitForState(harness: WebHarness, states: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!states.includes(harness.views.currentState)) {
    if (Date.now() > deadline)
      throw new Error(
        `still '${harness.views.currentState}' after ${timeoutMs} ms (wanted ${states.join('/')})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return harness.views.currentState;
}

test(
  'saffron web: the session process opens a spice+udpack:// connection through the gateway, as the CLI does',
  { timeout: 90_000 },
  async () => {
    const accepted = gateway.stats.handshakesAccepted;
    const config = await resolveTarget(uri, {
      env: {},
      udpackPublicKeyFile: publicKeyPath,
      udpackToken: 'right-token',
    });
    const harness = await startWebHarness({ rendererDir: dir, logger: silentLogger, env: {}, config });
    try {
      assert.equal(await waitForState(harness, ['connected', 'error'], 60_000), 'connected');
      const pid = harness.views.sessionProcessId;
      assert.ok(pid !== undefined && pid !== process.pid, 'the session runs in its own process');
      assert.ok(gateway.stats.handshakesAccepted > accepted, 'the session went through the gateway');
    } finally {
      await harness.close();
    }
    // A wrong token ends in the error state, not a fallback to TCP.
    const bad = await startWebHarness({
      rendererDir: dir,
      logger: silentLogger,
      env: {},
      config: { ...config, udpack: { ...config.udpack!, token: 'wrong-token' } },
    });
    try {
      assert.equal(await waitForState(bad, ['connected', 'error'], 60_000), 'error');
    } finally {
      await bad.close();
    }
  },
);
