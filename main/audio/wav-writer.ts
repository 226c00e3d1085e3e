// A streaming WAV (RIFF, PCM 16-bit) file writer: a header with placeholder sizes, samples appended as they
// come, the sizes patched on close. Synchronous writes keep ordering trivial (a 10 ms frame is ~2 KB).
import { closeSync, openSync, writeSync } from 'node:fs';

const HEADER_BYTES = 44;
/** RIFF sizes are u32: the data chunk must stay under 4 GiB. */
export const MAX_WAV_DATA_BYTES = 0xffffffff - HEADER_BYTES;

export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16); // PCM fmt chunk size
  h.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  h.writeUInt16LE(channels * 2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export class WavFileWriter {
  private fd: number | null;
  private dataBytes = 0;

  constructor(
    path: string,
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, wavHeader(sampleRate, channels, 0));
  }

  /** Frames (samples per channel) written so far. */
  get frames(): number {
    return this.dataBytes / (this.channels * 2);
  }

  get seconds(): number {
    return this.frames / this.sampleRate;
  }

  /** Appends interleaved S16 samples (little-endian host). */
  write(samples: Int16Array): void {
    if (this.fd === null) throw new Error('WAV file already closed');
    const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    if (this.dataBytes + bytes.length > MAX_WAV_DATA_BYTES) throw new Error('the WAV file reached 4 GiB');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.dataBytes += bytes.length;
  }

  /** Appends `frames` of silence. */
  writeSilence(frames: number): void {
    const chunk = new Int16Array(Math.min(frames, 4800) * this.channels);
    for (let left = frames; left > 0; left -= chunk.length / this.channels) {
      const n = Math.min(left, chunk.length / this.channels);
      this.write(n === chunk.length / this.channels ? chunk : chunk.subarray(0, n * this.channels));
    }
  }

  /** Patches the header sizes and closes the file. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      writeSync(fd, wavHeader(this.sampleRate, this.channels, this.dataBytes), 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  }
}
