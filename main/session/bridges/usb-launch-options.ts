// What the shell tells the session process about USB at start (the init control message): the images to share from
// the command line (the app's and `saffron web`'s --share-cd / --share-disk / --share-disk-rw), remote-viewer's
// filter options (--usb-redirect-on-connect, --usb-auto-redirect), whether the page may type image paths, and the
// auto-share setting. Plain data with its guard, and the argv extraction both shells use.
import { isAbsolute, resolve } from 'node:path';
import type { UsbImageKind } from '../../../shared/contract';
import { USB_IMAGE_KINDS, USB_LIMITS } from '../../../shared/contract';
import { hasExactKeys, isRecord, isString } from '../../../shared/contract-guards';
import { SpiceError } from '../../spice/errors';
import { extractUsbAppOptions } from '../../spice/usbredir/usb-options';
import { parseUsbFilter } from '../../spice/usbredir/usbredir-filter';

export interface UsbImageSpec {
  /** Absolute path on the machine running the session. */
  path: string;
  imageKind: UsbImageKind;
  /** Disks only: the VM's writes go to the file. */
  writable: boolean;
}

export interface UsbLaunchOptions {
  /** Shared from the start, in command-line order. */
  images: UsbImageSpec[];
  /** Host devices present when the session connects and matching this filter are redirected. */
  redirectOnConnect?: string;
  /** The auto-share filter (default: everything but HID). */
  autoRedirect?: string;
  /** The page may share an image by typing its path (`saffron web` on a loopback address; docs/usb.md). */
  typedImagePaths: boolean;
  /** The shell's auto-share setting; absent = the default (on, as remote-viewer). */
  autoShare?: boolean;
}

export const NO_USB_LAUNCH_OPTIONS: UsbLaunchOptions = { images: [], typedImagePaths: false };

const MAX_IMAGES = 64;
const MAX_FILTER_LENGTH = 4096;

function isFilter(v: unknown): boolean {
  if (v === undefined) return true;
  if (!isString(v, MAX_FILTER_LENGTH, 1)) return false;
  try {
    parseUsbFilter(v);
    return true;
  } catch {
    return false;
  }
}

function isImageSpec(v: unknown): v is UsbImageSpec {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['path', 'imageKind', 'writable']) &&
    isString(v.path, USB_LIMITS.maxPathLength, 1) &&
    isAbsolute(v.path) &&
    USB_IMAGE_KINDS.includes(v.imageKind as UsbImageKind) &&
    typeof v.writable === 'boolean' &&
    (v.imageKind === 'disk' || v.writable === false)
  );
}

export function isUsbLaunchOptions(v: unknown): v is UsbLaunchOptions {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['images', 'typedImagePaths'], ['redirectOnConnect', 'autoRedirect', 'autoShare']) &&
    Array.isArray(v.images) &&
    v.images.length <= MAX_IMAGES &&
    v.images.every(isImageSpec) &&
    typeof v.typedImagePaths === 'boolean' &&
    isFilter(v.redirectOnConnect) &&
    isFilter(v.autoRedirect) &&
    (v.autoShare === undefined || typeof v.autoShare === 'boolean')
  );
}

const DISK_OPTIONS: Record<string, boolean> = { 'share-disk': false, 'share-disk-rw': true };

/**
 * Takes the USB options out of a command line: remote-viewer's (`--share-cd`, `--usb-redirect-on-connect`,
 * `--usb-auto-redirect` and spice-gtk's long spellings, extractUsbAppOptions) plus `--share-disk FILE` and
 * `--share-disk-rw FILE`. Relative paths are resolved against `cwd`. Throws SpiceError('config') for a missing value,
 * a bad filter or too many images.
 */
export function extractUsbLaunchArgs(
  argv: readonly string[],
  cwd: string,
): { usb: Omit<UsbLaunchOptions, 'typedImagePaths'>; rest: string[] } {
  const images: UsbImageSpec[] = [];
  const afterDisks: string[] = [];
  const disks: UsbImageSpec[] = [];
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      afterDisks.push(...argv.slice(i));
      break;
    }
    const m = /^--(share-disk(?:-rw)?)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      afterDisks.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') throw new SpiceError('config', `option --${m[1]} needs a value`);
    disks.push({ path: at(value), imageKind: 'disk', writable: DISK_OPTIONS[m[1]!] ?? false });
  }
  const { usb, rest } = extractUsbAppOptions(afterDisks);
  for (const cd of usb.shareCd) images.push({ path: at(cd), imageKind: 'cd', writable: false });
  images.push(...disks);
  if (images.length > MAX_IMAGES) throw new SpiceError('config', `at most ${MAX_IMAGES} shared images`);
  return {
    usb: {
      images,
      ...(usb.redirectOnConnect !== undefined ? { redirectOnConnect: usb.redirectOnConnect } : {}),
      ...(usb.autoRedirect !== undefined ? { autoRedirect: usb.autoRedirect } : {}),
    },
    rest,
  };
}
