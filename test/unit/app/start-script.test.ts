// `npm start` (scripts/start.mjs) without Electron's binary says how to get it instead of Electron's stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

void test('npm start where Electron was not downloaded explains what to do and fails', () => {
  const empty = mkdtempSync(join(tmpdir(), 'saffron-no-electron-'));
  try {
    // ELECTRON_OVERRIDE_DIST_PATH is where electron/index.js looks for the binary: an empty folder has none.
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--check'], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /npm start needs Electron's binary, and it is not installed here/);
    assert.match(r.stderr, /node node_modules\/electron\/install\.js/);
    assert.match(r.stderr, /node bin\/saffron\.cjs web spice:\/\/HOST:PORT/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

void test('with a binary where electron/index.js looks, --check names it and succeeds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-electron-dir-'));
  try {
    // --check only looks for the file (it starts nothing), so an executable placeholder is enough here.
    writeFileSync(join(dir, 'electron'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--check'], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Electron [0-9.]+: ${join(dir, 'electron')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
