// A short, seeded slice of the long fuzz campaigns (`npm run fuzz`): every protocol target (link stage, framer,
// each channel's messages, .vv, URIs, the app contract) and every feature target (audio messages, playback and
// record channels, usbredir parser, SCSI) takes structure-aware mutations of real captures and must answer each
// with a result or a SpiceError — never another exception, never a hang (test time limit). The image, BMP and
// agent decoders have their own slice (test/unit/decoders/decoders-fuzz.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCampaign } from '../../support/fuzz/engine';
import { FEATURE_TARGETS } from '../../support/fuzz/feature-targets';
import { PROTOCOL_TARGETS } from '../../support/fuzz/protocol-targets';

const SEED = 20261203;
const DEFAULT_INPUTS = 600;

/** The SCSI target drives a whole virtual disk per input: fewer inputs. */
const INPUTS_OF: Record<string, number> = { 'usb-scsi': 60 };

for (const target of [...PROTOCOL_TARGETS, ...Object.values(FEATURE_TARGETS).map((make) => make())]) {
  const INPUTS = INPUTS_OF[target.name] ?? DEFAULT_INPUTS;
  void test(`fuzz ${target.name}: ${INPUTS} mutated inputs, seed ${SEED}`, { timeout: 90_000 }, async () => {
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
    // (The virtual disk answers every command with a status: it has no "refused" outcome.)
    if (target.name !== 'usb-scsi') assert.ok(c.rejected > 0, `nothing was rejected (${c.ok} ok)`);
    assert.ok(c.ok > 0 || target.name === 'uri', `nothing was handled (${c.rejected} rejected)`);
  });
}
