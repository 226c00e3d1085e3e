// A small LZ / GLZ *encoder* for tests: produces valid streams of every LzImageType (greedy run + hash matching,
// long-length and 16-bit-distance forms included) so the decoders can be round-tripped on formats the corpus and
// captures lack. Not used by the product. Stream rules: see main/spice/decoders/lz.ts and glz.ts headers.
import { prng } from '../../support/prng';

export type UnitKind = 'rgb32' | 'rgb16' | 'byte';

/** Net copy length = encoded length + bias (LZ: rgb32 1, rgb16 2, byte 3 after the C decoder's len-- ). */
const MIN_LEN: Record<UnitKind, number> = { rgb32: 1, rgb16: 2, byte: 3 };
const UNIT_BYTES: Record<UnitKind, number> = { rgb32: 3, rgb16: 2, byte: 1 };

/** Encodes `units` (one number per pixel / byte; the low UNIT_BYTES bytes are emitted, big-endian) as an LZ pass. */
export function encodeLzPass(
  units: ArrayLike<number>,
  kind: UnitKind,
  out: number[],
  rng?: () => number,
): void {
  const n = units.length;
  const minLen = Math.max(MIN_LEN[kind], 3);
  const ub = UNIT_BYTES[kind];
  const table = new Map<string, number>();
  const key = (i: number): string => `${units[i]},${units[i + 1]},${units[i + 2]}`;
  let lit: number[] = [];
  const flush = (): void => {
    while (lit.length > 0) {
      const chunk = lit.splice(0, 32);
      out.push(chunk.length - 1);
      for (const u of chunk) {
        if (kind === 'rgb32') out.push(u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff);
        else if (ub === 2) out.push((u >> 8) & 0xff, u & 0xff);
        else out.push(u & 0xff);
      }
    }
  };
  let i = 0;
  while (i < n) {
    let bestLen = 0;
    let bestDist = 0;
    // run: same as previous unit
    if (i > 0) {
      let l = 0;
      while (i + l < n && units[i + l] === units[i - 1]) l++;
      if (l >= minLen) {
        bestLen = l;
        bestDist = 1;
      }
    }
    if (i + 2 < n) {
      const k = key(i);
      const cand = table.get(k);
      if (cand !== undefined && i - cand <= 8191 + 65535 + 1) {
        let l = 0;
        while (i + l < n && units[cand + l] === units[i + l]) l++;
        if (l >= minLen && l > bestLen) {
          bestLen = l;
          bestDist = i - cand;
        }
      }
      table.set(k, i);
    }
    // occasionally cut matches short so that short references are exercised too
    if (bestLen > minLen && rng !== undefined && rng() < 0.3)
      bestLen = minLen + Math.floor(rng() * (bestLen - minLen));
    if (bestLen >= minLen) {
      flush();
      emitRef(out, kind, bestLen, bestDist);
      for (let j = 1; j < bestLen && i + j + 2 < n; j += 7) table.set(key(i + j), i + j);
      i += bestLen;
    } else {
      lit.push(units[i]!);
      i++;
    }
  }
  flush();
  lit = [];
}

function emitRef(out: number[], kind: UnitKind, netLen: number, dist: number): void {
  const enc = netLen - MIN_LEN[kind]; // the C decoder's len after len-- and before the bias
  const ofs = dist - 1;
  const lcode = Math.min(enc + 1, 7);
  const hiBits = ofs < 8191 ? ofs >> 8 : 31;
  out.push((lcode << 5) | hiBits);
  if (lcode === 7) {
    let rest = enc - 6;
    while (rest >= 255) {
      out.push(255);
      rest -= 255;
    }
    out.push(rest);
  }
  if (ofs < 8191) {
    out.push(ofs & 0xff);
  } else {
    out.push(255);
    const far = ofs - 8191;
    out.push((far >> 8) & 0xff, far & 0xff);
  }
}

export function u32be(out: number[], v: number): void {
  out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** LZ header (28 bytes, big-endian). */
export function lzHeader(
  type: number,
  width: number,
  height: number,
  stride: number,
  topDown: boolean,
): number[] {
  const out: number[] = [];
  for (const v of [0x20205a4c, 0x00010001, type, width, height, stride, topDown ? 1 : 0]) u32be(out, v);
  return out;
}

/** A deterministic PRNG (the shared seeded one, test/support/prng.ts). */
export const rng32 = prng;

/** A test picture with runs, repeats and noise: `units` values drawn from `palette` size. */
export function testPicture(width: number, height: number, colours: number, seed: number): number[] {
  const r = rng32(seed);
  const px: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.floor(y / 3) % 4;
      let v: number;
      if (band === 0) v = Math.floor(x / 5) % colours;
      else if (band === 1) v = (x * 7 + y) % colours;
      else if (band === 2) v = y % colours;
      else v = Math.floor(r() * colours);
      px.push(v);
    }
  }
  return px;
}
