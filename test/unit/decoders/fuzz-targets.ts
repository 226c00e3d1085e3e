// Fuzz targets for every image decoder (and the guest agent's message stream), shared by the unit suite (decoders-fuzz.test.ts: fixed seed, bounded count)
// and `npm run fuzz` (scripts/fuzz.ts: long campaigns). Each iteration is a pure function of (seed, iteration):
// pick a seed input (real-server fixtures, corpus, synthetic streams), mutate it (bit flips, byte writes, inserts,
// deletes, truncation, splices, header-field overwrites) or replace it with random bytes, decode, and classify:
// a DecodedImage of consistent size or a ProtocolError is fine; anything else is a crash.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { isSpiceError } from '../../../main/spice/errors';
import { decodeBitmap } from '../../../main/spice/decoders/bitmap';
import { decodeGlz } from '../../../main/spice/decoders/glz';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { decodeJpeg, decodeJpegAlpha } from '../../../main/spice/decoders/jpeg';
import { decodeLz } from '../../../main/spice/decoders/lz';
import { decodeLz4Image } from '../../../main/spice/decoders/lz4';
import { decodeQuic } from '../../../main/spice/decoders/quic';
import type { DecodedImage } from '../../../main/spice/decoders/types';
import { decodeZlibGlz } from '../../../main/spice/decoders/zlib-glz';
import { agentFuzzSeeds, runAgentStream } from '../agent/agent-fuzz-target';
import { bmpFuzzSeeds, runBmp } from '../agent/bmp-fuzz-target';
import { encodeLzPass, lzHeader, rng32, testPicture } from './lz-test-encoder';
import { FIXTURES, bodyOf, loadFixture } from './replay';
import { corpusPath } from '../../support/fixture-paths';

/** One seed input plus the side information a decoder needs (descriptor size, bitmap fields). */
export interface FuzzSeed {
  data: Uint8Array;
  width: number;
  height: number;
  bitmap?: { format: number; flags: number; stride: number };
  /** zlib-glz: `data` is an inflated GLZ stream, deflated and wrapped (correct sizes) before decoding. */
  wrap?: boolean;
}

export interface FuzzTarget {
  /** Loads the seed inputs (called once per campaign). */
  seeds(): FuzzSeed[];
  /** Decodes one (mutated) input. `ctx` is per-campaign state (e.g. a GLZ window). */
  run(input: FuzzSeed, ctx: FuzzContext): Promise<DecodedImage> | DecodedImage;
  /** Largest random-bytes input to try. */
  maxRandomBytes: number;
}

export interface FuzzContext {
  window: GlzWindow;
}

export type FuzzOutcome = { kind: 'ok' } | { kind: 'rejected' } | { kind: 'crash'; error: unknown };

const PALETTE = new Uint32Array(Array.from({ length: 256 }, (_, i) => (i * 0x050301) & 0xffffff));

function fixtureSeeds(name: string, types: number[], max = 40): FuzzSeed[] {
  const f = loadFixture(name);
  return f.index.images
    .filter((i) => types.includes(i.type))
    .slice(0, max)
    .map((i) => ({
      data: bodyOf(f, i).slice(),
      width: i.width,
      height: i.height,
      ...(i.bitmap
        ? { bitmap: { format: i.bitmap.format, flags: i.bitmap.flags, stride: i.bitmap.stride } }
        : {}),
    }));
}

function corpusSeeds(ext: string): FuzzSeed[] {
  return ['boot_screen_720x400', 'terminal_640x480'].map((n) => {
    const data = new Uint8Array(readFileSync(corpusPath(`${n}.${ext}`)));
    const [w, h] = n.split('_').pop()!.split('x').map(Number) as [number, number];
    return { data, width: w, height: h };
  });
}

function syntheticLzSeeds(): FuzzSeed[] {
  const seeds: FuzzSeed[] = [];
  const W = 23;
  const H = 9;
  for (const type of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
    const out = lzHeader(type, W, H, type <= 5 ? W : W * 4, type % 2 === 0);
    if (type <= 5) encodeLzPass(testPicture(W, H, 1 << [0, 1, 1, 4, 4, 8][type]!, type), 'byte', out);
    else if (type === 6) encodeLzPass(testPicture(W, H, 30000, type), 'rgb16', out);
    else if (type <= 9) encodeLzPass(testPicture(W, H, 0xffffff, type), 'rgb32', out);
    if (type >= 9) encodeLzPass(testPicture(W, H, 256, type + 1), 'byte', out);
    seeds.push({ data: new Uint8Array(out), width: W, height: H });
  }
  return seeds;
}

