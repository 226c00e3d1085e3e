// `npm run bench`: decoder speed on the decode corpus (test/fixtures/corpus, or --corpus DIR).
//
// For every blob: our median decode time (payload → RGBA) and MB/s of output, side by side with spice-html5's
// JavaScript decoders measured in the same run (loaded from /usr/share/spice-html5 into a node:vm context with the
// shims they need) and the C reference medians from the corpus README (spice-common as in spice-gtk). Every decode
// is checked against decoded_sha256_rgba first. Ends with geometric-mean ratios per format and a node:zlib versus
// pako comparison for ZLIB_GLZ inflation.
//
//   npm run bench -- [--runs N] [--corpus DIR] [--html5 DIR] [--json] [--glz FIXTURE_DIR]
//
// --glz: also time GLZ on a packed capture (index.json + images.bin from test/fixtures/images/tools/extract-images.ts),
// e.g. the corpus PNGs drawn by the test server with --compression glz (recipe in docs/decoders.md). Each image is
// decoded in wire order into one GlzWindow, matched to a corpus image by its digest, then re-decoded N times.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { deflateSync, inflateSync } from 'node:zlib';
import { inflate as pakoInflate } from 'pako';
import { decodeGlz } from '../main/spice/decoders/glz';
import { GlzWindow } from '../main/spice/decoders/glz-window';
import { corpusFormatType, decodeStatelessImage } from '../main/spice/decoders/stateless';
import type { DecodedImage } from '../main/spice/decoders/types';
import { decodeZlibGlz } from '../main/spice/decoders/zlib-glz';

interface Blob {
  file: string;
  format: string;
  width: number;
  height: number;
  decoded_sha256_rgba: string;
}

interface Row {
  file: string;
  format: string;
  ms: number;
  mbps: number;
  html5Ms: number | null;
  cMs: number | null;
  readmeJsMs: number | null;
}

function args(): { runs: number; corpus: string; html5: string; json: boolean; glz: string | undefined } {
  const a = process.argv.slice(2);
  const get = (k: string): string | undefined => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    runs: Number(get('--runs') ?? 20),
    corpus: get('--corpus') ?? join(import.meta.dirname, '..', 'test', 'fixtures', 'corpus'),
    html5: get('--html5') ?? '/usr/share/spice-html5',
    json: a.includes('--json'),
    glz: get('--glz'),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time(runs: number, fn: () => void): number {
  fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

/** C and JS medians from the corpus README's "Reference speeds" table, by payload file. */
function readmeFigures(corpus: string): Map<string, { c: number; js: number }> {
  const out = new Map<string, { c: number; js: number }>();
  const path = join(corpus, 'README.md');
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\|\s*([\w.]+\.(?:lz|quic))\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|/.exec(line);
    if (m) out.set(m[1]!, { c: Number(m[2]), js: Number(m[3]) });
  }
  return out;
}

interface Html5 {
  lz(payload: Uint8Array): Uint8Array;
  quic(payload: Uint8Array): Uint8Array;
}

/**
 * Loads spice-html5's lz.js and quic.js (ES modules importing ./enums.js) with node:vm as function bodies in this
 * context (a separate vm context would route every global access through an interceptor and slow them down ~10x):
 * import lines are dropped, `Constants` comes from enums.js, `export {…}` becomes a return value, and the only DOM
 * call they make (context.createImageData) gets a shim.
 */
function loadHtml5(dir: string): Html5 | null {
  const files = ['enums.js', 'lz.js', 'quic.js'].map((f) => join(dir, f));
  if (!files.every((f) => existsSync(f))) return null;
  const load = (f: string, params: string[], ret: string): ((...a: unknown[]) => Record<string, unknown>) => {
    const body = readFileSync(f, 'utf8')
      .replace(/^import .*$/gm, '')
      .replace(/^export var /gm, 'var ')
      .replace(/^export\s*\{[^}]*\};?/gm, '');
    return runInThisContext(`(function (${params.join(', ')}) {\n${body}\nreturn { ${ret} };\n})`, {
      filename: f,
    }) as (...a: unknown[]) => Record<string, unknown>;
  };
  const { Constants } = load(files[0]!, [], 'Constants')();
  const lzMod = load(files[1]!, ['Constants'], 'convert_spice_lz_to_web')(Constants);
  const quicMod = load(files[2]!, [], 'SpiceQuic, convert_spice_quic_to_web')();
  const imageShim = {
    createImageData: (w: number, h: number) => ({
      width: w,
      height: h,
      data: new Uint8ClampedArray(w * h * 4),
    }),
  };
  const lzConvert = lzMod.convert_spice_lz_to_web as (
    c: typeof imageShim,
    img: object,
  ) => { data: Uint8ClampedArray };
  const SpiceQuic = quicMod.SpiceQuic as new () => {
    from_dv(dv: DataView, at: number, mb: ArrayBuffer): number;
  };
  const quicConvert = quicMod.convert_spice_quic_to_web as (
    c: typeof imageShim,
    q: object,
  ) => { data: Uint8ClampedArray };
  return {
    // As spice-html5's SpiceImage parser does: header fields, then `data` = the stream after the 28-byte header.
    lz(payload) {
      const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
      const img = {
        type: dv.getUint32(8),
        width: dv.getUint32(12),
        height: dv.getUint32(16),
        top_down: dv.getUint32(24),
        data: payload.buffer.slice(payload.byteOffset + 28, payload.byteOffset + payload.length),
      };
      return new Uint8Array(lzConvert(imageShim, img).data.buffer);
    },
    quic(payload) {
      // from_dv reads u32 data_size at `at`, then the payload
      const mb = new ArrayBuffer(payload.length + 4);
      new DataView(mb).setUint32(0, payload.length, true);
      new Uint8Array(mb).set(payload, 4);
      const q = new SpiceQuic();
      q.from_dv(new DataView(mb), 0, mb);
      return new Uint8Array(quicConvert(imageShim, q).data.buffer);
    },
  };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const f2 = (x: number | null): string => (x === null ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));

