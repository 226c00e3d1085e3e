// Builds x11-probe.c (the X11 strip reader and XTest input helper) into scripts/bench-interactive/build/ when the
// source is newer than the binary, like test/server/build.mjs does for the test server.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./x11-probe.c', import.meta.url));
const BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url));
const BINARY = `${BUILD_DIR}x11-probe`;

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

export function buildX11Probe(): string {
  if (mtime(BINARY) >= mtime(SOURCE)) return BINARY;
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${BINARY}.${process.pid}.tmp`;
  try {
    execFileSync(
      'gcc',
      ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, SOURCE, '-lX11', '-lXtst'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    renameSync(tmp, BINARY);
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new Error(`building the X11 probe failed (needs gcc, libx11-dev, libxtst-dev):\n${stderr}`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return BINARY;
}
