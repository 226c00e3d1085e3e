// The real `saffron` process for tests that need one (exit codes set by the process guard, signals, timing,
// npx): bundles the CLI and the renderer exactly as `npm run build` does, into a throw-away package under
// node_modules/.cache (so its externals — sharp, ws — resolve from the repository), never touching dist/.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export interface CliPackage {
  /** Package root (package.json named "saffron", bin/saffron.cjs, dist/cli.cjs, dist/renderer). */
  dir: string;
  bin: string;
  cleanup(): void;
}

/**
 * `name` gives the package a fixed directory (npx remembers each package path it ran in ~/.npm/_npx: a fixed path
 * reuses one entry instead of adding one per run); default: a fresh temporary directory.
 */
export async function buildCliPackage(name?: string): Promise<CliPackage> {
  const cache = resolve('node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  let dir: string;
  if (name === undefined) dir = mkdtempSync(join(cache, 'saffron-cli-'));
  else {
    dir = join(cache, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  }
  const common = { bundle: true, logLevel: 'warning' as const, legalComments: 'none' as const };
  await Promise.all([
    build({
      ...common,
      entryPoints: ['main/cli/bin.ts'],
      outfile: join(dir, 'dist/cli.cjs'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['electron', 'sharp', 'usb', 'bufferutil', 'utf-8-validate'],
    }),
    build({
      ...common,
      entryPoints: ['renderer/index.ts'],
      outfile: join(dir, 'dist/renderer/app.js'),
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
    }),
  ]);
  cpSync('renderer/static', join(dir, 'dist/renderer'), { recursive: true });
  mkdirSync(join(dir, 'bin'));
  copyFileSync('bin/saffron.cjs', join(dir, 'bin/saffron.cjs'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'saffron',
      version: '0.0.0-test',
      private: true,
      bin: { saffron: 'bin/saffron.cjs' },
    }),
  );
  return {
    dir,
    bin: join(dir, 'bin/saffron.cjs'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs `node bin args`; kills it after `killAfterMs` (the test then fails on the exit code). */
export function runProcess(
  bin: string,
  args: string[],
  options: { killAfterMs: number; env?: Record<string, string | undefined> },
): Promise<ProcessRun> {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/** A stack trace line, as Node prints them ("    at fn (file:1:2)"). */
export const STACK_LINE = /^\s+at .+(\(|:\d+:\d+)/m;