function referenceLzSeeds(): FuzzSeed[] {
  const dir = join(FIXTURES, 'lz-spice-common');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lz'))
    .map((f) => ({ data: new Uint8Array(readFileSync(join(dir, f))), width: 61, height: 37 }));
}

function checkSize(img: DecodedImage, input: FuzzSeed, exact: boolean): DecodedImage {
  if (img.pixels.length !== img.width * img.height * 4)
    throw new Error('pixel buffer size disagrees with the image');
  if (exact && (img.width !== input.width || img.height !== input.height))
    throw new Error('decoded size differs');
  return img;
}

export const FUZZ_TARGETS: Record<string, FuzzTarget> = {
  lz: {
    seeds: () => [
      ...corpusSeeds('lz'),
      ...fixtureSeeds('qemu-lz', [101]),
      ...syntheticLzSeeds(),
      ...referenceLzSeeds(),
    ],
    run: (input) => checkSize(decodeLz(input.data, { palette: PALETTE }), input, false),
    maxRandomBytes: 4096,
  },
  glz: {
    seeds: () => fixtureSeeds('qemu-glz', [102], 200),
    run: async (input, ctx) => checkSize(await decodeGlz(input.data, ctx.window), input, false),
    maxRandomBytes: 2048,
  },
  'zlib-glz': {
    seeds: () => {
      const wrapped = fixtureSeeds('qemu-zlib-glz', [107], 80);
      const raw = wrapped.map((s) => ({
        ...s,
        data: new Uint8Array(inflateSync(s.data.subarray(8))),
        wrap: true,
      }));
      return [...wrapped, ...raw];
    },
    run: async (input, ctx) => {
      let body = input.data;
      if (input.wrap === true) {
        const z = deflateSync(input.data);
        body = new Uint8Array(8 + z.length);
        const v = new DataView(body.buffer);
        v.setUint32(0, input.data.length, true);
        v.setUint32(4, z.length, true);
        body.set(z, 8);
      }
      return checkSize(await decodeZlibGlz(body, ctx.window), input, false);
    },
    maxRandomBytes: 2048,
  },
  lz4: {
    seeds: () => fixtureSeeds('qemu-lz4', [109]),
    run: (input) => checkSize(decodeLz4Image(input.data, input.width, input.height), input, true),
    maxRandomBytes: 4096,
  },
  bitmap: {
    seeds: () => fixtureSeeds('qemu-bitmap', [0], 20),
    run: (input) => {
      const b = input.bitmap ?? { format: 8, flags: 0, stride: input.width * 4 };
      return checkSize(
        decodeBitmap({
          ...b,
          width: input.width,
          height: input.height,
          palette: PALETTE.subarray(0, 16),
          data: input.data,
        }),
        input,
        true,
      );
    },
    maxRandomBytes: 4096,
  },
  quic: {
    seeds: () => [...corpusSeeds('quic'), ...fixtureSeeds('qemu-quic', [1], 20)],
    run: (input) => checkSize(decodeQuic(input.data), input, false),
    maxRandomBytes: 4096,
  },
  jpeg: {
    seeds: () => fixtureSeeds('qemu-jpeg', [105], 10),
    run: async (input) => checkSize(await decodeJpeg(input.data, input.width, input.height), input, true),
    maxRandomBytes: 1024,
  },
  'jpeg-alpha': {
    seeds: () => {
      // JPEG colour from the QEMU fixture plus an LZ XXXA plane of the same size.
      return fixtureSeeds('qemu-jpeg', [105], 4).map((s) => {
        const lz = lzHeader(10, s.width, s.height, s.width * 4, true);
        encodeLzPass(testPicture(s.width, s.height, 256, 3), 'byte', lz);
        const data = [...s.data, ...lz];
        const le = (v: number): number[] => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
        return { ...s, data: new Uint8Array([1, ...le(s.data.length), ...le(data.length), ...data]) };
      });
    },
    run: async (input) =>
      checkSize(await decodeJpegAlpha(input.data, input.width, input.height), input, true),
    maxRandomBytes: 1024,
  },
  // Guest clipboard BMPs (main/spice/agent/bmp-decoder.ts).
  bmp: {
    seeds: bmpFuzzSeeds,
    run: (input) => checkSize(runBmp(input.data), input, false),
    maxRandomBytes: 2048,
  },
  // A guest agent's message stream into a connected GuestAgent; "rejected" = the agent reported it malformed.
  agent: {
    seeds: agentFuzzSeeds,
    run: (input) => runAgentStream(input.data),
    maxRandomBytes: 4096,
  },
};

