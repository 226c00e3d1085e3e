// Structure-aware mutators for fuzzing: bytes of SPICE messages (whose integers are little-endian fields,
// whose u32 fields are often sizes, counts or pointers — offsets into the same message), text (.vv files,
// URIs) and JSON (the app contract). Every choice comes from the `rnd` passed in, so an input is a pure
// function of the PRNG state.

export type Rnd = () => number;

export const pick = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);

/** Values that break size and index arithmetic. */
const INTERESTING_U32 = [
  0, 1, 2, 3, 4, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff,
];
const INTERESTING_U16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0xfe, 0xff];

/** One mutation of `bytes` (a copy); `other` gives material to splice in. */
export function mutateBytes(bytes: Uint8Array, rnd: Rnd, other?: Uint8Array, fieldsFrom = 0): Uint8Array {
  let d: Uint8Array = Uint8Array.from(bytes);
  const n = d.length;
  const at = n > 0 ? pick(rnd, n) : 0;
  // Field-aligned positions (from `fieldsFrom`, e.g. after a header) for integer overwrites.
  const aligned = (size: number): number => {
    const span = Math.max(0, n - fieldsFrom - size);
    return fieldsFrom + (span > 0 ? pick(rnd, Math.floor(span / size) + 1) * size : 0);
  };
  const setLe = (pos: number, value: number, size: number): void => {
    for (let k = 0; k < size && pos + k < d.length; k++) d[pos + k] = (value >>> (8 * k)) & 0xff;
  };
  switch (pick(rnd, 14)) {
    case 0:
      if (n) d[at] = d[at]! ^ (1 << pick(rnd, 8));
      break;
    case 1:
      if (n) d[at] = INTERESTING_U8[pick(rnd, INTERESTING_U8.length)]!;
      break;
    case 2:
      setLe(aligned(2), INTERESTING_U16[pick(rnd, INTERESTING_U16.length)]!, 2);
      break;
    case 3:
      setLe(aligned(4), INTERESTING_U32[pick(rnd, INTERESTING_U32.length)]!, 4);
      break;
    case 4: {
      // A pointer or size field aimed at another place of the same message (or just past it).
      setLe(aligned(4), Math.max(0, n - fieldsFrom + pick(rnd, 9) - 4 - pick(rnd, n + 1)), 4);
      break;
    }
    case 5: {
      // A small count or size made a little larger or smaller.
      const pos = aligned(4);
      const v =
        (d[pos] ?? 0) | ((d[pos + 1] ?? 0) << 8) | ((d[pos + 2] ?? 0) << 16) | ((d[pos + 3] ?? 0) << 24);
      setLe(pos, (v + pick(rnd, 33) - 16) >>> 0, 4);
      break;
    }
    case 6: {
      const len = 1 + pick(rnd, 16);
      const ins = Uint8Array.from({ length: len }, () => pick(rnd, 256));
      d = concat(d.subarray(0, at), ins, d.subarray(at));
      break;
    }
    case 7:
      d = concat(d.subarray(0, at), d.subarray(Math.min(n, at + 1 + pick(rnd, 32))));
      break;
    case 8:
      d = d.subarray(0, at);
      break;
    case 9: {
      // Duplicate a region (repeated structures: clip rects, list entries, segments).
      const from = n ? pick(rnd, n) : 0;
      const len = 1 + pick(rnd, 64);
      d = concat(d.subarray(0, at), d.subarray(from, from + len), d.subarray(at));
      break;
    }
    case 10:
      if (other && other.length) {
        const from = pick(rnd, other.length);
        const len = 1 + pick(rnd, Math.min(256, other.length - from));
        d = concat(d.subarray(0, at), other.subarray(from, from + len), d.subarray(at));
      }
      break;
    case 11:
      for (let k = 0; k < 1 + pick(rnd, 8) && n; k++) d[pick(rnd, n)] = pick(rnd, 256);
      break;
    case 12:
      // An extreme i32 (coordinates): far outside any surface, or negative.
      setLe(aligned(4), [0x80000000, 0x7fffffff, 0xffffffff, 0x10000, 0xfffff000][pick(rnd, 5)]!, 4);
      break;
    default:
      if (n) d.fill(pick(rnd, 2) ? 0xff : 0, at, Math.min(n, at + 1 + pick(rnd, 16)));
  }
  return d;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const TEXT_ALPHABET = ':/?&=;#[]@%\\,.\n\r \t+-0123456789abcxyzSPICEvv\0\u00e9\u202e\x1b\uffff';
const TEXT_TOKENS = [
  'spice://',
  'spice+tls://',
  'spice+unix://',
  '[virt-viewer]',
  '[ovirt]',
  'host=',
  'port=',
  'tls-port=',
  'password=',
  'proxy=',
  'ca=',
  '-----BEGIN CERTIFICATE-----',
  '\\n',
  '%',
  '%zz',
  '[::1]',
  '65536',
  '-1',
  '4294967296',
  'x'.repeat(300),
];

/** One mutation of a text (characters, tokens of the format, whole lines). */
export function mutateText(text: string, rnd: Rnd): string {
  const at = pick(rnd, text.length + 1);
  switch (pick(rnd, 7)) {
    case 0:
      return text.slice(0, at) + TEXT_ALPHABET[pick(rnd, TEXT_ALPHABET.length)] + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + pick(rnd, 8));
    case 2:
      return text.slice(0, at) + TEXT_TOKENS[pick(rnd, TEXT_TOKENS.length)] + text.slice(at);
    case 3: {
      const lines = text.split('\n');
      const i = pick(rnd, lines.length);
      lines.splice(pick(rnd, lines.length + 1), 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 4: {
      const lines = text.split('\n');
      lines.splice(pick(rnd, lines.length), 1);
      return lines.join('\n');
    }
    case 5:
      return text.slice(0, at);
    default:
      return text.slice(0, at) + TEXT_ALPHABET[pick(rnd, TEXT_ALPHABET.length)] + text.slice(at + 1);
  }
}

const JSON_VALUES: unknown[] = [
  0,
  -1,
  1e308,
  -0,
  2 ** 53,
  0.5,
  '',
  'x'.repeat(5000),
  '\u0000',
  true,
  null,
  [],
  {},
  [1, 2, 3],
  { a: 1 },
  'connect',
];

/** One structure-aware mutation of a JSON text: a leaf replaced, a key dropped or added, or text-level damage. */
export function mutateJson(text: string, rnd: Rnd): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return mutateText(text, rnd);
  }
  if (pick(rnd, 5) === 0) return mutateText(text, rnd);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  const path = paths[pick(rnd, paths.length)]!;
  const replacement = structuredClone(JSON_VALUES[pick(rnd, JSON_VALUES.length)]);
  if (path.length === 0)
    return JSON.stringify(pick(rnd, 2) ? replacement : { method: 'connect', payload: replacement });
  let parent = value as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  switch (pick(rnd, 3)) {
    case 0:
      delete parent[last];
      break;
    case 1:
      parent[typeof last === 'number' ? last + 1 : `${last}_x`] = replacement;
      break;
    default:
      parent[last] = replacement;
  }
  return JSON.stringify(value);
}
