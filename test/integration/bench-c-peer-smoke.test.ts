// `npm run bench:c-peer` end to end on a two-blob corpus made from real-server fixtures (a QUIC and an LZ_RGB
// image): spice-gtk's libspice-client-glib and Saffron's core (inline and with decode workers) each draw every
// blob; the run must exit 0 with every field present and every surface hash equal to Saffron's bare decoder's
// output — so the C peer really decodes, bit-exactly. No timing assertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFormatType, decodeStatelessImage } from '../../main/spice/decoders/stateless';
import { requireTools } from '../support/require-tool';

requireTools(['spice-client-glib']);

function rgbaSha(format: 'quic' | 'lz', payload: Uint8Array, width: number, height: number): string {
  const img = decodeStatelessImage({ type: corpusFormatType(format)!, width, height, data: payload });
  const rgba = Uint8Array.from(img.pixels);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return createHash('sha256').update(rgba).digest('hex');
}

void test(
  'bench:c-peer draws each blob bit-exactly through spice-gtk and Saffron',
  { timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'c-peer-smoke-'));
    try {
      const quic = readFileSync('test/fixtures/quic/cap-quic-720x400.quic');
      const lzIndex = JSON.parse(readFileSync('test/fixtures/images/qemu-lz/index.json', 'utf8')) as {
        images: { type: number; width: number; height: number; offset: number; bytes: number }[];
      };
      const first = lzIndex.images.find((i) => i.type === 101 && i.width >= 320)!;
      const lz = readFileSync('test/fixtures/images/qemu-lz/images.bin').subarray(
        first.offset,
        first.offset + first.bytes,
      );
      writeFileSync(join(dir, 'a.quic'), quic);
      writeFileSync(join(dir, 'b.lz'), lz);
      const blobs = [
        {
          file: 'a.quic',
          format: 'quic',
          width: 720,
          height: 400,
          decoded_sha256_rgba: rgbaSha('quic', quic, 720, 400),
        },
        {
          file: 'b.lz',
          format: 'lz',
          width: first.width,
          height: first.height,
          decoded_sha256_rgba: rgbaSha('lz', lz, first.width, first.height),
        },
      ];
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ blobs }));
      const out = join(dir, 'result.json');
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/bench-c-peer.ts',
          '--corpus',
          dir,
          '--runs',
          '2',
          '--warmup',
          '1',
          '--out',
          out,
        ],
        { encoding: 'utf8', timeout: 170_000 },
      );
      assert.equal(run.status, 0, `bench:c-peer failed:\n${run.stderr}\n${run.stdout}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as {
        rows: Record<string, unknown>[];
        summary: unknown[];
      };
      assert.equal(result.rows.length, 2);
      for (const row of result.rows) {
        for (const key of ['cMs', 'saffronInlineMs', 'saffronWorkersMs', 'saffronBareDecodeMs', 'inlineToC'])
          assert.equal(typeof row[key], 'number', `${String(row.file)} ${key}`);
        assert.deepEqual(row.bitExact, { c: true, saffronInline: true, saffronWorkers: true });
      }
      assert.equal(result.summary.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
