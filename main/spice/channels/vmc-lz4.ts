// LZ4 *block* compression for SPICEVMC_COMPRESSED_DATA (the spicevmc byte pipe: usbredir, port, webdav). The
// decoder side is decoders/lz4.ts (decodeLz4Block). Greedy single-probe hash matcher: fast, not maximal, and the
// output is a valid LZ4 block (last 5 bytes literal, no match starting within 12 bytes of the end).

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 14;

/** Worst-case compressed size of `n` input bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function hash(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HASH_LOG);
}

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

function writeLength(dst: Uint8Array, op: number, len: number): number {
  while (len >= 255) {
    dst[op++] = 255;
    len -= 255;
  }
  dst[op++] = len;
  return op;
}

/**
 * Compresses `src` into one LZ4 block. Returns null when the result would not be smaller than the input (the
 * caller then sends the bytes uncompressed).
 */
export function compressLz4Block(
  src: Uint8Array,
  table: Int32Array = new Int32Array(1 << HASH_LOG),
): Uint8Array | null {
  const n = src.length;
  if (n < MF_LIMIT + 1) return null;
  table.fill(-1);
  const dst = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;
  let ip = 0;
  const matchLimit = n - LAST_LITERALS;
  const searchLimit = n - MF_LIMIT;
  while (ip < searchLimit) {
    const v = read32(src, ip);
    const h = hash(v);
    const ref = table[h]!;
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== v) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    while (ip + len < matchLimit && src[ip + len] === src[ref + len]) len++;
    const litLen = ip - anchor;
    const tokenAt = op++;
    let token = (litLen >= 15 ? 15 : litLen) << 4;
    if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
    dst.set(src.subarray(anchor, ip), op);
    op += litLen;
    const offset = ip - ref;
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
    const m = len - MIN_MATCH;
    token |= m >= 15 ? 15 : m;
    if (m >= 15) op = writeLength(dst, op, m - 15);
    dst[tokenAt] = token;
    ip += len;
    anchor = ip;
    if (op >= n) return null;
  }
  const litLen = n - anchor;
  const tokenAt = op++;
  dst[tokenAt] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
  dst.set(src.subarray(anchor), op);
  op += litLen;
  return op < n ? dst.subarray(0, op) : null;
}
