// Finds what to open in a command line (first launch or a second instance): a spice:// URI or a .vv path.
// Electron's own arguments (the executable, the app path in development, Chromium switches) are skipped.
import { isAbsolute, resolve } from 'node:path';
import { isSpiceUri } from '../spice/connect/uri';
import { errorMessage } from '../spice/errors';
import { extractUsbLaunchArgs, type UsbLaunchOptions } from '../session/bridges/usb-launch-options';
import { extractAgentLaunchArgs } from '../session/bridges/agent-launch-options';

export type LaunchTarget = { kind: 'uri'; uri: string } | { kind: 'vv'; path: string };

/** The first URI or .vv file among `argv` (already without the executable), resolved against `cwd`. */
export function launchTarget(argv: readonly string[], cwd: string): LaunchTarget | undefined {
  let rest: readonly string[] = argv;
  try {
    rest = extractAgentLaunchArgs(rest).rest;
    rest = extractUsbLaunchArgs(rest, cwd).rest; // a --share-cd FILE value is not a launch target
  } catch {
    // reported by usbLaunchOptions
  }
  for (const arg of rest) {
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

/**
 * The app's USB options (remote-viewer's --share-cd, --usb-redirect-on-connect, --usb-auto-redirect, and
 * --share-disk / --share-disk-rw); a bad one is reported and the options are ignored (the app still starts).
 */
export function usbLaunchOptions(
  argv: readonly string[],
  cwd: string,
  report: (problem: string) => void,
): UsbLaunchOptions {
  try {
    return { ...extractUsbLaunchArgs(argv, cwd).usb, typedImagePaths: false };
  } catch (e) {
    report(`USB options ignored: ${errorMessage(e)}`);
    return { images: [], typedImagePaths: false };
  }
}

/**
 * remote-viewer's --auto-resize=always|never: the guest agent's auto-resize for this run (undefined = the saved
 * choice). A bad value is reported and ignored (the app still starts).
 */
export function autoResizeLaunchOption(
  argv: readonly string[],
  report: (problem: string) => void,
): boolean | undefined {
  try {
    return extractAgentLaunchArgs(argv).autoResize;
  } catch (e) {
    report(`${errorMessage(e)}; ignored`);
    return undefined;
  }
}
