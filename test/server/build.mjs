// Builds the SPICE test server (test/server/src/*.c, on Debian's libspice-server) into
// test/server/build/spice-test-server, only when a source or this script is newer than the binary.
// Usage: node test/server/build.mjs [--force]   (prints the binary's path on stdout)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, 'src');
const buildDir = join(here, 'build');
const binary = join(buildDir, 'spice-test-server');
const packages = ['spice-server', 'libusbredirparser-0.5', 'glib-2.0', 'libpng'];

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

export function buildTestServer({ force = false } = {}) {
  const sources = readdirSync(srcDir)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .map((f) => join(srcDir, f));
  const newest = Math.max(mtimeMs(fileURLToPath(import.meta.url)), ...sources.map(mtimeMs));
  if (!force && mtimeMs(binary) >= newest) return binary;

  mkdirSync(buildDir, { recursive: true });
  let flags;
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', ...packages], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    throw new Error(
      `pkg-config cannot find ${packages.join(', ')}: install libspice-server-dev libusbredirparser-dev libglib2.0-dev libpng-dev`,
    );
  }
  // Compile to a private name and rename, so concurrent builds never expose a half-written binary.
  const tmp = `${binary}.${process.pid}.tmp`;
  const cFiles = sources.filter((f) => f.endsWith('.c'));
  try {
    execFileSync(
      'gcc',
      ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O2', '-g', '-o', tmp, ...cFiles, ...flags, '-lm'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    renameSync(tmp, binary);
  } finally {
    rmSync(tmp, { force: true });
  }
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = buildTestServer({ force: process.argv.includes('--force') });
  console.log(path);
}
