// The test server's plain CLI serves a PNG that spice-gtk's spicy-screenshot reproduces pixel for pixel,
// with every lossless image compression mode, with passwords and over TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import type { ImageCompression } from '../support/test-server';
import { countDiffs, makeX509Dir, spicyScreenshot, writeTestPng } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy', 'openssl']);

const modes: ImageCompression[] = ['off', 'auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'lz4'];

void test('spicy-screenshot reproduces the served PNG for every lossless compression mode', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-display-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // odd sizes catch stride and padding mistakes
  const png = join(dir, 'served.png');
  const expected = await writeTestPng(png, 403, 301, 7);
  for (const compression of modes) {
    await t.test(compression, async () => {
      const server = await startTestServer({ image: png, compression, control: false });
      try {
        assert.equal(typeof server.port, 'number');
        assert.equal(server.listening.port, server.port);
        const shot = await spicyScreenshot(join(dir, `${compression}.ppm`), { port: server.port! });
        assert.ok(shot.ok, `spicy-screenshot failed (${String(shot.code)}): ${shot.stderr}`);
        assert.equal(shot.image!.width, expected.width);
        assert.equal(shot.image!.height, expected.height);
        assert.equal(countDiffs(shot.image!, expected), 0, `pixels differ with compression ${compression}`);
      } finally {
        await server.stop();
      }
    });
  }
});

void test('a password is required when set: right one works, wrong one is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-pw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const png = join(dir, 'served.png');
  const expected = await writeTestPng(png, 64, 48, 3);
  const server = await startTestServer({ image: png, password: 's3cret pass', compression: 'off' });
  t.after(() => server.stop());
  const wrong = await spicyScreenshot(join(dir, 'wrong.ppm'), { port: server.port!, password: 'nope' });
  assert.equal(wrong.ok, false);
  const none = await spicyScreenshot(join(dir, 'none.ppm'), { port: server.port! });
  assert.equal(none.ok, false);
  const right = await spicyScreenshot(join(dir, 'right.ppm'), {
    port: server.port!,
    password: 's3cret pass',
  });
  assert.ok(right.ok, right.stderr);
  assert.equal(countDiffs(right.image!, expected), 0);
  // the password can be changed at run time
  await server.sendOk({ cmd: 'set_password', password: 'other' });
  const old = await spicyScreenshot(join(dir, 'old.ppm'), { port: server.port!, password: 's3cret pass' });
  assert.equal(old.ok, false);
  const changed = await spicyScreenshot(join(dir, 'changed.ppm'), { port: server.port!, password: 'other' });
  assert.ok(changed.ok, changed.stderr);
});

void test('TLS: spicy-screenshot connects to the TLS port with the test CA and sees the image', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const x509 = makeX509Dir(join(dir, 'x509'));
  const png = join(dir, 'served.png');
  const expected = await writeTestPng(png, 120, 90, 5);
  const server = await startTestServer({ image: png, x509Dir: x509.dir, plain: false, password: 'tls-pw' });
  t.after(() => server.stop());
  assert.equal(server.port, undefined);
  assert.equal(server.listening.tls_port, server.tlsPort);
  const mark = server.eventCount;
  const shot = await spicyScreenshot(join(dir, 'tls.ppm'), {
    tlsPort: server.tlsPort!,
    caFile: x509.caFile,
    password: 'tls-pw',
  });
  assert.ok(shot.ok, shot.stderr);
  assert.equal(countDiffs(shot.image!, expected), 0);
  const main = await server.waitFor((e) => e.event === 'channel' && e.channel === 'main', { after: mark });
  assert.equal(main.tls, true);
  // with another CA the certificate is not trusted
  const other = makeX509Dir(join(dir, 'other-ca'));
  const untrusted = await spicyScreenshot(join(dir, 'untrusted.ppm'), {
    tlsPort: server.tlsPort!,
    caFile: other.caFile,
    password: 'tls-pw',
  });
  assert.equal(untrusted.ok, false);
});
