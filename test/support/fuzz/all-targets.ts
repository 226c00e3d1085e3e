// Every fuzz target, by name: the protocol targets (protocol-targets.ts), the session-wide features' targets
// (feature-targets.ts: audio, usbredir, SCSI) and the image, clipboard-BMP and guest-agent decoders
// (test/unit/decoders/fuzz-targets.ts) under one interface, for `npm run fuzz` and the unit-suite slice.
import { isSpiceError } from '../../../main/spice/errors';
import { FUZZ_TARGETS, fuzzContext, type FuzzSeed } from '../../unit/decoders/fuzz-targets';
import type { FuzzTargetDef } from './engine';
import { mutateBytes, pick } from './mutate';
import { FEATURE_TARGETS } from './feature-targets';
import { PROTOCOL_TARGETS } from './protocol-targets';

function decoderTarget(name: string): FuzzTargetDef<FuzzSeed> {
  const target = FUZZ_TARGETS[name]!;
  let ctx: Awaited<ReturnType<typeof fuzzContext>> | undefined;
  return {
    name: `decode-${name}`,
    what:
      name === 'agent'
        ? 'the guest agent message stream into a connected GuestAgent'
        : `the ${name} decoder on real server images and synthetic inputs`,
    seeds: async () => {
      ctx = await fuzzContext(name);
      return target.seeds();
    },
    mutate: (base, rnd, pool) => {
      const other = pool.length ? pool[pick(rnd, pool.length)]!.data : undefined;
      const out: FuzzSeed = { ...base, data: mutateBytes(base.data, rnd, other) };
      if (rnd() < 0.05) {
        out.width = pick(rnd, 3000);
        out.height = pick(rnd, 3000);
      }
      if (base.bitmap && rnd() < 0.2)
        out.bitmap = {
          format: pick(rnd, 12),
          flags: pick(rnd, 8),
          stride: base.bitmap.stride + pick(rnd, 9) - 4,
        };
      return out;
    },
    run: async (input) => {
      try {
        await target.run(input, ctx!);
      } catch (e) {
        // The decoders refuse input with a protocol error only; anything else (another code included) is a crash.
        if (isSpiceError(e) && e.code !== 'protocol')
          throw new Error(`${e.code}: ${e.message}`, { cause: e });
        throw e;
      }
    },
    serialize: (input) =>
      new TextEncoder().encode(
        JSON.stringify({ ...input, data: Buffer.from(input.data).toString('base64') }),
      ),
    deserialize: (bytes) => {
      const v = JSON.parse(new TextDecoder().decode(bytes)) as FuzzSeed & { data: string };
      return { ...v, data: new Uint8Array(Buffer.from(v.data, 'base64')) };
    },
  };
}

export const ALL_TARGETS: Readonly<Record<string, () => FuzzTargetDef<unknown>>> = Object.fromEntries([
  ...PROTOCOL_TARGETS.map((t) => [t.name, () => t] as const),
  ...Object.entries(FEATURE_TARGETS),
  ...Object.keys(FUZZ_TARGETS).map((n) => [`decode-${n}`, () => decoderTarget(n)] as const),
]);
