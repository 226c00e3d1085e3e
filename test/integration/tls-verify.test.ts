// TLS verification outcomes of the opener against a node:tls server with openssl-made certificates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStreamOpener } from '../../main/spice/transport/opener';
import type { StreamOpenerDeps } from '../../main/spice/transport/opener';
import { emptyConfig } from '../../main/spice/connect/config';
import type { ConnectionConfig } from '../../main/spice/connect/config';
import { silentLogger } from '../../main/spice/logger';
import { SpiceError } from '../../main/spice/errors';
import { SPICE_CHANNEL_MAIN } from '../../main/spice/protocol/enums';
import { CertWorkspace, hostSubjectString } from '../support/x509';
import type { Ca, ServerCert, Subject } from '../support/x509';
import { startConnectProxy } from '../support/connect-proxy';
import { requireTools } from '../support/require-tool';

requireTools(['openssl']);

const SUBJECT: Subject = [
  ['C', 'IL'],
  ['O', 'Saffron Test'],
  ['CN', 'spice-server'],
];

let ws: CertWorkspace;
let ca: Ca;
let otherCa: Ca;
let good: ServerCert;
let expired: ServerCert;
let noSan: ServerCert;

before(() => {
  ws = new CertWorkspace();
  ca = ws.makeCa('ca', [
    ['O', 'Saffron Test'],
    ['CN', 'Saffron Test CA'],
  ]);
  otherCa = ws.makeCa('other', [['CN', 'Someone Else CA']]);
  good = ws.makeServerCert('good', ca, SUBJECT, { san: ['DNS:localhost', 'IP:127.0.0.1'] });
  expired = ws.makeServerCert('expired', ca, SUBJECT, {
    san: ['DNS:localhost', 'IP:127.0.0.1'],
    expired: true,
  });
  noSan = ws.makeServerCert('nosan', ca, SUBJECT);
});

after(() => ws.remove());

/** A TLS echo server with `cert`; returns its port and a closer. */
async function tlsServer(
  cert: ServerCert,
  extra: tls.TlsOptions = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem, ...extra }, (s) => {
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

function config(fields: Partial<ConnectionConfig>): ConnectionConfig {
  return { ...emptyConfig(), ...fields };
}

const deps: StreamOpenerDeps = { logger: silentLogger, connectTimeoutMs: 3000 };

async function openSecure(c: ConnectionConfig): Promise<string> {
  const stream = await createStreamOpener(c, deps).open({
    channelType: SPICE_CHANNEL_MAIN,
    channelId: 0,
    secure: true,
  });
  const echoed = new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString())));
  stream.write('REDQ');
  const text = await echoed;
  stream.destroy();
  return text;
}

