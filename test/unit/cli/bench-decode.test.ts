import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDecodeCommand } from '../../../main/cli/commands/bench-decode';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../../main/cli/exit-codes';
import { CORPUS_DIR } from '../../support/fixture-paths';

const CORPUS = CORPUS_DIR;

function io(): { out: string[]; err: string[]; io: Parameters<typeof benchDecodeCommand.run>[1] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} } };
}

void test('bench-decode verifies and times every blob of the real corpus (runs=1)', async () => {
  const t = io();
  const code = await benchDecodeCommand.run([`${CORPUS}/manifest.json`, '--runs', '1'], t.io);
  const manifest = JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as {
    blobs: { file: string }[];
  };
  assert.equal(t.out.length, manifest.blobs.length);
  for (const line of t.out) {
    const r = JSON.parse(line) as Record<string, unknown>;
    assert.equal(typeof r.file, 'string');
    assert.ok(r.format === 'lz' || r.format === 'quic');
    assert.equal(typeof r.median_ms, 'number');
    assert.equal(typeof r.mb_per_s, 'number');
    assert.equal(r.runs, 1);
    assert.equal(r.sha256_ok, true, `${String(r.file)}: ${String(r.error)}`);
  }
  assert.equal(code, EXIT_OK);
});

void test('bench-decode exits 1 when a digest does not match', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-bench-'));
  try {
    const manifest = JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as {
      blobs: { file: string; format: string; decoded_sha256_rgba: string }[];
    };
    const blobs = manifest.blobs.filter((b) => b.file.startsWith('boot_screen'));
    assert.equal(blobs.length, 2);
    for (const b of blobs) symlinkSync(join(CORPUS, b.file), join(dir, b.file));
    blobs[0]!.decoded_sha256_rgba = '0'.repeat(64);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, blobs }));
    const t = io();
    const code = await benchDecodeCommand.run([join(dir, 'manifest.json'), '--runs=1', '--json'], t.io);
    assert.equal(code, EXIT_FAILURE);
    const results = t.out.map((l) => JSON.parse(l) as { sha256_ok: boolean });
    assert.deepEqual(
      results.map((r) => r.sha256_ok),
      [false, true],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('bench-decode reports a missing blob file and usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-bench-'));
  try {
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        blobs: [{ file: 'nope.lz', format: 'lz', width: 2, height: 2, decoded_sha256_rgba: '0'.repeat(64) }],
      }),
    );
    const t = io();
    assert.equal(await benchDecodeCommand.run([join(dir, 'manifest.json')], t.io), EXIT_FAILURE);
    assert.match(t.out[0]!, /"error"/);
    writeFileSync(join(dir, 'bad.json'), '{"blobs": 3}');
    assert.equal(await benchDecodeCommand.run([join(dir, 'bad.json')], io().io), EXIT_USAGE);
    assert.equal(await benchDecodeCommand.run([], io().io), EXIT_USAGE);
    assert.equal(
      await benchDecodeCommand.run([join(dir, 'manifest.json'), '--runs', '0'], io().io),
      EXIT_USAGE,
    );
    assert.equal(await benchDecodeCommand.run([join(dir, 'missing.json')], io().io), EXIT_USAGE);
    assert.equal(await benchDecodeCommand.run(['--help'], io().io), EXIT_OK);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
