// One build command: bundles every entry point with esbuild (type-checking is `npm run typecheck`).
// Bundling keeps the CLI's start-up short and makes the preload a single self-contained file. A missing entry point
// is an error, never a silently smaller build.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const nodeExternals = ['electron', 'sharp', 'usb', 'bufferutil', 'utf-8-validate'];
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

const entries = [
  // plain-Node entry points
  { in: 'main/cli/bin.ts', out: 'dist/cli.cjs', platform: 'node', format: 'cjs' },
  {
    in: 'main/spice/decoders/pool/decode-worker.ts',
    out: 'dist/decode-worker.cjs',
    platform: 'node',
    format: 'cjs',
  },
  // the session process (a Node child of `saffron web`, Electron's utilityProcess in the app)
  { in: 'main/session/process/entry.ts', out: 'dist/session-process.cjs', platform: 'node', format: 'cjs' },
  // the UDPack transport's worker thread (packets and timers away from decoding)
  {
    in: 'main/spice/transport/udpack/transport-worker.ts',
    out: 'dist/udpack-worker.cjs',
    platform: 'node',
    format: 'cjs',
  },
  // Electron
  { in: 'main/index.ts', out: 'dist/main/index.cjs', platform: 'node', format: 'cjs' },
  { in: 'preload/index.ts', out: 'dist/preload/index.cjs', platform: 'node', format: 'cjs' },
  // browser
  { in: 'renderer/index.ts', out: 'dist/renderer/app.js', platform: 'browser', format: 'iife' },
  // the AudioWorklet module (loaded by the page with audioWorklet.addModule)
  {
    in: 'renderer/audio/audio-worklet.ts',
    out: 'dist/renderer/audio-worklet.js',
    platform: 'browser',
    format: 'iife',
  },
];
const STATIC_DIR = 'renderer/static';

const missing = [...entries.map((e) => e.in), STATIC_DIR].filter((path) => !existsSync(path));
if (missing.length > 0) {
  console.error(`build: missing entry point(s): ${missing.join(', ')}`);
  process.exit(1);
}

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await Promise.all(
  entries.map((e) =>
    build({
      ...common,
      entryPoints: [e.in],
      outfile: e.out,
      platform: e.platform,
      format: e.format,
      target: e.platform === 'node' ? 'node20' : 'chrome120',
      external: e.platform === 'node' ? nodeExternals : [],
    }),
  ),
);
cpSync(STATIC_DIR, 'dist/renderer', { recursive: true });