async function expectTlsError(c: ConnectionConfig, re: RegExp, code = 'tls'): Promise<void> {
  await assert.rejects(openSecure(c), (e: unknown) => {
    assert.ok(e instanceof SpiceError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });
}

void test('right CA + host name', async () => {
  const srv = await tlsServer(good);
  try {
    assert.equal(await openSecure(config({ host: 'localhost', tlsPort: srv.port, ca: ca.certPem })), 'REDQ');
    assert.equal(await openSecure(config({ host: '127.0.0.1', tlsPort: srv.port, ca: ca.certPem })), 'REDQ');
  } finally {
    await srv.close();
  }
});

void test('right CA + host-subject replaces the host-name check (opaque host, no SAN)', async () => {
  const srv = await tlsServer(noSan);
  try {
    const c = config({ host: '127.0.0.1', tlsPort: srv.port, ca: ca.certPem });
    await expectTlsError(c, /does not match the host name '127\.0\.0\.1'.*give host-subject/);
    c.hostSubject = hostSubjectString(SUBJECT);
    assert.equal(await openSecure(c), 'REDQ');
    c.hostSubject = 'CN=spice-server,O=saffron test,C=IL';
    assert.equal(await openSecure(c), 'REDQ', 'order and case do not matter');
  } finally {
    await srv.close();
  }
});

void test('wrong host-subject', async () => {
  const srv = await tlsServer(good);
  try {
    await expectTlsError(
      config({
        host: 'localhost',
        tlsPort: srv.port,
        ca: ca.certPem,
        hostSubject: 'C=IL,O=Saffron Test,CN=other',
      }),
      /certificate subject 'C=IL,O=Saffron Test,CN=spice-server' does not match host-subject 'C=IL,O=Saffron Test,CN=other'/,
    );
  } finally {
    await srv.close();
  }
});

void test('unknown CA (given CA, CA file, and system store)', async () => {
  const srv = await tlsServer(good);
  try {
    await expectTlsError(
      config({ host: 'localhost', tlsPort: srv.port, ca: otherCa.certPem }),
      /unknown CA: the server certificate 'C=IL,O=Saffron Test,CN=spice-server' \(issued by 'O=Saffron Test,CN=Saffron Test CA'\) is not signed by the given CA/,
    );
    const caFile = join(ws.dir, 'other-bundle.pem');
    writeFileSync(caFile, otherCa.certPem);
    await expectTlsError(config({ host: 'localhost', tlsPort: srv.port, caFile }), /unknown CA/);
    await expectTlsError(
      config({ host: 'localhost', tlsPort: srv.port }),
      /unknown CA: .* is not signed by a CA this computer trusts/,
    );
  } finally {
    await srv.close();
  }
});

void test('expired certificate', async () => {
  const srv = await tlsServer(expired);
  try {
    await expectTlsError(
      config({ host: 'localhost', tlsPort: srv.port, ca: ca.certPem }),
      /server certificate expired on 2020-01-02T00:00:00\.000Z/,
    );
  } finally {
    await srv.close();
  }
});

void test('CA file: good, missing, not PEM', async () => {
  const srv = await tlsServer(good);
  try {
    assert.equal(
      await openSecure(config({ host: 'localhost', tlsPort: srv.port, caFile: ca.certPath })),
      'REDQ',
    );
    await expectTlsError(
      config({ host: 'localhost', tlsPort: srv.port, caFile: join(ws.dir, 'nope.pem') }),
      /cannot read the CA file/,
      'config',
    );
    const junk = join(ws.dir, 'junk.pem');
    writeFileSync(junk, 'hello');
    await expectTlsError(
      config({ host: 'localhost', tlsPort: srv.port, caFile: junk }),
      /holds no PEM/,
      'config',
    );
  } finally {
    await srv.close();
  }
});

void test('tls-ciphers is honoured', async () => {
  const srv = await tlsServer(good, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  try {
    const c = config({
      host: 'localhost',
      tlsPort: srv.port,
      ca: ca.certPem,
      tlsCiphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    assert.equal(await openSecure(c), 'REDQ');
    c.tlsCiphers = 'ECDHE-ECDSA-CHACHA20-POLY1305';
    await expectTlsError(c, /no common TLS version or cipher/);
    c.tlsCiphers = 'NO-SUCH-CIPHER';
    await expectTlsError(c, /tls-ciphers 'NO-SUCH-CIPHER' selects no usable cipher/, 'config');
  } finally {
    await srv.close();
  }
});

void test('a plain port used as TLS port is explained', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.resume(); // read to EOF so the socket closes when the client gives up
    s.end('REDQ\0\0\0\0garbage that is not TLS\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    await expectTlsError(config({ host: '127.0.0.1', tlsPort: port }), /is this really the TLS port/);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

void test('TLS through an HTTP CONNECT proxy to an opaque host token, verified by host-subject', async () => {
  const srv = await tlsServer(noSan);
  const token = 'pvespiceproxy:65f0c0de:100:pve1::0123456789abcdef';
  const proxy = await startConnectProxy({
    route: (target) =>
      target === `${token}:61000`
        ? { host: '127.0.0.1', port: srv.port }
        : { status: 403, reason: 'Forbidden' },
  });
  try {
    const c = config({
      host: token,
      tlsPort: 61000,
      ca: ca.certPem,
      hostSubject: hostSubjectString(SUBJECT),
      proxy: { scheme: 'http', host: '127.0.0.1', port: proxy.port },
    });
    assert.equal(await openSecure(c), 'REDQ');
    assert.deepEqual(proxy.targets, [`${token}:61000`]);
    c.tlsPort = 61001;
    await expectTlsError(c, /proxy 127\.0\.0\.1:\d+ refused the target .*:61001 \(403 Forbidden\)/, 'proxy');
  } finally {
    await proxy.close();
    await srv.close();
  }
});
