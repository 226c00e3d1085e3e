// A minimal PNG writer (RGB, 8 bits, one IDAT) on node:zlib, for `saffron screenshot`. Loading libvips through
// sharp costs ~60 ms of blocked start-up for a one-shot CLI; this costs nothing to load.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes RGBA pixels (alpha dropped: a guest desktop is opaque) as an RGB PNG. Rows use the Sub filter,
 * which suits desktop content (runs of equal colour) and is cheap to compute.
 */
export function encodeRgbPng(width: number, height: number, rgba: Uint8Array, level = 6): Buffer {
  if (rgba.length < width * height * 4) throw new RangeError('pixel buffer smaller than width * height * 4');
  const rowBytes = width * 3 + 1;
  const raw = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    let o = y * rowBytes;
    let i = y * width * 4;
    raw[o++] = 1; // Sub: each byte minus the byte of the pixel to its left
    let pr = 0,
      pg = 0,
      pb = 0;
    for (let x = 0; x < width; x++, i += 4) {
      const r = rgba[i]!,
        g = rgba[i + 1]!,
        b = rgba[i + 2]!;
      raw[o++] = (r - pr) & 255;
      raw[o++] = (g - pg) & 255;
      raw[o++] = (b - pb) & 255;
      pr = r;
      pg = g;
      pb = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
