// An image file (ISO, raw disk) read and written in bounded pieces at given offsets: never the whole image in
// memory. Reads past the end of the file return zeros (the last block of an image whose size is not a multiple
// of the block size reads as zero-padded).
import { open, type FileHandle } from 'node:fs/promises';

/** The largest single read or write this module performs. */
export const IMAGE_MAX_IO_BYTES = 16 * 1024 * 1024;

export interface ImageFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly writable: boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openImageFile(path: string, options: { writable: boolean }): Promise<ImageFile> {
  const handle = await open(path, options.writable ? 'r+' : 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile() && !st.isBlockDevice()) throw new Error(`${path} is not a regular file`);
    return new FileImage(path, handle, st.size, options.writable);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

class FileImage implements ImageFile {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly sizeBytes: number,
    readonly writable: boolean,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (length < 0 || length > IMAGE_MAX_IO_BYTES) throw new RangeError(`read of ${length} bytes refused`);
    const out = new Uint8Array(length);
    const inFile = Math.max(0, Math.min(length, this.sizeBytes - offset));
    let done = 0;
    while (done < inFile) {
      const { bytesRead } = await this.handle.read(out, done, inFile - done, offset + done);
      if (bytesRead === 0) break; // the file shrank under us: the rest stays zero
      done += bytesRead;
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (!this.writable) throw new Error('the image is read-only');
    if (data.length > IMAGE_MAX_IO_BYTES) throw new RangeError(`write of ${data.length} bytes refused`);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  async flush(): Promise<void> {
    if (this.writable && !this.closed) await this.handle.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
