// scripts/build.mjs refuses to produce a build with an entry point missing (it used to skip it silently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

void test('a missing entry point fails the build and names it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-build-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    cpSync('scripts/build.mjs', join(dir, 'scripts', 'build.mjs'));
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], {
      cwd: dir,
      timeout: 30_000,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /missing entry point\(s\): main\/cli\/bin\.ts, .*main\/session\/process\/entry\.ts/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
