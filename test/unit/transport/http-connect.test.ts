import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildConnectRequest, openProxyTunnel } from '../../../main/spice/transport/http-connect';
import { createStreamOpener } from '../../../main/spice/transport/opener';
import { emptyConfig } from '../../../main/spice/connect/config';
import type { ProxyConfig } from '../../../main/spice/connect/config';
import { silentLogger } from '../../../main/spice/logger';
import { SpiceError } from '../../../main/spice/errors';
import { SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_MAIN } from '../../../main/spice/protocol/enums';
import { startConnectProxy } from '../../support/connect-proxy';

async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A fake proxy that answers every connection with `reply` (raw bytes), then optionally stays open. */
async function fakeProxy(
  reply: string | null,
  keepOpen = false,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', () => {
      if (reply === null) return;
      if (keepOpen) s.write(reply);
      else s.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const proxyAt = (port: number, extra: Partial<ProxyConfig> = {}): ProxyConfig => ({
  scheme: 'http',
  host: '127.0.0.1',
  port,
  ...extra,
});

async function roundTrip(s: net.Socket | NodeJS.ReadWriteStream): Promise<string> {
  const got = new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
  s.write('ping');
  return got;
}

void test('CONNECT request: target, Host, Basic auth; IPv6 bracketed, tokens not', () => {
  assert.equal(buildConnectRequest(proxyAt(1), 'h:5900'), 'CONNECT h:5900 HTTP/1.1\r\nHost: h:5900\r\n\r\n');
  assert.match(
    buildConnectRequest(proxyAt(1, { username: 'u', password: 'p' }), 'h:1'),
    /\r\nProxy-Authorization: Basic dTpw\r\n\r\n$/,
  );
});

void test('every channel goes through the proxy (plain), with auth', async () => {
  const echo = await echoServer();
  const proxy = await startConnectProxy({
    route: () => ({ host: '127.0.0.1', port: echo.port }),
    auth: { user: 'alice', password: 's3cret' },
  });
  try {
    const config = {
      ...emptyConfig(),
      host: 'vm.internal',
      port: 5900,
      proxy: proxyAt(proxy.port, { username: 'alice', password: 's3cret' }),
    };
    const opener = createStreamOpener(config, { logger: silentLogger });
    assert.equal(opener.describe(), `vm.internal:5900 via proxy 127.0.0.1:${proxy.port}`);
    const a = await opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false });
    const b = await opener.open({ channelType: SPICE_CHANNEL_DISPLAY, channelId: 0, secure: false });
    assert.equal(await roundTrip(a), 'ping');
    assert.equal(await roundTrip(b), 'ping');
    a.destroy();
    b.destroy();
    assert.deepEqual(proxy.targets, ['vm.internal:5900', 'vm.internal:5900']);

    config.proxy = proxyAt(proxy.port, { username: 'alice', password: 'wrong' });
    await assert.rejects(
      createStreamOpener(config, { logger: silentLogger }).open({
        channelType: 1,
        channelId: 0,
        secure: false,
      }),
      /rejected the user name or password \(407/,
    );
    const noAuth = { ...config, proxy: proxyAt(proxy.port) };
    await assert.rejects(
      createStreamOpener(noAuth, { logger: silentLogger }).open({
        channelType: 1,
        channelId: 0,
        secure: false,
      }),
      (e: unknown) =>
        e instanceof SpiceError &&
        e.code === 'proxy' &&
        /requires authentication \(407 Proxy Authentication Required\) — give it as http:\/\/USER:PASSWORD@/.test(
          e.message,
        ) &&
        !e.message.includes('s3cret'),
    );
  } finally {
    await proxy.close();
    await echo.close();
  }
});

void test('bytes that arrive with the 200 reply are not lost', async () => {
  const proxy = await fakeProxy('HTTP/1.1 200 OK\r\nX: y\r\n\r\nEARLY', true);
  try {
    const s = await openProxyTunnel(proxyAt(proxy.port), 'h', 1, { timeoutMs: 2000 });
    const got = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
    assert.equal(got, 'EARLY');
    s.destroy();
  } finally {
    await proxy.close();
  }
});

const failures: [string, string | null, RegExp][] = [
  ['403', 'HTTP/1.1 403 Forbidden\r\n\r\n', /refused the target h:1 \(403 Forbidden\)/],
  ['502', 'HTTP/1.0 502 Bad Gateway\r\n\r\n', /could not reach the SPICE server h:1 \(502 Bad Gateway\)/],
  ['405', 'HTTP/1.1 405 Method Not Allowed\r\n\r\n', /does not support CONNECT/],
  ['418', 'HTTP/1.1 418 I am a teapot\r\n\r\n', /refused CONNECT h:1 \(418 I am a teapot\)/],
  ['not HTTP', 'SSH-2.0-OpenSSH_9.2\r\n', /did not answer with HTTP/],
  ['malformed', 'HTTP/1.1 abc\r\n\r\n', /malformed status line/],
  ['closed', '', /closed the connection without answering/],
];
for (const [name, reply, re] of failures) {
  void test(`proxy failure: ${name}`, async () => {
    const proxy = await fakeProxy(reply);
    try {
      await assert.rejects(
        openProxyTunnel(proxyAt(proxy.port), 'h', 1, { timeoutMs: 2000 }),
        (e: unknown) => e instanceof SpiceError && e.code === 'proxy' && re.test(e.message),
      );
    } finally {
      await proxy.close();
    }
  });
}

void test('proxy timeout, oversize header, unreachable proxy', async () => {
  const silent = await fakeProxy(null);
  try {
    await assert.rejects(
      openProxyTunnel(proxyAt(silent.port), 'h', 1, { timeoutMs: 150 }),
      /did not answer CONNECT h:1 within/,
    );
  } finally {
    await silent.close();
  }
  const big = await fakeProxy(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20000)}`, true);
  try {
    await assert.rejects(
      openProxyTunnel(proxyAt(big.port), 'h', 1, { timeoutMs: 2000 }),
      /larger than 16384 bytes/,
    );
  } finally {
    await big.close();
  }
  const gone = net.createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  await assert.rejects(openProxyTunnel(proxyAt(port), 'h', 1, { timeoutMs: 2000 }), (e: unknown) => {
    assert.ok(e instanceof SpiceError);
    assert.equal(e.code, 'proxy');
    assert.match(e.message, /cannot reach proxy 127\.0\.0\.1:\d+: connection refused — is the proxy running/);
    return true;
  });
});
