// DecodePool.close() stops its workers gracefully: a worker finishes the job in hand and ends on its own (exit code
// 0), so Node tears its isolate down with no GC or compile work in flight; only a worker still busy after the grace
// period is terminated. decode() never throws, whatever the input. And pools opened and closed with jobs in flight,
// in two processes side by side, never abort a process (the fuzz-messages abort of issue 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { DecodePool } from '../../../main/spice/decoders/pool/decode-pool';
import { SpiceError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import { corpusPath } from '../../support/fixture-paths';

const PHOTO_LZ = new Uint8Array(readFileSync(corpusPath('photo_1920x1080.lz')));
const photoJob = () => ({ type: E.SPICE_IMAGE_TYPE_LZ_RGB, width: 1920, height: 1080, data: PHOTO_LZ });

void test('close() lets a busy worker finish and exit by itself; pending jobs are cancelled', async () => {
  const exits: number[] = [];
  const pool = new DecodePool({ workers: 1, inlineMaxPixels: 0, onWorkerExit: (c) => exits.push(c) });
  const jobs = [0, 1, 2].map((i) =>
    pool.decode(photoJob(), 1920 * 1080).then(
      () => `done ${i}`,
      (e: unknown) =>
        e instanceof SpiceError && e.code === 'cancelled' ? 'cancelled' : `failed: ${String(e)}`,
    ),
  );
  await pool.close();
  assert.deepEqual(await Promise.all(jobs), ['cancelled', 'cancelled', 'cancelled']);
  assert.deepEqual(exits, [0], 'the worker ended on its own (terminate() would give exit code 1)');
  assert.equal(pool.threadCount, 0);
});

void test('a worker still busy after the grace period is terminated, and close() still resolves', async () => {
  const exits: number[] = [];
  const pool = new DecodePool({
    workers: 1,
    inlineMaxPixels: 0,
    closeGraceMs: 0,
    onWorkerExit: (c) => exits.push(c),
  });
  const job = pool.decode(photoJob(), 1920 * 1080).catch(() => 'cancelled');
  // Give the worker the job (it is busy decoding or still starting), then close with no grace at all.
  await new Promise((r) => setImmediate(r));
  await pool.close();
  assert.equal(await job, 'cancelled');
  assert.equal(exits.length, 1);
  assert.equal(pool.threadCount, 0);
});

void test('decode() rejects instead of throwing for an input whose buffer is detached', async () => {
  const pool = new DecodePool({ workers: 1, inlineMaxPixels: 0 });
  try {
    const data = new Uint8Array(64);
    structuredClone(data.buffer, { transfer: [data.buffer] }); // detaches data
    let result: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      result = pool.decode({ ...photoJob(), data }, 1920 * 1080);
    });
    await assert.rejects(result!);
    // zero-length input with a large declared size: a clean protocol error from the worker
    await assert.rejects(
      pool.decode(
        { type: E.SPICE_IMAGE_TYPE_LZ4, data: new Uint8Array(0), width: 1920, height: 1080 },
        1920 * 1080,
      ),
    );
  } finally {
    await pool.close();
  }
});

/** A child process that opens and closes pools with large jobs in flight, closing at random moments. */
const STRESS = `
  import { DecodePool } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../../main/spice/decoders/pool/decode-pool.ts')).href)};
  import { readFileSync } from 'node:fs';
  const lz = new Uint8Array(readFileSync(${JSON.stringify(corpusPath('photo_1920x1080.lz'))}));
  const quic = new Uint8Array(readFileSync(${JSON.stringify(corpusPath('text_desktop_1920x1080.quic'))}));
  for (let i = 0; i < 8; i++) {
    const pool = new DecodePool({ workers: 1 + (i % 2), inlineMaxPixels: 0, closeGraceMs: i % 3 === 0 ? 0 : 5000 });
    const jobs = [];
    for (let j = 0; j <= i % 4; j++) jobs.push(pool.decode({ type: j % 2 ? ${E.SPICE_IMAGE_TYPE_QUIC} : ${E.SPICE_IMAGE_TYPE_LZ_RGB}, width: 1920, height: 1080, data: j % 2 ? quic : lz }, 1920 * 1080).catch(() => {}));
    await Promise.race([Promise.all(jobs), new Promise((r) => setTimeout(r, (i * 37) % 150))]);
    if (i % 2) await pool.close(); else void pool.close();
  }
  console.log('stress done');
`;

function stressChild(): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', STRESS], {
      timeout: 240_000,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

void test('pools closed with jobs in flight, two processes side by side: every process exits cleanly', async () => {
  const results = await Promise.all([stressChild(), stressChild()]);
  for (const r of results) {
    assert.equal(r.signal, null, r.out);
    assert.doesNotMatch(r.out, /Assertion failed|node::Abort/, r.out);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /stress done/);
  }
});
