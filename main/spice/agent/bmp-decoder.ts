// BMP (Windows bitmap) → RGBA, for guest clipboards that offer image/bmp (sharp/libvips cannot read BMP). Accepts a
// full file ("BM" + BITMAPFILEHEADER) or a bare DIB (CF_DIB: the info header first); 1/4/8-bit palettes, 16/24/32-bit
// with or without BI_BITFIELDS masks, bottom-up and top-down. RLE and embedded JPEG/PNG are refused with a clear
// error. The input is untrusted: every offset and size is checked and the pixel count is capped by the caller.
import { ProtocolError } from '../errors';

export interface DecodedBitmap {
  width: number;
  height: number;
  /** width*height*4 bytes, R G B A. */
  rgba: Uint8Array;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;
const FILE_HEADER_BYTES = 14;
const CORE_HEADER_BYTES = 12;
const INFO_HEADER_BYTES = 40;

function fail(what: string): never {
  throw new ProtocolError(`BMP image: ${what}`);
}

interface Mask {
  mask: number;
  shift: number;
  max: number;
}

function maskOf(mask: number): Mask | null {
  if (mask === 0) return null;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  // Non-contiguous masks are meaningless; refusing them keeps the scaling exact.
  if ((max & (max + 1)) !== 0) fail(`non-contiguous colour mask 0x${mask.toString(16)}`);
  return { mask, shift, max };
}

function channel(px: number, m: Mask | null, fallback: number): number {
  if (!m) return fallback;
  const v = (px & m.mask) >>> m.shift;
  return m.max === 255 ? v : Math.round((v * 255) / m.max);
}

export function decodeBmp(bytes: Uint8Array, maxPixels: number): DecodedBitmap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string): void => {
    if (at < 0 || at + n > bytes.length) fail(`truncated (${what} at ${at}, ${bytes.length} bytes)`);
  };
  let dib = 0;
  let pixelOffset = -1;
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) {
    need(0, FILE_HEADER_BYTES, 'file header');
    pixelOffset = view.getUint32(10, true);
    dib = FILE_HEADER_BYTES;
  }
  need(dib, 4, 'info header size');
  const headerBytes = view.getUint32(dib, true);
  let width: number;
  let height: number;
  let bpp: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntryBytes = 4;
  let masks: [number, number, number, number] | null = null;
  if (headerBytes === CORE_HEADER_BYTES) {
    need(dib, CORE_HEADER_BYTES, 'core header');
    width = view.getUint16(dib + 4, true);
    height = view.getUint16(dib + 6, true);
    bpp = view.getUint16(dib + 10, true);
    paletteEntryBytes = 3;
  } else if (headerBytes >= INFO_HEADER_BYTES && headerBytes <= 1024) {
    need(dib, headerBytes, 'info header');
    width = view.getInt32(dib + 4, true);
    height = view.getInt32(dib + 8, true);
    bpp = view.getUint16(dib + 14, true);
    compression = view.getUint32(dib + 16, true);
    colorsUsed = view.getUint32(dib + 32, true);
    if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
      const inHeader = headerBytes >= 52;
      const at = inHeader ? dib + 40 : dib + headerBytes;
      const count = compression === BI_ALPHABITFIELDS || headerBytes >= 56 ? 4 : 3;
      need(at, count * 4, 'colour masks');
      masks = [
        view.getUint32(at, true),
        view.getUint32(at + 4, true),
        view.getUint32(at + 8, true),
        count === 4 ? view.getUint32(at + 12, true) : 0,
      ];
      if (!inHeader) dib += count * 4; // the masks sit between the header and the palette
    }
  } else {
    fail(`unknown info header size ${headerBytes}`);
  }
  if (compression === BI_RLE8 || compression === BI_RLE4) fail('RLE compression is not supported');
  if (compression === BI_JPEG || compression === BI_PNG) fail('embedded JPEG/PNG data is not supported');
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    fail(`unknown compression ${compression}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) fail(`size ${width}x${height}`);
  if (width * height > maxPixels) fail(`${width}x${height} is more than ${maxPixels} pixels`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) fail(`${bpp} bits per pixel`);
  if (masks && bpp !== 16 && bpp !== 32) fail(`colour masks with ${bpp} bits per pixel`);

  // Palette (≤ 8 bpp) right after the header (and masks).
  const paletteAt = dib + headerBytes;
  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const entries = colorsUsed === 0 || colorsUsed > 1 << bpp ? 1 << bpp : colorsUsed;
    need(paletteAt, entries * paletteEntryBytes, 'palette');
    palette = new Uint8Array(256 * 4);
    for (let i = 0; i < 256; i++) palette[i * 4 + 3] = 255; // indices past the palette read as opaque black
    for (let i = 0; i < entries; i++) {
      const p = paletteAt + i * paletteEntryBytes;
      palette[i * 4] = bytes[p + 2]!;
      palette[i * 4 + 1] = bytes[p + 1]!;
      palette[i * 4 + 2] = bytes[p]!;
    }
    if (pixelOffset < 0) pixelOffset = paletteAt + entries * paletteEntryBytes;
  } else if (pixelOffset < 0) {
    pixelOffset = paletteAt;
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  need(pixelOffset, stride * height, 'pixel rows');

  let r: Mask | null = null;
  let g: Mask | null = null;
  let b: Mask | null = null;
  let a: Mask | null = null;
  if (bpp === 16 || bpp === 32) {
    const [rm, gm, bm, am] =
      masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0]);
    r = maskOf(rm);
    g = maskOf(gm);
    b = maskOf(bm);
    a = maskOf(am);
  }

  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (palette) {
        const bit = x * bpp;
        const byte = bytes[row + (bit >>> 3)]!;
        const index = bpp === 8 ? byte : (byte >>> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        rgba[o] = palette[index * 4]!;
        rgba[o + 1] = palette[index * 4 + 1]!;
        rgba[o + 2] = palette[index * 4 + 2]!;
        rgba[o + 3] = 255;
      } else if (bpp === 24) {
        const p = row + x * 3;
        rgba[o] = bytes[p + 2]!;
        rgba[o + 1] = bytes[p + 1]!;
        rgba[o + 2] = bytes[p]!;
        rgba[o + 3] = 255;
      } else {
        const px = bpp === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
        rgba[o] = channel(px, r, 0);
        rgba[o + 1] = channel(px, g, 0);
        rgba[o + 2] = channel(px, b, 0);
        rgba[o + 3] = channel(px, a, 255);
      }
    }
  }
  return { width, height, rgba };
}
