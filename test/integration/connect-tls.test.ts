// TLS against a real spice-server (QEMU with tls-port and an x509 directory made with openssl), through the
// real CLI (`saffron info`, in-process): right CA + host-subject links every channel over TLS; a wrong
// subject, an unknown CA and an expired certificate each fail with their own message and exit code; a
// server that forces TLS on main (NEED_SECURED) moves that channel to the TLS port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { EXIT_OK, EXIT_TLS, EXIT_PASSWORD_REQUIRED } from '../../main/cli/exit-codes';
import { startQemu } from '../support/qemu';
import type { Qemu } from '../support/qemu';
import { CertWorkspace, hostSubjectString } from '../support/x509';
import type { Ca, Subject } from '../support/x509';
import { requireTools } from '../support/require-tool';

requireTools(['qemu', 'openssl']);

const SUBJECT: Subject = [
  ['C', 'IL'],
  ['O', 'Saffron Test'],
  ['CN', 'qemu-spice'],
];
const PASSWORD = 'tls-secret';

let ws: CertWorkspace;
let ca: Ca;
let otherCa: Ca;
let qemu: Qemu;
let expiredQemu: Qemu;

before(async () => {
  ws = new CertWorkspace();
  ca = ws.makeCa('ca', [['CN', 'Saffron Test CA']]);
  otherCa = ws.makeCa('other', [['CN', 'Unrelated CA']]);
  const good = ws.makeServerCert('good', ca, SUBJECT, { san: ['IP:127.0.0.1'] });
  const expired = ws.makeServerCert('expired', ca, SUBJECT, { expired: true });
  // main must use TLS (the server answers NEED_SECURED on the plain port); other channels may be plain.
  qemu = await startQemu({
    x509Dir: ws.makeQemuDir('good-dir', ca, good),
    password: PASSWORD,
    spiceOptions: ['tls-channel=main'],
  });
  expiredQemu = await startQemu({ x509Dir: ws.makeQemuDir('expired-dir', ca, expired), password: PASSWORD });
});

after(async () => {
  await Promise.all([qemu?.stop(), expiredQemu?.stop()]);
  ws?.remove();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function saffron(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface InfoChannel {
  type: string;
  id: number;
  state: string;
  secure?: boolean;
}

function channelsOf(run: Run): InfoChannel[] {
  assert.equal(run.code, EXIT_OK, run.stderr);
  return (JSON.parse(run.stdout) as { channels: InfoChannel[] }).channels;
}

void test('right CA + right host-subject: every channel links over TLS', async () => {
  const run = await saffron(
    'info',
    `spice://127.0.0.1?tls-port=${qemu.tlsPort}`,
    '--json',
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
    '--host-subject',
    hostSubjectString(SUBJECT),
    '--timeout',
    '20',
  );
  const channels = channelsOf(run);
  const main = channels.find((c) => c.type === 'main');
  assert.equal(main?.state, 'open');
  assert.equal(main?.secure, true);
  for (const c of channels.filter((c) => c.state === 'open'))
    assert.equal(c.secure, true, `${c.type} over TLS`);
  assert.ok(!run.stderr.includes(PASSWORD), 'the password never reaches the output');
});

void test('right CA + right host-subject: saffron screenshot writes the screen', async () => {
  const png = join(ws.dir, 'tls.png');
  const run = await saffron(
    'screenshot',
    `spice+tls://127.0.0.1:${qemu.tlsPort}`,
    '-o',
    png,
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
    '--host-subject',
    hostSubjectString(SUBJECT),
    '--timeout',
    '20',
  );
  assert.equal(run.code, EXIT_OK, run.stderr);
  const bytes = readFileSync(png);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert.ok(width >= 320 && height >= 200, `${width}x${height}`);
});

void test('right CA and host name (no host-subject) via spice+tls://', async () => {
  const run = await saffron(
    'info',
    `spice+tls://127.0.0.1:${qemu.tlsPort}`,
    '--json',
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
  );
  assert.equal(channelsOf(run).find((c) => c.type === 'main')?.secure, true);
});

void test('wrong host-subject fails with its own message', async () => {
  const run = await saffron(
    'info',
    `spice+tls://127.0.0.1:${qemu.tlsPort}`,
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
    '--host-subject',
    'C=IL,O=Saffron Test,CN=somebody-else',
  );
  assert.equal(run.code, EXIT_TLS);
  assert.match(
    run.stderr,
    /certificate subject 'C=IL,O=Saffron Test,CN=qemu-spice' does not match host-subject 'C=IL,O=Saffron Test,CN=somebody-else'/,
  );
});

void test('unknown CA fails with its own message', async () => {
  const run = await saffron(
    'info',
    `spice+tls://127.0.0.1:${qemu.tlsPort}`,
    '--password',
    PASSWORD,
    '--ca-file',
    otherCa.certPath,
  );
  assert.equal(run.code, EXIT_TLS);
  assert.match(
    run.stderr,
    /unknown CA: the server certificate 'C=IL,O=Saffron Test,CN=qemu-spice' \(issued by 'CN=Saffron Test CA'\) is not signed by the given CA/,
  );
});

void test('expired certificate fails with its own message', async () => {
  const run = await saffron(
    'info',
    `spice+tls://127.0.0.1:${expiredQemu.tlsPort}`,
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
    '--host-subject',
    hostSubjectString(SUBJECT),
  );
  assert.equal(run.code, EXIT_TLS);
  assert.match(run.stderr, /server certificate expired on 2020-01-02T00:00:00\.000Z/);
});

void test('NEED_SECURED: main moves from the plain port to TLS, other channels stay plain', async () => {
  const run = await saffron(
    'info',
    `spice://127.0.0.1:${qemu.port}?tls-port=${qemu.tlsPort}`,
    '--json',
    '--password',
    PASSWORD,
    '--ca-file',
    ca.certPath,
  );
  const channels = channelsOf(run);
  assert.equal(channels.find((c) => c.type === 'main')?.secure, true);
  const others = channels.filter((c) => c.type !== 'main' && c.state === 'open');
  assert.ok(others.length > 0, 'some secondary channel opened');
  for (const c of others) assert.equal(c.secure, false, `${c.type} stays plain`);
});

void test('no password over TLS: the CLI says so and exits with its code', async () => {
  const run = await saffron('info', `spice+tls://127.0.0.1:${qemu.tlsPort}`, '--ca-file', ca.certPath);
  assert.equal(run.code, EXIT_PASSWORD_REQUIRED, run.stderr);
  assert.match(run.stderr, /password/i);
});

void test('.vv with inline CA, secure-channels and disable-channels (which really disables them)', async () => {
  const path = join(ws.dir, 'console.vv');
  writeFileSync(
    path,
    [
      '# written by a test',
      '[virt-viewer]',
      'type=spice',
      'host=127.0.0.1',
      `port=${qemu.port}`,
      `tls-port=${qemu.tlsPort}`,
      `password=${PASSWORD}`,
      `ca=${ca.certPem.replace(/\n/g, '\\n')}`,
      `host-subject=${hostSubjectString(SUBJECT)}`,
      'secure-channels=main;cursor',
      'disable-channels=inputs',
      '',
    ].join('\n'),
  );
  const channels = channelsOf(await saffron('info', path, '--json'));
  assert.ok(existsSync(path), 'no delete-this-file: kept');
  assert.equal(channels.find((c) => c.type === 'main')?.secure, true);
  assert.equal(channels.find((c) => c.type === 'cursor')?.secure, true, 'secure-channels=cursor');
  assert.equal(channels.find((c) => c.type === 'inputs')?.state, 'not-opened', 'disable-channels=inputs');
});
