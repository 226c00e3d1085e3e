// A fresh clone in any folder runs the suite: no test, support file or script names a path outside the
// repository, every fixture folder says where its data came from, and the vendored corpus and captures are exactly
// the files their manifests name (a truncated or edited copy fails here, not as a puzzling decoder failure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURES_DIR, CORPUS_DIR, FIXTURES_DIR } from '../../support/fixture-paths';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Tracked files under these folders (git ls-files: what a clone gets). */
function tracked(...dirs: string[]): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', ...dirs], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
}

void test('no test, fixture tool or script reads a path outside the repository', () => {
  // The seed data the fixtures came from, absolute paths to this machine's work folders, and relative paths
  // that climb out of the repository from a test folder.
  const forbidden = [/shared\/(corpus|captures|seeds)/, /['"`]\/work\//, /\.\.\/\.\.\/\.\.\/\.\.\//];
  const files = tracked('test', 'scripts', '.ci', 'package.json').filter(
    (f) => !/\.(png|bin|pcapng|lz|quic|jpg|ppm)$/.test(f),
  );
  assert.ok(files.length > 50, `${files.length} files checked`);
  const hits: string[] = [];
  for (const f of files) {
    const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (forbidden.some((re) => re.test(line))) hits.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

void test('every fixture folder has a PROVENANCE.md naming where its files came from and how to regenerate them', () => {
  const dirs = readdirSync(FIXTURES_DIR).filter((d) => statSync(join(FIXTURES_DIR, d)).isDirectory());
  assert.ok(dirs.length >= 5, dirs.join(', '));
  for (const d of dirs) {
    const path = join(FIXTURES_DIR, d, 'PROVENANCE.md');
    assert.ok(existsSync(path), `test/fixtures/${d} has a PROVENANCE.md`);
    const text = readFileSync(path, 'utf8');
    assert.match(
      text,
      /regenerat|made|recorded|extracted|copied/i,
      `test/fixtures/${d}/PROVENANCE.md says where from`,
    );
  }
});

void test('the vendored decode corpus: every manifest blob is present with its sha256', () => {
  const manifest = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as {
    blobs: { file: string; bytes: number; sha256_file: string }[];
  };
  assert.equal(manifest.blobs.length, 15);
  for (const b of manifest.blobs) {
    const data = readFileSync(join(CORPUS_DIR, b.file));
    assert.equal(data.length, b.bytes, b.file);
    assert.equal(sha256(data), b.sha256_file, b.file);
  }
});

void test('the vendored captures match the digests in their PROVENANCE.md', () => {
  const provenance = readFileSync(join(CAPTURES_DIR, 'PROVENANCE.md'), 'utf8');
  for (const name of ['session.pcapng', 'cap-quic.pcapng', 'cap-glz.pcapng']) {
    const row = new RegExp('`' + name.replace('.', '\\.') + '` \\| `([0-9a-f]{64})`').exec(provenance);
    assert.ok(row, `${name} has a digest row`);
    assert.equal(sha256(readFileSync(join(CAPTURES_DIR, name))), row[1], name);
  }
});
