// A Proxmox-style .vv file end to end: opaque `host` token, HTTP CONNECT proxy (a test proxy that forwards
// only `<token>:<tls-port>` to QEMU's TLS port, like spiceproxy), tls-port, host-subject, inline `\n`-escaped
// CA, one-time password and delete-this-file=1. Runs the real CLI in-process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { EXIT_OK, EXIT_PROXY } from '../../main/cli/exit-codes';
import { startQemu } from '../support/qemu';
import type { Qemu } from '../support/qemu';
import { CertWorkspace, hostSubjectString } from '../support/x509';
import type { Ca, Subject } from '../support/x509';
import { startConnectProxy } from '../support/connect-proxy';
import type { ConnectProxy } from '../support/connect-proxy';
import { requireTools } from '../support/require-tool';

requireTools(['qemu', 'openssl']);

const SUBJECT: Subject = [
  ['OU', 'PVE Cluster Node'],
  ['O', 'Proxmox Virtual Environment'],
  ['CN', 'pve1.example.com'],
];
const TOKEN = 'pvespiceproxy:65f0c0de:100:pve1::0123456789abcdef0123456789abcdef01234567';
const PROXIED_TLS_PORT = 61000;
const TICKET = 'one-time-ticket-9f8e7d';

let ws: CertWorkspace;
let ca: Ca;
let qemu: Qemu;
let proxy: ConnectProxy;

before(async () => {
  ws = new CertWorkspace();
  ca = ws.makeCa('pve-root', [
    ['CN', 'Proxmox Virtual Environment'],
    ['OU', 'cluster-ca'],
    ['O', 'PVE Cluster Manager CA'],
  ]);
  // Like a PVE node certificate: no SAN matching the token, so only host-subject can verify it.
  const node = ws.makeServerCert('pve-node', ca, SUBJECT);
  qemu = await startQemu({
    x509Dir: ws.makeQemuDir('x509', ca, node),
    password: TICKET,
    spiceOptions: ['tls-channel=default'],
  });
  proxy = await startConnectProxy({
    route: (target) =>
      target === `${TOKEN}:${PROXIED_TLS_PORT}`
        ? { host: '127.0.0.1', port: qemu.tlsPort! }
        : { status: 403, reason: 'invalid ticket' },
  });
});

after(async () => {
  await proxy?.close();
  await qemu?.stop();
  ws?.remove();
});

function vvFile(overrides: Record<string, string> = {}): string {
  const keys: Record<string, string> = {
    'secure-attention': 'Ctrl+Alt+Ins',
    'delete-this-file': '1',
    proxy: `http://127.0.0.1:${proxy.port}`,
    type: 'spice',
    'toggle-fullscreen': 'Shift+F11',
    'release-cursor': 'Ctrl+Alt+R',
    'host-subject': hostSubjectString(SUBJECT),
    'tls-port': String(PROXIED_TLS_PORT),
    title: 'VM 100 - web',
    password: TICKET,
    ca: ca.certPem.replace(/\n/g, '\\n'),
    host: TOKEN,
    ...overrides,
  };
  return `[virt-viewer]\r\n${Object.entries(keys)
    .map(([k, v]) => `${k}=${v}`)
    .join('\r\n')}\r\n`;
}

async function saffron(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

void test('Proxmox-style .vv: every channel through the proxy over TLS, file deleted', async () => {
  const path = join(ws.dir, 'pve-spice.vv');
  writeFileSync(path, vvFile());
  const before = proxy.targets.length;
  const run = await saffron(['info', path, '--json', '--timeout', '20']);
  assert.equal(run.code, EXIT_OK, run.stderr);
  assert.ok(!existsSync(path), 'delete-this-file=1 honoured');
  const report = JSON.parse(run.stdout) as { channels: { type: string; state: string; secure?: boolean }[] };
  const open = report.channels.filter((c) => c.state === 'open');
  assert.ok(open.some((c) => c.type === 'main'));
  for (const c of open) assert.equal(c.secure, true, `${c.type} over TLS`);
  const targets = proxy.targets.slice(before);
  assert.equal(targets.length, open.length, 'one CONNECT per channel');
  assert.ok(targets.every((t) => t === `${TOKEN}:${PROXIED_TLS_PORT}`));
  assert.ok(!run.stderr.includes(TICKET), 'the ticket never reaches the output');
});

void test('saffron screenshot file.vv works and the file is gone afterwards', async () => {
  const path = join(ws.dir, 'pve-screenshot.vv');
  const png = join(ws.dir, 'pve.png');
  writeFileSync(path, vvFile());
  const before = proxy.targets.length;
  const run = await saffron(['screenshot', path, '-o', png, '--timeout', '20']);
  assert.equal(run.code, EXIT_OK, run.stderr);
  assert.ok(!existsSync(path), 'delete-this-file=1 honoured');
  const bytes = readFileSync(png);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(bytes.readUInt32BE(16) >= 320 && bytes.readUInt32BE(20) >= 200);
  const targets = proxy.targets.slice(before);
  assert.ok(targets.length >= 2, 'main and display both went through the proxy');
  assert.ok(targets.every((t) => t === `${TOKEN}:${PROXIED_TLS_PORT}`));
});

void test('a stale ticket (proxy 403) is explained; VIRT_VIEWER_KEEP_FILE keeps the file', async () => {
  const path = join(ws.dir, 'stale.vv');
  writeFileSync(path, vvFile({ host: TOKEN.replace('65f0c0de', '00000000') }));
  const run = await saffron(['info', path], { VIRT_VIEWER_KEEP_FILE: '1' });
  assert.equal(run.code, EXIT_PROXY, run.stderr);
  assert.match(run.stderr, /refused the target pvespiceproxy:00000000:.*:61000 \(403 invalid ticket\)/);
  assert.ok(existsSync(path));
});
