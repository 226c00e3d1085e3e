// Short, seeded fuzz runs of UDPack's parsers and of a session fed mutated records by an authenticated peer
// (`npm run fuzz:udpack` runs the same targets for longer): parsers return or throw ProtocolError, and nothing at
// all escapes a session's receive().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzStep, udpackFuzzer, UDPACK_FUZZ_TARGETS } from '../../support/udpack-fuzz';
import { prng } from '../../support/prng';

for (const target of UDPACK_FUZZ_TARGETS) {
  test(`fuzz ${target}: 3000 seeded inputs`, () => {
    const run = udpackFuzzer(target);
    for (let i = 0; i < 3000; i++) {
      const rnd = prng((0x5eed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      if (target === 'session') {
        assert.doesNotThrow(() => run(rnd), `iteration ${i}`);
      } else {
        const error = fuzzStep(run, rnd);
        assert.equal(error, undefined, `iteration ${i}: ${error}`);
      }
    }
  });
}
