// Where a command writes its result (-o): checked before connecting, so a typo in the directory fails at once
// with a message that names it, and a write that fails later says why in words, never "unexpected error: ENOENT".
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SpiceError } from '../spice/errors';

function reason(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'the directory does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** Throws a 'config' SpiceError (exit 2) when `path` cannot be written: missing directory, no permission, a directory. */
export async function checkOutputPath(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new SpiceError('config', `cannot write ${path}: ${reason(e)} (${dir})`, { cause: e });
  }
  try {
    if ((await stat(path)).isDirectory())
      throw new SpiceError(
        'config',
        `cannot write ${path}: it is a directory — give a file name such as screen.png`,
      );
  } catch (e) {
    if (e instanceof SpiceError) throw e;
    // It does not exist yet: fine.
  }
}

/** Writes `bytes` to `path`; a failure becomes a 'config' SpiceError naming the file and the reason. */
export async function writeOutput(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw new SpiceError('config', `cannot write ${path}: ${reason(e)}`, { cause: e });
  }
}
