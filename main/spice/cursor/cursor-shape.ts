// Decodes SPICE cursor shapes (REFERENCES G40) into RGBA, for every SpiceCursorType. Masks are MSB-first bit
// rows of ceil(width/8) bytes. Where the AND mask keeps the screen and the colour would XOR it (inverting
// cursors such as the text I-beam), an OS cursor cannot invert: such pixels become opaque black with a white
// core so the shape stays visible on any background.
import { ProtocolError } from '../errors';
import * as E from '../protocol/enums';
import type { CursorShape } from '../session-events';
import type { SpiceReader } from '../wire/reader';

export interface SpiceCursorHeader {
  unique: bigint;
  type: number;
  width: number;
  height: number;
  hot_spot_x: number;
  hot_spot_y: number;
}

/** Largest cursor accepted (the QXL limit is far smaller; this bounds allocation). */
const MAX_CURSOR_SIDE = 512;

export function decodeSpiceCursorHeader(r: SpiceReader): SpiceCursorHeader {
  return {
    unique: r.u64(),
    type: r.u8(),
    width: r.u16(),
    height: r.u16(),
    hot_spot_x: r.u16(),
    hot_spot_y: r.u16(),
  };
}

function bit(mask: Uint8Array, rowBytes: number, x: number, y: number): number {
  return (mask[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
}

export function decodeCursorShape(h: SpiceCursorHeader, data: Uint8Array): CursorShape {
  const { width: w, height: hgt } = h;
  if (w === 0 || hgt === 0 || w > MAX_CURSOR_SIDE || hgt > MAX_CURSOR_SIDE) {
    throw new ProtocolError(`cursor size ${w}x${hgt} out of range`);
  }
  const n = w * hgt;
  const out = new Uint8Array(n * 4);
  const maskRow = (w + 7) >> 3;
  const maskBytes = maskRow * hgt;
  const need = (bytes: number, what: string): void => {
    if (data.length < bytes)
      throw new ProtocolError(`${what} cursor ${w}x${hgt} needs ${bytes} bytes, got ${data.length}`);
  };
  const put = (i: number, r: number, g: number, b: number, a: number): void => {
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = a;
  };
  /** AND/colour combination for the colour types: colour as xRGB. */
  const combine = (i: number, and: number, rgb: number, x: number, y: number): void => {
    if (!and) put(i, (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255);
    else if (rgb === 0) put(i, 0, 0, 0, 0);
    else {
      const edge = x === 0 || y === 0 || x === w - 1 || y === hgt - 1;
      put(i, edge ? 0 : 255, edge ? 0 : 255, edge ? 0 : 255, 255);
    }
  };

  switch (h.type) {
    case E.SPICE_CURSOR_TYPE_ALPHA: {
      need(n * 4, 'alpha');
      for (let i = 0; i < n; i++) put(i, data[i * 4 + 2]!, data[i * 4 + 1]!, data[i * 4]!, data[i * 4 + 3]!);
      break;
    }
    case E.SPICE_CURSOR_TYPE_MONO: {
      need(maskBytes * 2, 'monochrome');
      const and = data.subarray(0, maskBytes);
      const xor = data.subarray(maskBytes, maskBytes * 2);
      for (let y = 0; y < hgt; y++)
        for (let x = 0; x < w; x++) {
          const a = bit(and, maskRow, x, y);
          const xo = bit(xor, maskRow, x, y);
          combine(y * w + x, a, xo ? 0xffffff : 0, x, y);
        }
      break;
    }
    case E.SPICE_CURSOR_TYPE_COLOR4:
    case E.SPICE_CURSOR_TYPE_COLOR8: {
      const four = h.type === E.SPICE_CURSOR_TYPE_COLOR4;
      const rowBytes = four ? (w + 1) >> 1 : w;
      const entries = four ? 16 : 256;
      const pixelBytes = rowBytes * hgt;
      need(pixelBytes + entries * 4 + maskBytes, four ? '4-bit' : '8-bit');
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const and = data.subarray(pixelBytes + entries * 4);
      for (let y = 0; y < hgt; y++)
        for (let x = 0; x < w; x++) {
          const byte = data[y * rowBytes + (four ? x >> 1 : x)]!;
          const index = four ? (x & 1 ? byte & 15 : byte >> 4) : byte;
          combine(
            y * w + x,
            bit(and, maskRow, x, y),
            dv.getUint32(pixelBytes + index * 4, true) & 0xffffff,
            x,
            y,
          );
        }
      break;
    }
    case E.SPICE_CURSOR_TYPE_COLOR16:
    case E.SPICE_CURSOR_TYPE_COLOR24:
    case E.SPICE_CURSOR_TYPE_COLOR32: {
      const bpp = h.type === E.SPICE_CURSOR_TYPE_COLOR16 ? 2 : h.type === E.SPICE_CURSOR_TYPE_COLOR24 ? 3 : 4;
      need(n * bpp + maskBytes, `${bpp * 8}-bit`);
      const and = data.subarray(n * bpp);
      for (let y = 0; y < hgt; y++)
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          const o = i * bpp;
          let rgb: number;
          if (bpp === 2) {
            const v = data[o]! | (data[o + 1]! << 8);
            const ex = (c: number): number => (c << 3) | (c >> 2);
            rgb = (ex((v >> 10) & 31) << 16) | (ex((v >> 5) & 31) << 8) | ex(v & 31);
          } else {
            rgb = (data[o + 2]! << 16) | (data[o + 1]! << 8) | data[o]!;
          }
          combine(i, bit(and, maskRow, x, y), rgb, x, y);
        }
      break;
    }
    default:
      throw new ProtocolError(`unknown cursor type ${h.type}`);
  }
  return {
    pixels: out,
    width: w,
    height: hgt,
    hotX: Math.min(h.hot_spot_x, w - 1),
    hotY: Math.min(h.hot_spot_y, hgt - 1),
  };
}
