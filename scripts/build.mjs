// One build command: bundles every entry point with esbuild (type-checking is `npm run typecheck`).
// Bundling keeps the CLI's start-up short and makes the preload a single self-contained file.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const nodeExternals = ['electron', 'sharp', 'usb', 'bufferutil', 'utf-8-validate'];
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

const entries = [
  // plain-Node entry points
  { in: 'main/cli/bin.ts', out: 'dist/cli.cjs', platform: 'node', format: 'cjs' },
  {
    in: 'main/spice/decoders/decode-worker.ts',
    out: 'dist/decode-worker.cjs',
    platform: 'node',
    format: 'cjs',
  },
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
];

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) =>
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
if (existsSync('renderer/static')) cpSync('renderer/static', 'dist/renderer', { recursive: true });
