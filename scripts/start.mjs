// npm start: checks that Electron's binary is installed, builds, and runs the desktop app with the given arguments
// (`npm start -- spice://host:5900`, `npm start -- file.vv`, `npm start -- info spice://…` for the CLI path).
// Where `npm install` did not download Electron (ELECTRON_SKIP_BINARY_DOWNLOAD=1, no access to GitHub), it says
// how to get it instead of Electron's own stack trace.
// Usage: node scripts/start.mjs [--check] [-- app arguments]   (--check: only report whether Electron is there)
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');

/** The Electron binary `electron .` would run, or null when it is not installed (same rules as electron/index.js). */
export function electronBinary(env = process.env) {
  let relative;
  try {
    relative = readFileSync(join(ELECTRON_DIR, 'path.txt'), 'utf8');
  } catch {
    relative = undefined;
  }
  const path = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative ?? 'electron')
    : relative && join(ELECTRON_DIR, 'dist', relative);
  if (!path) return null;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(ELECTRON_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return '(electron is not in node_modules: run npm install)';
  }
}

const MISSING = `npm start needs Electron's binary, and it is not installed here: npm install skips it with
ELECTRON_SKIP_BINARY_DOWNLOAD=1 (as .ci/run does), and cannot fetch it without access to github.com.

Get Electron ${electronVersion()} (about 100 MB from GitHub; ELECTRON_MIRROR=https://… uses a mirror):
  node node_modules/electron/install.js
then run npm start again.

Without Electron, the same viewer runs in any browser, and the command line needs no Electron at all:
  node bin/saffron.cjs web spice://HOST:PORT
  node bin/saffron.cjs --help`;

const args = process.argv.slice(2);
const check = args[0] === '--check';
const appArgs = args.filter((a, i) => !(i === 0 && a === '--check'));
const binary = electronBinary();
if (!binary) {
  console.error(MISSING);
  process.exit(1);
}
if (check) {
  console.log(`Electron ${electronVersion()}: ${binary}`);
  process.exit(0);
}
const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);
const child = spawn(binary, ['.', ...appArgs], { cwd: ROOT, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
