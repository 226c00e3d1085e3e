// Bounded fuzzing of every image decoder with a fixed seed (long campaigns: `npm run fuzz`). Every outcome must be
// a DecodedImage of consistent size or a ProtocolError; anything else (TypeError, RangeError, a hang) fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_TARGETS, fuzzContext, fuzzInput, fuzzOnce } from './fuzz-targets';

const SEED = 20261122;
/** Iterations per decoder (sharp-backed JPEG targets are slower per call). */
const ITERATIONS: Record<string, number> = {
  lz: 2500,
  glz: 2500,
  'zlib-glz': 600,
  lz4: 3000,
  bitmap: 2000,
  quic: 600,
  jpeg: 120,
  'jpeg-alpha': 120,
  bmp: 3000,
  agent: 1500,
};

for (const [name, target] of Object.entries(FUZZ_TARGETS)) {
  void test(`fuzz ${name}: ${ITERATIONS[name]} mutated and random inputs, seed ${SEED}`, async () => {
    const seeds = target.seeds();
    assert.ok(seeds.length > 0);
    const ctx = await fuzzContext(name);
    const counts = { ok: 0, rejected: 0 };
    for (let i = 0; i < ITERATIONS[name]!; i++) {
      const input = fuzzInput(target, seeds, SEED, i);
      const r = await fuzzOnce(target, input, ctx);
      if (r.kind === 'crash') {
        assert.fail(
          `iteration ${i} crashed: ${r.error instanceof Error ? r.error.stack : String(r.error)}\n` +
            `reproduce: npm run fuzz -- --decoder ${name} --seed ${SEED} --replay ${i}`,
        );
      }
      counts[r.kind]++;
    }
    // the mutations must not all be trivially rejected: some still decode
    assert.ok(counts.ok > 0, `no input decoded: ${JSON.stringify(counts)}`);
    assert.ok(counts.rejected > 0, `nothing was rejected: ${JSON.stringify(counts)}`);
  });
}
