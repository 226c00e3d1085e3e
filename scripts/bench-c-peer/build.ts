// Builds spice-glib-peer.c against Debian's libspice-client-glib (pkg-config spice-client-glib-2.0) into
// scripts/bench-c-peer/build/ when the source is newer than the binary.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./spice-glib-peer.c', import.meta.url));
const BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url));
const BINARY = `${BUILD_DIR}spice-glib-peer`;

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

export function buildSpiceGlibPeer(): string {
  if (mtime(BINARY) >= mtime(SOURCE)) return BINARY;
  let flags: string[];
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', 'spice-client-glib-2.0'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    throw new Error('pkg-config cannot find spice-client-glib-2.0: install libspice-client-glib-2.0-dev');
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${BINARY}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, SOURCE, ...flags], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(tmp, BINARY);
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new Error(`building spice-glib-peer failed (needs gcc, libspice-client-glib-2.0-dev):\n${stderr}`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return BINARY;
}
