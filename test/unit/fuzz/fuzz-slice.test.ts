// A short, seeded slice of the long fuzz campaigns (`npm run fuzz`): every protocol target (link stage, framer,
// each channel's messages, .vv, URIs, the app contract) takes structure-aware mutations of real captures and
// must answer each with a result or a SpiceError — never another exception, never a hang (test time limit).
// The image decoders have their own slice (test/unit/decoders/decoders-fuzz.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCampaign } from '../../support/fuzz/engine';
import { PROTOCOL_TARGETS } from '../../support/fuzz/protocol-targets';

const SEED = 20261203;
const INPUTS = 600;

for (const target of PROTOCOL_TARGETS) {
  void test(`fuzz ${target.name}: ${INPUTS} mutated inputs, seed ${SEED}`, { timeout: 60_000 }, async () => {
    const c = await startCampaign(target, SEED);
    for (let i = 0; i < INPUTS; i++) await c.step();
    const crash = c.crashes[0];
    if (crash) {
      assert.fail(
        `input ${crash.iteration} crashed: ${crash.error instanceof Error ? crash.error.stack : String(crash.error)}\n` +
          `(npm run fuzz -- --target ${target.name} --seed ${SEED} --count ${INPUTS} writes it to a reproducer)`,
      );
    }
    // The mutations reach both sides: inputs that are handled and inputs that are refused.
    assert.ok(c.rejected > 0, `nothing was rejected (${c.ok} ok)`);
    assert.ok(c.ok > 0 || target.name === 'uri', `nothing was handled (${c.rejected} rejected)`);
  });
}
