// `saffron web` over HTTPS: the user's certificate and key (checked to belong together), a self-signed certificate
// generated when listening beyond localhost (names, validity, the printed SHA-256 fingerprint is the served one),
// and the WebSocket upgrade over wss:// with the https:// page origin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { startWebHarness, type WebHarness } from '../../../main/web/harness';
import {
  TlsSetupError,
  certificateNames,
  generateSelfSigned,
  isLoopbackHost,
  loadTlsFiles,
} from '../../../main/web/web-tls';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { runCli } from '../../support/run-cli';
import { FakeSession } from './fake-session';

let dir: string;
let harness: WebHarness;
const material = generateSelfSigned('0.0.0.0');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saffron-web-tls-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  harness = await startWebHarness({
    rendererDir: dir,
    logger: silentLogger,
    env: {},
    tls: { cert: material.cert, key: material.key },
    sessionDeps: {
      createSession: () => new FakeSession(),
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
});

after(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

void test('a generated certificate covers loopback and this host, is valid now, and matches its key', () => {
  const x509 = new X509Certificate(material.cert);
  assert.equal(x509.fingerprint256, material.fingerprint256);
  assert.match(material.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(x509.subjectAltName ?? '', /DNS:localhost/);
  for (const ip of certificateNames('0.0.0.0').ips.filter((a) => a.includes('.')))
    assert.ok(x509.checkIP(ip), `covers ${ip}`);
  assert.ok(new Date(x509.validFrom) < new Date() && new Date() < new Date(x509.validTo));
  assert.ok(x509.checkPrivateKey(createPrivateKey(material.key)));
  const named = new X509Certificate(generateSelfSigned('vm-host.example').cert);
  assert.equal(named.checkHost('vm-host.example'), 'vm-host.example');
  assert.equal(named.checkHost('other.example'), undefined);
});

void test('--tls-cert/--tls-key: files are checked, a key of another certificate is refused', () => {
  const other = generateSelfSigned('127.0.0.1');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const otherKey = join(dir, 'other-key.pem');
  writeFileSync(certPath, material.cert);
  writeFileSync(keyPath, material.key);
  writeFileSync(otherKey, other.key);
  const loaded = loadTlsFiles(certPath, keyPath);
  assert.equal(loaded.fingerprint256, material.fingerprint256);
  assert.equal(loaded.selfSigned, false);
  assert.throws(() => loadTlsFiles(certPath, otherKey), TlsSetupError);
  assert.throws(() => loadTlsFiles(keyPath, keyPath), /not a PEM certificate/);
  assert.throws(() => loadTlsFiles(join(dir, 'missing.pem'), keyPath), /cannot read the certificate/);
  assert.equal(isLoopbackHost('127.0.0.1'), true);
  assert.equal(isLoopbackHost('0.0.0.0'), false);
});

void test('the page and its WebSocket are served over TLS with the printed certificate', async () => {
  assert.match(harness.url, /^https:\/\/127\.0\.0\.1:\d+\/#token=/);
  const url = new URL(harness.url);
  const served = await new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/', rejectUnauthorized: false },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerX509Certificate();
        res.resume();
        resolve({ status: res.statusCode ?? 0, fingerprint: peer?.fingerprint256 ?? '' });
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(served, { status: 200, fingerprint: material.fingerprint256 });
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
  const open = (origin: string) =>
    new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`wss://${url.host}/ws?monitor=0&token=${token}`, {
        origin,
        ca: material.cert,
      });
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('error', () => resolve(false));
      ws.on('unexpected-response', () => resolve(false));
    });
  assert.equal(await open(`https://${url.host}`), true, 'the https page origin is accepted');
  assert.equal(await open(`http://${url.host}`), false, 'an http origin is not the page');
});

void test('saffron web: --tls-cert without --tls-key is a usage error; an unusable key names the file', async () => {
  const half = await runCli(['web', '--tls-cert', join(dir, 'cert.pem')]);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  const mismatch = await runCli([
    'web',
    '--tls-cert',
    join(dir, 'cert.pem'),
    '--tls-key',
    join(dir, 'other-key.pem'),
  ]);
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.stderr, /other-key\.pem is not the private key of the certificate/);
});
