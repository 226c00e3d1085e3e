// The real USB backend (the `usb` package) without hardware: Debian's umockdev fakes a device in /sys and /dev.
// What it can emulate here: enumeration — `saffron usb --list` shows the device with its ids, strings, speed and
// filter verdicts. What it cannot: opening it — the usb package (nusb) opens /dev/bus/usb with raw system calls
// that umockdev's libc preload cannot intercept, so opening fails ("device not found"), which must be a clean
// per-device error, never a crash. Without a USB subsystem (this machine outside umockdev) the list is empty with
// a notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTools } from '../support/require-tool';

requireTools(['umockdev']);

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const DEVICE = join(ROOT, 'test/fixtures/usb/mock-device.umockdev');
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'main/cli/bin.ts')];

async function umockdevRun(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('umockdev-run', ['--device', DEVICE, '--', ...args], { cwd: ROOT, timeout: 60_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('umockdev-run is missing: apt-get install umockdev', { cause: e });
    throw e;
  }
}

void test('saffron usb --list sees a umockdev device with its verdicts', { timeout: 90_000 }, async () => {
  const { stdout } = await umockdevRun([...CLI, 'usb', '--list', '--redirect', '-1,0x1234,0x5678,-1,1']);
  assert.match(
    stdout,
    /^host:001-2 {2}1234:5678 {2}Saffron Test Mock Device {2}auto-connect=allow {2}redirect=allow$/m,
  );
});

void test(
  'opening a umockdev device fails as a per-device error (umockdev cannot intercept usbfs here)',
  { timeout: 90_000 },
  async () => {
    const script = `
    import { NodeUsbBackend } from './main/usb/node-usb-backend';
    import { silentLogger } from './main/spice/logger';
    const backend = new NodeUsbBackend({ logger: silentLogger });
    const { devices } = await backend.list();
    const d = devices[0];
    try { await d.open(); console.log('opened'); } catch (e) { console.log('error', e.name, e.code, e.message); }
  `;
    const { stdout } = await umockdevRun([
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    assert.match(stdout, /^error UsbDeviceError (gone|io|permission) cannot open Saffron Test Mock Device/m);
  },
);

void test(
  'without a USB subsystem the list is empty, with a notice, and the exit status is 0',
  { timeout: 60_000 },
  async () => {
    const { stdout, stderr } = await run(CLI[0]!, [...CLI.slice(1), 'usb', '--list'], {
      cwd: ROOT,
      timeout: 60_000,
    }).catch((e: { stdout: string; stderr: string }) => e);
    // On a machine with USB devices this lists them instead; either way nothing crashes.
    assert.ok(
      /no USB subsystem/.test(stderr)
        ? /^no USB devices$/m.test(stdout)
        : /auto-connect=/.test(stdout) || /^no USB devices$/m.test(stdout),
      stdout + stderr,
    );
  },
);
