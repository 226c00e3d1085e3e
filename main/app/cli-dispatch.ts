// The installed app carries the command line: `saffron info spice://…` typed against the installed binary (the
// deb/rpm /usr/bin/saffron link, the AppImage, saffron.exe, the macOS app binary) runs the bundled CLI
// (dist/cli.cjs) instead of opening a window. The Electron entry asks cliDispatch() before Electron's app starts;
// a CLI invocation re-runs the same binary as plain Node (ELECTRON_RUN_AS_NODE=1) on the CLI bundle, so the CLI
// behaves exactly as under Node: its own stdout/stderr, exit codes, and no display needed.
// Plain module (no Electron import): tested under Node.
import type { SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { isSpiceUri } from '../spice/connect/uri';

export type Dispatch = { kind: 'app' } | { kind: 'cli'; args: string[] };

/** Arguments the CLI answers itself (main/cli/index.ts) rather than as a command name. */
const CLI_FLAGS = new Set(['--help', '-h', 'help', '--version', '-V']);

/** A switch meant for Electron/Chromium or the OS (--no-sandbox, --enable-features=…, macOS's -psn_0_…). */
function isRuntimeSwitch(arg: string): boolean {
  return (arg.startsWith('--') && !CLI_FLAGS.has(arg)) || arg.startsWith('-psn_');
}

/**
 * Decides from the user's arguments (Electron's own already removed: see launch-args.ts userArgs) whether this
 * launch is the app or the CLI. Runtime switches in front (the AppImage's desktop entry adds --no-sandbox) are
 * skipped; then the app is launched with nothing, a spice:// URI or a .vv file (what the desktop and the OS file
 * association pass), and a bare word or --help/--version is the CLI — known command or not, so a typo gets the
 * CLI's "unknown command" message and exit code 2, not a window that ignores it. The CLI gets the arguments
 * without the leading runtime switches.
 */
export function cliDispatch(userArgs: readonly string[]): Dispatch {
  const start = userArgs.findIndex((a) => !isRuntimeSwitch(a));
  const args = start < 0 ? [] : userArgs.slice(start);
  const first = args[0];
  if (first === undefined) return { kind: 'app' };
  if (CLI_FLAGS.has(first)) return { kind: 'cli', args };
  if (first.startsWith('-') || isSpiceUri(first) || /\.vv$/i.test(first)) return { kind: 'app' };
  return { kind: 'cli', args };
}

/** dist/cli.cjs next to the Electron bundle's folder (dist/main/index.cjs → dist/cli.cjs), inside app.asar. */
export function cliBundlePath(electronBundleDir: string): string {
  return join(electronBundleDir, '..', 'cli.cjs');
}

/** The environment the CLI runs in: the user's, with the Electron binary acting as plain Node. */
export function cliEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, ELECTRON_RUN_AS_NODE: '1' };
}

export type SpawnSync = (
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions,
) => SpawnSyncReturns<Buffer | string>;

/**
 * Runs the CLI bundle with `runtime` (the Electron binary, i.e. process.execPath) in plain-Node mode, stdio
 * inherited, and returns the exit code to leave with (a signal-killed CLI counts as 1; a runtime that cannot
 * start reports why on stderr).
 */
export function runCli(
  runtime: string,
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  spawnSync: SpawnSync,
  stderr: (text: string) => void,
): number {
  const result = spawnSync(runtime, [bundle, ...args], { stdio: 'inherit', env: cliEnvironment(env) });
  if (result.error) {
    stderr(`saffron: cannot run the command line (${result.error.message})\n`);
    return 1;
  }
  return result.status ?? 1;
}
