// Long fuzz campaigns for UDPack's parsers and for a session fed by a hostile authenticated peer (the unit suite
// runs short, seeded ones: test/unit/udpack/fuzz.test.ts). Targets: frame, records, hello, session.
//   npm run fuzz:udpack -- [--target NAME|all] [--seconds T] [--seed S]
// Prints each failure with the seed and iteration that reproduce it; exit status 1 if anything failed.
import {
  fuzzStep,
  udpackFuzzer,
  UDPACK_FUZZ_TARGETS,
  type UdpackFuzzTarget,
} from '../test/support/udpack-fuzz';
import { prng } from '../test/support/prng';

const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(value('seconds') ?? 30);
const seed = Number(value('seed') ?? Date.now() % 1_000_000_007);
const which = value('target') ?? 'all';
const targets = which === 'all' ? UDPACK_FUZZ_TARGETS : [which as UdpackFuzzTarget];
let failures = 0;
for (const target of targets) {
  if (!UDPACK_FUZZ_TARGETS.includes(target)) throw new Error(`unknown target ${target}`);
  const run = udpackFuzzer(target);
  const end = Date.now() + (seconds * 1000) / targets.length;
  let iterations = 0;
  for (; Date.now() < end; iterations++) {
    const error = fuzzStep(run, prng((seed ^ Math.imul(iterations + 1, 0x9e3779b1)) >>> 0));
    if (error !== undefined) {
      failures++;
      console.log(`${target}: seed ${seed} iteration ${iterations}: ${error}`);
    }
  }
  console.log(JSON.stringify({ fuzz: 'udpack', target, seed, iterations }));
}
process.exitCode = failures > 0 ? 1 : 0;
