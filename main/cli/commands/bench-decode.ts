// `saffron bench-decode <manifest.json>`: decodes every blob of a decode-corpus manifest (the format of
// /work/shared/corpus/manifest.json), checks the sha256 of the decoded pixels and times the decoder.
// Prints one JSON line per blob on stdout; exits 1 if any digest differs or a blob fails to decode.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { CliCommand, CliIo } from '../command';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { errorMessage } from '../../spice/errors';
import { corpusFormatType, decodeStatelessImage } from '../../spice/decoders/stateless';
import type { DecodedImage } from '../../spice/decoders/types';

const USAGE = `Usage: saffron bench-decode <manifest.json> [--runs N] [--json]

Decodes every blob listed in a decode-corpus manifest (paths relative to the manifest), verifies the SHA-256 of
the decoded pixels against decoded_sha256_rgba (or decoded_sha256_bgra) and reports the median decode time.

Output: one JSON object per line and blob:
  {"file","format","width","height","runs","median_ms","min_ms","mb_per_s","sha256_ok"[,"error"]}
mb_per_s counts decoded RGBA bytes. Formats: lz, quic, lz4.

Options:
  --runs N   timed decodes per blob after one warm-up decode (default 10)
  --json     accepted for compatibility; the output is always JSON lines

Exit status: 0 all digests match, 1 a digest differs or a blob cannot be decoded, 2 bad arguments or manifest.`;

interface ManifestBlob {
  file: string;
  format: string;
  width: number;
  height: number;
  decoded_sha256_rgba?: string;
  decoded_sha256_bgra?: string;
}

export interface BenchDecodeResult {
  file: string;
  format: string;
  width: number;
  height: number;
  runs: number;
  median_ms: number | null;
  min_ms: number | null;
  mb_per_s: number | null;
  sha256_ok: boolean;
  error?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): { manifest: string; runs: number } {
  let manifest: string | undefined;
  let runs = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') {
      const v = argv[++i];
      const n = v === undefined ? NaN : Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100000)
        throw new UsageError('--runs needs a positive integer');
      runs = n;
    } else if (a.startsWith('--runs=')) {
      const n = Number(a.slice(7));
      if (!Number.isInteger(n) || n < 1 || n > 100000)
        throw new UsageError('--runs needs a positive integer');
      runs = n;
    } else if (a === '--json') {
      // JSON lines are the only output format.
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}`);
    } else if (manifest === undefined) {
      manifest = a;
    } else {
      throw new UsageError(`unexpected argument ${a}`);
    }
  }
  if (manifest === undefined) throw new UsageError('missing <manifest.json>');
  return { manifest, runs };
}

function parseManifest(text: string): ManifestBlob[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`manifest is not JSON: ${errorMessage(e)}`);
  }
  const blobs = (doc as { blobs?: unknown } | null)?.blobs;
  if (!Array.isArray(blobs)) throw new UsageError('manifest has no "blobs" array');
  return blobs.map((b: unknown, i) => {
    const o = b as Record<string, unknown> | null;
    if (
      o === null ||
      typeof o !== 'object' ||
      typeof o.file !== 'string' ||
      typeof o.format !== 'string' ||
      !Number.isInteger(o.width) ||
      !Number.isInteger(o.height)
    ) {
      throw new UsageError(`manifest blob ${i} lacks file/format/width/height`);
    }
    const blob: ManifestBlob = {
      file: o.file,
      format: o.format,
      width: o.width as number,
      height: o.height as number,
    };
    if (typeof o.decoded_sha256_rgba === 'string')
      blob.decoded_sha256_rgba = o.decoded_sha256_rgba.toLowerCase();
    if (typeof o.decoded_sha256_bgra === 'string')
      blob.decoded_sha256_bgra = o.decoded_sha256_bgra.toLowerCase();
    if (blob.decoded_sha256_rgba === undefined && blob.decoded_sha256_bgra === undefined) {
      throw new UsageError(
        `manifest blob ${i} (${blob.file}) has no decoded_sha256_rgba or decoded_sha256_bgra`,
      );
    }
    return blob;
  });
}

/** SHA-256 of the pixels in the manifest's layout: alpha forced to 255, RGBA or BGRA byte order. */
export function manifestDigest(img: DecodedImage, order: 'rgba' | 'bgra'): string {
  const px = img.pixels;
  const copy = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < copy.length; i += 4) {
    copy[i] = order === 'rgba' ? px[i]! : px[i + 2]!;
    copy[i + 1] = px[i + 1]!;
    copy[i + 2] = order === 'rgba' ? px[i + 2]! : px[i]!;
    copy[i + 3] = 255;
  }
  return createHash('sha256').update(copy).digest('hex');
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function benchBlob(dir: string, blob: ManifestBlob, runs: number): Promise<BenchDecodeResult> {
  const result: BenchDecodeResult = {
    file: blob.file,
    format: blob.format,
    width: blob.width,
    height: blob.height,
    runs: 0,
    median_ms: null,
    min_ms: null,
    mb_per_s: null,
    sha256_ok: false,
  };
  try {
    const format = blob.format;
    const type = corpusFormatType(format);
    if (type === undefined) throw new Error(`unsupported format "${format}"`);
    const data = new Uint8Array(await readFile(resolve(dir, blob.file)));
    const out = new Uint8Array(blob.width * blob.height * 4);
    const image = { type, width: blob.width, height: blob.height, data, out };
    const first = decodeStatelessImage(image);
    result.sha256_ok =
      blob.decoded_sha256_rgba !== undefined
        ? manifestDigest(first, 'rgba') === blob.decoded_sha256_rgba
        : manifestDigest(first, 'bgra') === blob.decoded_sha256_bgra;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      decodeStatelessImage(image);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const med = median(times);
    result.runs = runs;
    result.median_ms = round3(med);
    result.min_ms = round3(times[0]!);
    result.mb_per_s = med > 0 ? Math.round((blob.width * blob.height * 4) / 1e6 / (med / 1000)) : null;
  } catch (e) {
    result.sha256_ok = false;
    result.error = errorMessage(e);
  }
  return result;
}

export async function runBenchDecode(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  let args: { manifest: string; runs: number };
  let blobs: ManifestBlob[];
  try {
    args = parseArgs(argv);
    let text: string;
    try {
      text = await readFile(args.manifest, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${args.manifest}: ${errorMessage(e)}`);
    }
    blobs = parseManifest(text);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`saffron bench-decode: ${e.message}`);
      io.stderr(USAGE);
      return EXIT_USAGE;
    }
    throw e;
  }
  const dir = dirname(resolve(args.manifest));
  let failures = 0;
  for (const blob of blobs) {
    const r = await benchBlob(dir, blob, args.runs);
    if (!r.sha256_ok) failures++;
    io.stdout(JSON.stringify(r));
  }
  if (failures > 0)
    io.stderr(`saffron bench-decode: ${failures} of ${blobs.length} blobs failed verification`);
  return failures > 0 ? EXIT_FAILURE : EXIT_OK;
}

export const benchDecodeCommand: CliCommand = {
  name: 'bench-decode',
  summary: 'decode every blob of a corpus manifest, verify sha256 and time it',
  usage: USAGE,
  run: runBenchDecode,
};
