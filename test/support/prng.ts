// A small seeded PRNG (mulberry32) so fuzz runs are reproducible.
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mutates a copy of `bytes`: flips, overwrites, truncates or extends, as real-world corruption would. */
export function mutate(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const kind = Math.floor(rnd() * 5);
  if (kind === 0 && out.length > 0) return out.subarray(0, Math.floor(rnd() * out.length));
  if (kind === 1) {
    const extra = Uint8Array.from({ length: 1 + Math.floor(rnd() * 32) }, () => Math.floor(rnd() * 256));
    return Uint8Array.from([...out, ...extra]);
  }
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = Math.floor(rnd() * out.length);
    out[at] = kind === 2 ? 0xff : kind === 3 ? 0 : Math.floor(rnd() * 256);
  }
  return out;
}
