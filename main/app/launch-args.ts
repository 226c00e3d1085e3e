// Finds what to open in a command line (first launch or a second instance): a spice:// URI or a .vv path.
// Electron's own arguments (the executable, the app path in development, Chromium switches) are skipped.
import { isAbsolute, resolve } from 'node:path';
import { isSpiceUri } from '../spice/connect/uri';

export type LaunchTarget = { kind: 'uri'; uri: string } | { kind: 'vv'; path: string };

/** The first URI or .vv file among `argv` (already without the executable), resolved against `cwd`. */
export function launchTarget(argv: readonly string[], cwd: string): LaunchTarget | undefined {
  for (const arg of argv) {
    if (arg.startsWith('-')) continue;
    if (isSpiceUri(arg)) return { kind: 'uri', uri: arg };
    if (/\.vv$/i.test(arg)) return { kind: 'vv', path: isAbsolute(arg) ? arg : resolve(cwd, arg) };
  }
  return undefined;
}

/** The arguments after Electron's: packaged apps get [exe, ...args], development runs [electron, appPath, ...args]. */
export function userArgs(argv: readonly string[], isPackaged: boolean): string[] {
  return argv.slice(isPackaged ? 1 : 2);
}
