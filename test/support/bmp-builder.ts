// Builds small BMP files byte by byte for the BMP decoder's tests and fuzz seeds: a 5x3 picture whose every pixel
// differs, in any layout the decoder supports (palettes, 16/24/32-bit with or without masks, orientations, headers).
import { SpiceWriter } from '../../main/spice/wire/writer';

export type Rgba = [number, number, number, number];

/** The test picture: 5x3, every pixel different. */
export const W = 5;
export const H = 3;
export function pixel(x: number, y: number): Rgba {
  return [x * 50, y * 100, 255 - x * 40 - y * 10, 255 - x * 10];
}

export interface Layout {
  bpp: number;
  headerBytes?: number;
  compression?: number;
  masks?: number[];
  topDown?: boolean;
  fileHeader?: boolean;
  palette?: Rgba[];
  encode: (p: Rgba, x: number, y: number) => number[];
}

export function buildBmp(l: Layout): Uint8Array {
  const headerBytes = l.headerBytes ?? 40;
  const stride = Math.ceil((W * l.bpp) / 32) * 4;
  const rows: number[][] = [];
  for (let y = 0; y < H; y++) {
    const bits: number[] = [];
    const row = new Uint8Array(stride);
    if (l.bpp < 8) {
      for (let x = 0; x < W; x++) {
        const index = l.encode(pixel(x, y), x, y)[0]!;
        const bit = x * l.bpp;
        row[bit >> 3]! |= index << (8 - l.bpp - (bit & 7));
      }
    } else {
      for (let x = 0; x < W; x++) bits.push(...l.encode(pixel(x, y), x, y));
      row.set(bits);
    }
    rows.push([...row]);
  }
  const ordered = l.topDown ? rows : [...rows].reverse();
  const w = new SpiceWriter();
  const palette = l.palette ?? [];
  const masksAfterHeader = l.masks && headerBytes === 40 ? l.masks : [];
  const pixelOffset =
    (l.fileHeader === false ? 0 : 14) +
    headerBytes +
    masksAfterHeader.length * 4 +
    palette.length * (headerBytes === 12 ? 3 : 4);
  if (l.fileHeader !== false) {
    w.u8(0x42)
      .u8(0x4d)
      .u32(pixelOffset + stride * H)
      .u32(0)
      .u32(pixelOffset);
  }
  if (headerBytes === 12) {
    w.u32(12).u16(W).u16(H).u16(1).u16(l.bpp);
  } else {
    const start = w.length;
    w.u32(headerBytes)
      .i32(W)
      .i32(l.topDown ? -H : H)
      .u16(1)
      .u16(l.bpp)
      .u32(l.compression ?? 0);
    w.u32(stride * H)
      .i32(2835)
      .i32(2835)
      .u32(palette.length)
      .u32(0);
    if (headerBytes > 40) for (const m of l.masks ?? [0, 0, 0, 0]) w.u32(m);
    while (w.length - start < headerBytes) w.u8(0);
  }
  for (const m of masksAfterHeader) w.u32(m);
  for (const [r, g, b] of palette) {
    w.u8(b).u8(g).u8(r);
    if (headerBytes !== 12) w.u8(0);
  }
  for (const row of ordered) for (const b of row) w.u8(b);
  return w.finish();
}