async function main(): Promise<void> {
  const o = args();
  const manifest = JSON.parse(readFileSync(join(o.corpus, 'manifest.json'), 'utf8')) as { blobs: Blob[] };
  const readme = readmeFigures(o.corpus);
  let html5: Html5 | null = null;
  try {
    html5 = loadHtml5(o.html5);
  } catch (e) {
    process.stderr.write(`spice-html5 not loadable: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  const rows: Row[] = [];
  const inputs: Uint8Array[] = [];
  let failed = false;
  // Pass 1: our decoders, before spice-html5 has made any garbage (its allocations keep V8's concurrent GC threads
  // busy afterwards, which on a 2-core machine slows whatever is timed next).
  for (const b of manifest.blobs) {
    const type = corpusFormatType(b.format);
    if (type === undefined) continue;
    const format = b.format;
    const data = new Uint8Array(readFileSync(join(o.corpus, b.file)));
    const out = new Uint8Array(b.width * b.height * 4);
    const image = { type, width: b.width, height: b.height, data, out };
    const first = decodeStatelessImage(image);
    if (sha(first.pixels) !== b.decoded_sha256_rgba) {
      process.stderr.write(`${b.file}: decoded pixels do not match decoded_sha256_rgba\n`);
      failed = true;
    }
    const ms = time(o.runs, () => decodeStatelessImage(image));
    const ref = readme.get(b.file);
    inputs.push(data);
    rows.push({
      file: b.file,
      format,
      ms,
      mbps: (b.width * b.height * 4) / 1e6 / (ms / 1000),
      html5Ms: null,
      cMs: ref?.c ?? null,
      readmeJsMs: ref?.js ?? null,
    });
  }
  // Pass 2: spice-html5 on the same payloads.
  if (html5 !== null) {
    const h = html5;
    rows.forEach((r, i) => {
      if (r.format !== 'lz' && r.format !== 'quic') return;
      const data = inputs[i]!;
      const want = manifest.blobs.find((b) => b.file === r.file)!.decoded_sha256_rgba;
      const run = r.format === 'lz' ? () => h.lz(data) : () => h.quic(data);
      try {
        const px = run();
        for (let k = 3; k < px.length; k += 4) px[k] = 255;
        if (sha(px) !== want) process.stderr.write(`${r.file}: spice-html5 output differs\n`);
        r.html5Ms = time(Math.max(3, Math.min(o.runs, 10)), run);
      } catch (e) {
        process.stderr.write(
          `${r.file}: spice-html5 failed: ${e instanceof Error ? e.message : String(e)}\n`,
        );
      }
    });
  }

  if (o.json) {
    for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
  } else {
    const head = ['payload', 'ours ms', 'MB/s', 'html5 ms', 'C ms (README)', 'C/ours', 'html5/ours'];
    const lines = rows.map((r) => [
      r.file,
      f2(r.ms),
      r.mbps.toFixed(0),
      f2(r.html5Ms),
      f2(r.cMs),
      r.cMs === null ? '-' : (r.cMs / r.ms).toFixed(2) + 'x',
      r.html5Ms === null ? '-' : (r.html5Ms / r.ms).toFixed(1) + 'x',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (cells: string[]): string =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    process.stdout.write(`decode corpus ${o.corpus}, ${o.runs} runs, median\n${fmt(head)}\n`);
    for (const l of lines) process.stdout.write(fmt(l) + '\n');
    for (const format of ['lz', 'quic']) {
      const rs = rows.filter((r) => r.format === format);
      if (rs.length === 0) continue;
      const withC = rs.filter((r) => r.cMs !== null);
      const withJs = rs.filter((r) => r.html5Ms !== null);
      process.stdout.write(
        `${format}: geometric mean speed-up vs C ${withC.length ? geomean(withC.map((r) => r.cMs! / r.ms)).toFixed(2) + 'x' : '-'}` +
          `, vs spice-html5 (this run) ${withJs.length ? geomean(withJs.map((r) => r.html5Ms! / r.ms)).toFixed(1) + 'x' : '-'}\n`,
      );
    }
    // ZLIB_GLZ inflation: node:zlib versus pako on deflated corpus LZ streams (same order of size as GLZ streams).
    process.stdout.write(
      'zlib inflate (ZLIB_GLZ): node:zlib inflateSync+maxOutputLength vs pako.inflate, median ms\n',
    );
    for (const name of ['text_desktop_1920x1080.lz', 'ui_gradients_1920x1080.lz', 'mixed_page_1280x720.lz']) {
      const p = join(o.corpus, name);
      if (!existsSync(p)) continue;
      const raw = readFileSync(p);
      const z = new Uint8Array(deflateSync(raw));
      const node = time(o.runs, () => inflateSync(z, { maxOutputLength: raw.length }));
      const pako = time(o.runs, () => pakoInflate(z));
      process.stdout.write(
        `  ${name}: ${raw.length} B  node:zlib ${f2(node)}  pako ${f2(pako)}  (${(pako / node).toFixed(1)}x)\n`,
      );
    }
  }
  if (o.glz !== undefined) failed = (await benchGlz(o.glz, o.runs, o.corpus)) || failed;
  if (failed) process.exit(1);
}

/** Times GLZ (and the LZ first push) of a packed capture; returns true if an image matches no corpus digest. */
async function benchGlz(dir: string, runs: number, corpus: string): Promise<boolean> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    images: { type: number; width: number; height: number; offset: number; bytes: number }[];
  };
  const blob = new Uint8Array(readFileSync(join(dir, 'images.bin')));
  const images = (
    JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as {
      images: { name: string; sha256_rgba: string }[];
    }
  ).images;
  const window = new GlzWindow(16 << 20);
  let unmatched = false;
  process.stdout.write(`GLZ capture ${dir}, ${runs} runs, median\n`);
  for (const im of index.images) {
    if (im.type !== 102 && im.type !== 101 && im.type !== 107) continue;
    const data = blob.subarray(im.offset, im.offset + im.bytes);
    const decode = (): Promise<DecodedImage> | DecodedImage =>
      im.type === 102
        ? decodeGlz(data, window)
        : im.type === 107
          ? decodeZlibGlz(data, window)
          : decodeStatelessImage({ type: im.type, width: im.width, height: im.height, data });
    const first = await decode();
    const px = first.pixels.slice();
    for (let i = 3; i < px.length; i += 4) px[i] = 255;
    const name = images.find((x) => x.sha256_rgba === sha(px))?.name;
    if (name === undefined && im.width * im.height > 1 << 16) unmatched = true;
    await decode();
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s0 = performance.now();
      await decode();
      t.push(performance.now() - s0);
    }
    const ms = median(t);
    process.stdout.write(
      `  ${im.type === 102 ? 'glz ' : im.type === 107 ? 'zglz' : 'lz  '} ${`${im.width}x${im.height}`.padEnd(9)} ${String(im.bytes).padStart(8)} B  ` +
        `${f2(ms).padStart(6)} ms  ${((im.width * im.height * 4) / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s  ` +
        `${name ?? '(no corpus image)'}\n`,
    );
  }
  return unmatched;
}

await main();
