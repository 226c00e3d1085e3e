// Where a file transfer reads its bytes: a file read in blocks (never the whole file in memory), opened only when
// its transfer starts reading, so a folder of thousands of files holds as many descriptors as transfers run.
// Shells with other sources (a browser upload streamed over a WebSocket) implement FileSource themselves.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { SpiceError } from '../errors';

export interface FileSource {
  /** The name the guest gets (spice-vdagent saves it under this name in its transfer directory). */
  readonly name: string;
  readonly sizeBytes: number;
  /** Reads up to `into.length` bytes at `position`; resolves with the count (0 only at the end). */
  read(into: Uint8Array, position: number): Promise<number>;
  /** Releases the file; safe to call more than once. */
  close(): Promise<void>;
}

/** A regular file to transfer under `name` (default: its base name). Checks it now, opens it on first read. */
export async function openFileSource(path: string, name: string = basename(path)): Promise<FileSource> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new SpiceError('config', `'${path}' is not a regular file`);
    size = s.size;
  } catch (e) {
    if (e instanceof SpiceError) throw e;
    throw new SpiceError(
      'config',
      `cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
  let handle: Promise<FileHandle> | null = null;
  let closed = false;
  return {
    name,
    sizeBytes: size,
    read: async (into, position) => {
      if (closed) throw new Error(`${path} is closed`);
      handle ??= open(path, 'r');
      return (await (await handle).read(into, 0, into.length, position)).bytesRead;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      const h = handle;
      handle = null;
      // A failed open was already reported by read(); there is nothing to close then.
      if (h)
        await h.then(
          (f) => f.close(),
          () => {},
        );
    },
  };
}
