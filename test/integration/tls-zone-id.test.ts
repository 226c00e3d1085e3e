// TLS verification of an IPv6 target with a zone id (fe80::1%eth0): a clean verification result, not an
// exception thrown inside the TLS event handler (which crashed the process and left the promise pending).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { parseProxyUrl } from '../../main/spice/connect/proxy-url';
import { silentLogger } from '../../main/spice/logger';
import { SpiceError } from '../../main/spice/errors';
import { SPICE_CHANNEL_MAIN } from '../../main/spice/protocol/enums';
import { CertWorkspace } from '../support/x509';
import type { Ca, ServerCert } from '../support/x509';
import { startConnectProxy } from '../support/connect-proxy';
import { requireTools } from '../support/require-tool';

requireTools(['openssl']);

let ws: CertWorkspace;
let ca: Ca;
let good: ServerCert;

before(() => {
  ws = new CertWorkspace();
  ca = ws.makeCa('ca', [['CN', 'Hardening CA']]);
  good = ws.makeServerCert('good', ca, [['CN', 'spice-server']], { san: ['DNS:localhost', 'IP:127.0.0.1'] });
});

after(() => ws.remove());

async function tlsServer(cert: ServerCert): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
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

void test('TLS to an IPv6 address with a zone id: a clean verification error, no exception', async () => {
  const srv = await tlsServer(good);
  // The proxy carries the TLS connection to the local test server whatever the target is.
  const proxy = await startConnectProxy({ route: () => ({ host: '127.0.0.1', port: srv.port }) });
  try {
    const config = parseSpiceUri('spice+tls://[fe80::1%25eth0]:5901');
    assert.equal(config.host, 'fe80::1%eth0');
    config.ca = ca.certPem;
    config.proxy = parseProxyUrl(`http://127.0.0.1:${proxy.port}`);
    const opener = createStreamOpener(config, { logger: silentLogger, connectTimeoutMs: 3000 });
    await assert.rejects(
      opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: true }),
      (e: unknown) => {
        assert.ok(e instanceof SpiceError, String(e));
        assert.equal(e.code, 'tls', e.message);
        assert.match(e.message, /does not match the host name 'fe80::1%eth0'/);
        return true;
      },
    );
  } finally {
    await proxy.close();
    await srv.close();
  }
});
