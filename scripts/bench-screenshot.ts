// Whole-process speed of `saffron screenshot` against spice-gtk's `spicy-screenshot` on the same paused QEMU.
// Runs the two alternately (each a fresh process, as a user would), prints medians and the ratio.
// Usage: node --import tsx scripts/bench-screenshot.ts [--runs N]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startQemu } from '../test/support/qemu';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 21;
const dir = mkdtempSync(join(tmpdir(), 'bench-shot-'));

function timeMs(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const qemu = await startQemu();
try {
  await new Promise((r) => setTimeout(r, 2500));
  await qemu.hmp('stop');
  const uri = `spice://127.0.0.1:${qemu.port}`;
  const ours: number[] = [];
  const spicy: number[] = [];
  timeMs(process.execPath, ['bin/saffron.cjs', 'screenshot', uri, '-o', join(dir, 'warm.png')]); // warm the page cache
  for (let i = 0; i < runs; i++) {
    ours.push(timeMs(process.execPath, ['bin/saffron.cjs', 'screenshot', uri, '-o', join(dir, 'o.png')]));
    spicy.push(
      timeMs('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(qemu.port), '-o', join(dir, 's.ppm')]),
    );
  }
  const o = median(ours);
  const s = median(spicy);
  console.log(`screenshot of a ${runs}-run paused SeaBIOS screen (whole process, median):`);
  console.log(`  saffron screenshot   ${o.toFixed(1)} ms   (min ${Math.min(...ours).toFixed(1)})`);
  console.log(`  spicy-screenshot     ${s.toFixed(1)} ms   (min ${Math.min(...spicy).toFixed(1)})`);
  console.log(`  ratio saffron/spicy  ${(o / s).toFixed(2)}`);
  console.log(
    JSON.stringify({ bench: 'screenshot', runs, saffron_median_ms: o, spicy_median_ms: s, ratio: o / s }),
  );
} finally {
  await qemu.stop();
  rmSync(dir, { recursive: true, force: true });
}
