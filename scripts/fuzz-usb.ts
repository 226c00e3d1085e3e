// Long fuzz campaigns for the USB parsers (the unit suite runs short, fixed-seed ones: test/unit/usbredir/usb-fuzz.test.ts).
//   npm run fuzz:usb -- [--target parser|scsi|all] [--seconds T] [--seed S]
// Prints one line per crash with the (seed, iteration) that reproduces it, and exits 1 if there was any.
import { fuzzParserOnce, fuzzScsiOnce } from '../test/unit/usbredir/usb-fuzz-targets';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const target = opt('target', 'all');
const seconds = Number(opt('seconds', '60'));
const seed = Number(opt('seed', String(Date.now() % 1_000_000)));

async function campaign(name: string, once: (s: number, i: number) => unknown): Promise<number> {
  const end = Date.now() + (seconds * 1000) / (target === 'all' ? 2 : 1);
  let crashes = 0;
  let i = 0;
  for (; Date.now() < end; i++) {
    const r = await once(seed, i);
    if (typeof r === 'object' && r !== null && 'crash' in r) {
      crashes++;
      console.log(`${name}: crash at --seed ${seed} iteration ${i}: ${String(r.crash)}`);
    }
  }
  console.log(`${name}: ${i} iterations, ${crashes} crashes (seed ${seed})`);
  return crashes;
}

let crashes = 0;
if (target === 'parser' || target === 'all') crashes += await campaign('parser', fuzzParserOnce);
if (target === 'scsi' || target === 'all') crashes += await campaign('scsi', fuzzScsiOnce);
process.exit(crashes ? 1 : 0);
