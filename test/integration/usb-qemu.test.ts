// USB redirection against QEMU's usb-redir device (xHCI, spicevmc chardev, bootindex=0): `saffron usb --share-cd`
// attaches the virtual CD to a paused VM as soon as it runs (QEMU's `info usb` lists it at high speed), SeaBIOS boots the ISO made
// by the test from it, the boot program's line is on the screen (the VGA text buffer read through the monitor) and
// its int 13h reads of the CD succeed; SIGTERM gives the device back and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOT_MESSAGE, makeBootIso } from '../support/boot-iso';
import { startQemu } from '../support/qemu';
import { requireTools } from '../support/require-tool';

requireTools(['qemu']);

const ROOT = join(import.meta.dirname, '..', '..');

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The 80x25 text screen from QEMU's memory (each cell: character, attribute). */
async function textScreen(hmp: (c: string) => Promise<string>): Promise<string> {
  const out = await hmp('xp /4000bx 0xb8000');
  const bytes = [...out.matchAll(/^[0-9a-f]+:((?:\s+0x[0-9a-f]{2})+)/gm)].flatMap((m) =>
    m[1]!
      .trim()
      .split(/\s+/)
      .map((h) => parseInt(h, 16)),
  );
  const chars = bytes
    .filter((_, i) => i % 2 === 0)
    .map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ' '));
  const rows: string[] = [];
  for (let r = 0; r < chars.length; r += 80)
    rows.push(
      chars
        .slice(r, r + 80)
        .join('')
        .trimEnd(),
    );
  return rows.join('\n');
}

void test(
  'a paused VM boots SeaBIOS from the shared ISO on a usb-redir CD',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-usb-qemu-'));
    const isoPath = join(dir, 'boot.iso');
    writeFileSync(isoPath, makeBootIso({ readSectors: 256 }));
    const debugcon = join(dir, 'debugcon.txt');
    const qemu = await startQemu({
      args: [
      '-S',
      '-device', 'qemu-xhci,id=xhci',
      '-chardev', 'spicevmc,name=usbredir,id=ur0',
      '-device', 'usb-redir,chardev=ur0,id=redir0,bootindex=0,bus=xhci.0',
      '-debugcon', `file:${debugcon}`,
    ], // prettier-ignore
    });
    const cli = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'main/cli/bin.ts'),
        'usb',
        `spice://127.0.0.1:${qemu.port}`,
        '--share-cd',
        isoPath,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    t.after(async () => {
      if (cli.exitCode === null) cli.kill('SIGKILL');
      await qemu.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const failWith = (e: Error): never => {
      throw new Error(`${e.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
    };
    // QEMU's usb-redir says nothing while the VM is paused (not even its usbredir hello): the client links the
    // channel and waits with the CD queued; the VM is resumed, and the CD attaches during SeaBIOS's USB scan.
    await until('the usbredir channel to link', 30_000, () =>
      /usb channels: 1 \(0 free\)/.test(stderr) ? true : undefined,
    ).catch(failWith);
    assert.doesNotMatch(stdout, /attached/, 'nothing can attach before the VM runs');
    await qemu.hmp('cont');
    await until('the CD to attach', 30_000, () =>
      /^attached cd:1 2b23:cdcd CD: boot\.iso channel=0$/m.test(stdout) ? true : undefined,
    ).catch(failWith);
    let lastUsb = '';
    const usb = await until('info usb to list the CD', 20_000, async () => {
      const out = (lastUsb = await qemu.hmp('info usb'));
      return /Speed 480 Mb\/s.*ID: redir0/.test(out) ? out : undefined;
    }).catch((e: Error) => failWith(new Error(`${e.message}: ${JSON.stringify(lastUsb)}`)));
    // QEMU names the device after its usb-redir model; the speed is the CD's (high speed).
    assert.match(usb, /Port 1, Speed 480 Mb\/s, Product USB Redirection Device, ID: redir0/);
    const marks = await until('the boot program to finish', 60_000, () => {
      const s = existsSync(debugcon) ? readFileSync(debugcon, 'latin1') : '';
      return /[EF]/.test(s) ? s : undefined;
    });
    assert.equal(marks, 'SE', 'booted ("S") and read 256 sectors of the CD through int 13h ("E", not "F")');
    const screen = await textScreen((c) => qemu.hmp(c));
    assert.match(screen, new RegExp(`^${BOOT_MESSAGE}$`, 'm'));
    assert.match(screen, /^READ DONE$/m);

    cli.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /^detached cd:1 2b23:cdcd CD: boot\.iso$/m);
    await until('the CD to leave the VM', 10_000, async () =>
      /Speed 480 Mb\/s.*redir0/.test(await qemu.hmp('info usb')) ? undefined : true,
    );
  },
);