/** Builds the per-campaign context: a GLZ window pre-filled with the real sequence so references resolve. */
export async function fuzzContext(target = 'glz'): Promise<FuzzContext> {
  const window = new GlzWindow(6 << 20, { waitTimeoutMs: 2, capPixels: 8 << 20 });
  const f = loadFixture(target === 'zlib-glz' ? 'qemu-zlib-glz' : 'qemu-glz');
  for (const i of f.index.images) {
    if (i.type === 102) await decodeGlz(bodyOf(f, i), window);
    if (i.type === 107) await decodeZlibGlz(bodyOf(f, i), window);
  }
  return { window };
}

/** The input of iteration `iter` of a campaign with `seed` (deterministic). */
export function fuzzInput(target: FuzzTarget, seeds: FuzzSeed[], seed: number, iter: number): FuzzSeed {
  const r = rng32((Math.imul(seed, 0x9e3779b1) ^ Math.imul(iter + 1, 0x85ebca6b)) >>> 0);
  const pick = (n: number): number => Math.floor(r() * n);
  const base = seeds[pick(seeds.length)]!;
  if (r() < 0.08) {
    // random bytes, sometimes behind a valid-looking prefix of the seed
    const n = pick(target.maxRandomBytes);
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = pick(256);
    if (r() < 0.5) data.set(base.data.subarray(0, Math.min(n, 9 + pick(40))));
    return { ...base, data };
  }
  let d = Array.from(base.data);
  const edits = 1 + pick(r() < 0.7 ? 3 : 20);
  for (let e = 0; e < edits; e++) {
    const at = pick(Math.max(d.length, 1));
    switch (pick(8)) {
      case 0:
        d[at] = (d[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1:
        d[at] = [0, 1, 0x1f, 0x20, 0x7f, 0x80, 0xe0, 0xff][pick(8)]!;
        break;
      case 2:
        d.splice(at, 0, ...Array.from({ length: 1 + pick(8) }, () => pick(256)));
        break;
      case 3:
        d.splice(at, 1 + pick(16));
        break;
      case 4:
        d = d.slice(0, at);
        break;
      case 5: {
        const from = pick(Math.max(d.length, 1));
        d.splice(at, 0, ...d.slice(from, from + 1 + pick(64)));
        break;
      }
      case 6: {
        // overwrite a 32-bit field in the header area with an extreme value
        const f = pick(Math.min(12, Math.max(1, d.length >> 2))) * 4 + (r() < 0.3 ? 1 : 0);
        const v = [0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 4096, 1 << 20][pick(8)]!;
        for (let k = 0; k < 4; k++) d[f + k] = (v >>> (8 * (r() < 0.5 ? 3 - k : k))) & 0xff;
        break;
      }
      default:
        d[at] = pick(256);
    }
  }
  const out: FuzzSeed = { ...base, data: new Uint8Array(d.map((x) => x & 0xff)) };
  if (base.bitmap !== undefined && r() < 0.3) {
    out.bitmap = {
      format: r() < 0.5 ? pick(12) : base.bitmap.format,
      flags: pick(8),
      stride: r() < 0.5 ? base.bitmap.stride + pick(9) - 4 : pick(1 << 16),
    };
    if (r() < 0.3) out.width = pick(70000);
    if (r() < 0.3) out.height = pick(70000);
  } else if (r() < 0.05) {
    out.width = pick(3000);
    out.height = pick(3000);
  }
  return out;
}

/** Runs one input and classifies the outcome. */
export async function fuzzOnce(target: FuzzTarget, input: FuzzSeed, ctx: FuzzContext): Promise<FuzzOutcome> {
  try {
    await target.run(input, ctx);
    return { kind: 'ok' };
  } catch (e) {
    return isSpiceError(e) && e.code === 'protocol' ? { kind: 'rejected' } : { kind: 'crash', error: e };
  }
}
