// The reference client as an oracle: spice-gtk's `spicy-screenshot` (Debian spice-client-gtk) writes a PPM of
// the primary surface; we read it into RGBA for pixel comparisons.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, alpha 255. */
  pixels: Uint8Array;
}

/** Parses a binary PPM (P6, maxval 255) into RGBA. */
export function parsePpm(data: Uint8Array): RgbaImage {
  const text = Buffer.from(data.subarray(0, 64)).toString('latin1');
  const m = /^P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m || m[3] !== '255') throw new Error('not a P6 PPM with maxval 255');
  const width = Number(m[1]);
  const height = Number(m[2]);
  const offset = m[0].length;
  const n = width * height;
  if (data.length < offset + n * 3) throw new Error('truncated PPM');
  const pixels = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    pixels[i * 4] = data[offset + i * 3]!;
    pixels[i * 4 + 1] = data[offset + i * 3 + 1]!;
    pixels[i * 4 + 2] = data[offset + i * 3 + 2]!;
    pixels[i * 4 + 3] = 255;
  }
  return { width, height, pixels };
}

export async function spicyScreenshot(port: number, extraArgs: string[] = []): Promise<RgbaImage> {
  const dir = await mkdtemp(join(tmpdir(), 'spicy-'));
  try {
    const out = join(dir, 'shot.ppm');
    await run('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(port), '-o', out, ...extraArgs], {
      timeout: 30_000,
    });
    return parsePpm(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads a PNG (any colour type) into RGBA with alpha forced to 255. */
export async function readPngRgba(path: string | Buffer): Promise<RgbaImage> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(path).ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** Number of pixels whose RGB differs (alpha ignored). */
export function countPixelDiffs(a: RgbaImage, b: RgbaImage): number {
  if (a.width !== b.width || a.height !== b.height) return Number.POSITIVE_INFINITY;
  let diffs = 0;
  for (let i = 0; i < a.pixels.length; i += 4) {
    if (
      a.pixels[i] !== b.pixels[i] ||
      a.pixels[i + 1] !== b.pixels[i + 1] ||
      a.pixels[i + 2] !== b.pixels[i + 2]
    )
      diffs++;
  }
  return diffs;
}
