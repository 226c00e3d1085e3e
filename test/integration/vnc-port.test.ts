// A new user pointed Saffron at QEMU's VNC port instead of its SPICE port: the real QEMU's RFB banner is
// recognised (exit 5, "this is a VNC port"), at once, while the SPICE port of the same VM works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EXIT_NOT_SPICE, EXIT_OK } from '../../main/cli/exit-codes';
import { startQemu } from '../support/qemu';
import { requireTools } from '../support/require-tool';
import { runCli } from '../support/run-cli';

requireTools(['qemu']);

/** A VNC display number whose port (5900 + n) is free right now. */
async function freeVncDisplay(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const display = 100 + Math.floor(Math.random() * 4000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(5900 + display, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return display;
  }
  throw new Error('no free VNC display number');
}

void test("QEMU's VNC port: exit 5 naming VNC; its SPICE port answers", { timeout: 60_000 }, async () => {
  const display = await freeVncDisplay();
  const qemu = await startQemu({ args: ['-vnc', `127.0.0.1:${display}`] });
  try {
    const started = performance.now();
    const vnc = await runCli(['info', `spice://127.0.0.1:${5900 + display}`, '--timeout', '20']);
    assert.equal(vnc.code, EXIT_NOT_SPICE, vnc.stderr);
    assert.match(vnc.stderr, /this is a VNC port \(QEMU -vnc\), not SPICE/);
    assert.ok(performance.now() - started < 10_000, 'without waiting for the timeout');
    const spice = await runCli(['info', `spice://127.0.0.1:${qemu.port}`, '--timeout', '20']);
    assert.equal(spice.code, EXIT_OK, spice.stderr);
  } finally {
    await qemu.stop();
  }
});
