import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStreamOpener } from '../../../main/spice/transport/opener';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { silentLogger } from '../../../main/spice/logger';
import { SpiceError } from '../../../main/spice/errors';
import { SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_MAIN } from '../../../main/spice/protocol/enums';

function listen(server: net.Server, arg: number | string): Promise<void> {
  return new Promise((resolve) => server.listen(arg, () => resolve()));
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function echoServer(): net.Server {
  const server = net.createServer((s) => s.pipe(s));
  return server;
}

async function roundTrip(stream: NodeJS.ReadWriteStream & { destroy(): void }): Promise<string> {
  const got = new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString())));
  stream.write('REDQ');
  const text = await got;
  stream.destroy();
  return text;
}

void test('plain TCP: open() gives a connected stream', async () => {
  const server = echoServer();
  await listen(server, 0);
  const port = (server.address() as net.AddressInfo).port;
  try {
    const opener = createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger });
    assert.equal(opener.hasPlainPort, true);
    assert.equal(opener.hasSecurePort, false);
    assert.equal(opener.prefersSecure(SPICE_CHANNEL_MAIN), false);
    assert.equal(opener.describe(), `127.0.0.1:${port}`);
    const s = await opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false });
    assert.equal(await roundTrip(s), 'REDQ');
  } finally {
    await close(server);
  }
});

void test('unix socket: open() gives a connected stream', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-unix-'));
  const path = join(dir, 'spice.sock');
  const server = echoServer();
  await listen(server, path);
  try {
    const opener = createStreamOpener(parseSpiceUri(`spice+unix://${path}`), { logger: silentLogger });
    assert.equal(opener.describe(), `unix:${path}`);
    const s = await opener.open({ channelType: SPICE_CHANNEL_DISPLAY, channelId: 0, secure: false });
    assert.equal(await roundTrip(s), 'REDQ');
    await assert.rejects(
      opener.open({ channelType: SPICE_CHANNEL_DISPLAY, channelId: 0, secure: true }),
      (e: unknown) => e instanceof SpiceError && e.code === 'config',
    );
  } finally {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('refused connection names host:port and a hint', async () => {
  const server = net.createServer();
  await listen(server, 0);
  const port = (server.address() as net.AddressInfo).port;
  await close(server);
  const opener = createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger });
  await assert.rejects(
    opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }),
    (e: unknown) => {
      assert.ok(e instanceof SpiceError);
      assert.equal(e.code, 'unreachable');
      assert.equal(
        e.message,
        `cannot reach 127.0.0.1:${port}: connection refused — is the VM running and is SPICE listening there?`,
      );
      return true;
    },
  );
});

void test('missing unix socket is explained', async () => {
  const opener = createStreamOpener(parseSpiceUri('spice+unix:///nonexistent/saffron.sock'), {
    logger: silentLogger,
  });
  await assert.rejects(
    opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }),
    /cannot reach unix:\/nonexistent\/saffron.sock: no such socket/,
  );
});

void test('unknown host name is explained', async () => {
  const opener = createStreamOpener(parseSpiceUri('spice://no-such-host.invalid:5900'), {
    logger: silentLogger,
  });
  await assert.rejects(
    opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }),
    (e: unknown) =>
      e instanceof SpiceError && e.code === 'unreachable' && /no-such-host\.invalid:5900/.test(e.message),
  );
});

void test('connect timeout and cancellation', async () => {
  // A listening socket with a zero backlog that never accepts still completes the handshake on Linux, so
  // use a non-routable address (TEST-NET-1) and a short timeout; either a timeout or an immediate
  // "unreachable" error is acceptable (sandboxes without a route fail fast).
  const opener = createStreamOpener(parseSpiceUri('spice://192.0.2.1:5900'), {
    logger: silentLogger,
    connectTimeoutMs: 200,
  });
  await assert.rejects(
    opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }),
    (e: unknown) =>
      e instanceof SpiceError && e.code === 'unreachable' && /192\.0\.2\.1:5900/.test(e.message),
  );
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false, signal: controller.signal }),
    (e: unknown) => e instanceof SpiceError && e.code === 'cancelled',
  );
});

void test('prefersSecure follows tls-port and secure-channels', () => {
  const both = parseSpiceUri('spice://h:5900?tls-port=5901');
  assert.equal(createStreamOpener(both, { logger: silentLogger }).prefersSecure(SPICE_CHANNEL_MAIN), false);
  both.secureChannels = [SPICE_CHANNEL_MAIN];
  const o = createStreamOpener(both, { logger: silentLogger });
  assert.equal(o.prefersSecure(SPICE_CHANNEL_MAIN), true);
  assert.equal(o.prefersSecure(SPICE_CHANNEL_DISPLAY), false);
  const tlsOnly = createStreamOpener(parseSpiceUri('spice+tls://h:5901'), { logger: silentLogger });
  assert.equal(tlsOnly.prefersSecure(SPICE_CHANNEL_DISPLAY), true);
  assert.equal(tlsOnly.hasPlainPort, false);
  assert.equal(tlsOnly.hasSecurePort, true);
});

void test('secure-channels without a TLS port refuses instead of downgrading', async () => {
  const plainOnly = parseSpiceUri('spice://127.0.0.1:9');
  plainOnly.secureChannels = [SPICE_CHANNEL_MAIN];
  const o = createStreamOpener(plainOnly, { logger: silentLogger });
  assert.equal(o.prefersSecure(SPICE_CHANNEL_MAIN), true);
  assert.equal(o.prefersSecure(SPICE_CHANNEL_DISPLAY), false);
  await assert.rejects(
    o.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: true }),
    (e: unknown) =>
      e instanceof SpiceError && e.code === 'config' && /no TLS port is configured/.test(e.message),
  );
});
