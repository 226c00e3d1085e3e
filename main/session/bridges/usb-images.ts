// Shared images as the USB bridge keeps them across sessions (path, kind, whether the user wants it shared), the
// checks a path must pass before it is shared (a typed path: absolute, a regular non-empty file this user can read
// — and write, for a read-write disk), and the hints shown with an image's errors. Devices and special files are
// never shared from a path: a typo must not hand /dev/sda to the VM.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { UsbErrorCode, UsbImageKind } from '../../../shared/contract';
import { USB_LIMITS } from '../../../shared/contract';
import type { UsbDeviceSource } from '../../spice/usbredir/usb-device';
import { sharedCd, sharedDisk } from '../../spice/usbredir/virtual/virtual-msd-device';
import type { UsbImageSpec } from './usb-launch-options';

export interface SharedImage extends UsbImageSpec {
  /** The device key, "cd:N" / "disk:N", stable for the life of the session process. */
  key: string;
  /** Redirect it whenever a session (and a free channel) is there; the picker's toggle. */
  share: boolean;
}

export type ImageCheck = { ok: true; path: string } | { ok: false; message: string; hint?: string };

/** Where the file must be, in words, for hints: the user of `saffron web` may sit at another machine. */
export type ImageHost = 'this computer' | 'the machine running saffron web';

/** The device that serves an image (its key carries the index). */
export function imageSource(image: SharedImage): UsbDeviceSource {
  const index = Number(image.key.slice(image.key.indexOf(':') + 1));
  return image.imageKind === 'cd'
    ? sharedCd(image.path, { index })
    : sharedDisk(image.path, { index, writable: image.writable });
}

/** A typed path made absolute (`~/…` is the home folder); undefined when it cannot be. */
export function normalizeTypedPath(text: string, home: string): string | undefined {
  const path = text.trim();
  if (path === '' || path.length > USB_LIMITS.maxPathLength || path.includes('\0')) return undefined;
  if (path === '~') return undefined;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : undefined;
}

/** Checks that `path` can be shared as `kind` (read-only unless `writable`). Never throws. */
export async function checkImagePath(
  path: string,
  spec: { imageKind: UsbImageKind; writable: boolean },
  where: ImageHost,
): Promise<ImageCheck> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return {
        ok: false,
        message: `${path} does not exist`,
        hint: `Check the spelling: the path is a file on ${where}.`,
      };
    if (code === 'EACCES')
      return {
        ok: false,
        message: `${path} cannot be reached (permission denied)`,
        hint: 'One of its folders does not let this user in; copy the image somewhere this user can read.',
      };
    return { ok: false, message: `${path} cannot be read: ${(e as Error).message}` };
  }
  if (info.isDirectory())
    return { ok: false, message: `${path} is a folder`, hint: 'Give the path of the image file inside it.' };
  if (!info.isFile())
    return {
      ok: false,
      message: `${path} is not a regular file`,
      hint: 'Only image files can be shared from a path (never devices or special files); to redirect a USB drive, pick it in the list of host devices.',
    };
  if (info.size === 0) return { ok: false, message: `${path} is empty`, hint: 'Pick the image file itself.' };
  const writable = spec.imageKind === 'disk' && spec.writable;
  try {
    await access(path, writable ? constants.R_OK | constants.W_OK : constants.R_OK);
  } catch {
    return {
      ok: false,
      message: `${path} cannot be ${writable ? 'written' : 'read'} by this user (permission denied)`,
      hint: writable
        ? 'Share it read-only, or give this user write access to the file.'
        : 'Give this user read access to the file (chmod), or copy it somewhere this user can read.',
    };
  }
  return { ok: true, path };
}

/** The hint shown with an image's device error, when the core gave none. */
export function imageErrorHint(code: UsbErrorCode, image: SharedImage, where: ImageHost): string | undefined {
  switch (code) {
    case 'gone':
      return `The image file is not at ${image.path} any more (moved, renamed, or on a drive that is gone). Share it again from where it is now, on ${where}.`;
    case 'permission':
      return image.writable
        ? 'This user may not write to the image: share it read-only, or give this user write access.'
        : 'This user may not read the image: give it read access (chmod), or copy the image somewhere it can.';
    case 'io':
      return 'Reading the image failed: check the file and the disk it is on.';
    case 'rejected':
      return "The VM's USB filter (QEMU usb-redir filter=…) does not accept mass-storage devices.";
    default:
      return undefined;
  }
}
