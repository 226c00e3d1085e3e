// `saffron screenshot` against real QEMU: the PNG is pixel-identical to spice-gtk's spicy-screenshot of the same VM.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXIT_AUTH_FAILED, EXIT_OK } from '../../main/cli/exit-codes';
import { startQemu, type Qemu } from '../support/qemu';
import { runCli } from '../support/run-cli';
import { countPixelDiffs, readPngRgba, spicyScreenshot, type RgbaImage } from '../support/spicy';
import { requireTools } from '../support/require-tool';

requireTools(['qemu', 'spicy']);

let dir: string;
let qemu: Qemu;
let locked: Qemu;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saffron-shot-'));
  [qemu, locked] = await Promise.all([startQemu(), startQemu({ password: 'secret' })]);
});
after(async () => {
  await Promise.all([qemu?.stop(), locked?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function ours(port: number, name: string, extra: string[] = []): Promise<RgbaImage> {
  const out = join(dir, name);
  const r = await runCli(['screenshot', `spice://127.0.0.1:${port}`, '-o', out, ...extra]);
  assert.equal(r.code, EXIT_OK, r.stderr);
  return readPngRgba(out);
}

test('our PNG of the SeaBIOS screen is pixel-identical to spicy-screenshot once the screen is stable', async () => {
  // Let SeaBIOS draw, then pause the guest: that also freezes the VGA text cursor blink (virtual clock).
  await new Promise((r) => setTimeout(r, 2500));
  await qemu.hmp('stop');
  const a = await ours(qemu.port, 'a.png');
  const reference = await spicyScreenshot(qemu.port);
  const b = await ours(qemu.port, 'b.png');
  assert.equal(countPixelDiffs(a, b), 0, 'the paused screen is stable');
  assert.equal(a.width, reference.width);
  assert.equal(a.height, reference.height);
  assert.equal(countPixelDiffs(a, reference), 0, 'pixel-identical to spicy-screenshot');
  let lit = 0;
  for (let i = 0; i < a.pixels.length; i += 4) if (a.pixels[i]! > 64) lit++;
  assert.ok(lit > 500, `the BIOS text is on screen (${lit} lit pixels)`);
});

test('screenshot with a password; a wrong password fails with its exit code and writes nothing', async () => {
  const image = await ours(locked.port, 'pw.png', ['--password', 'secret']);
  assert.ok(image.width > 0);
  const out = join(dir, 'wrong.png');
  const r = await runCli(['screenshot', `spice://127.0.0.1:${locked.port}`, '-o', out, '--password', 'bad']);
  assert.equal(r.code, EXIT_AUTH_FAILED);
  assert.match(r.stderr, /authentication failed/);
  assert.equal(existsSync(out), false);
});
