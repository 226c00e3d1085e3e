// SpiceImage descriptors as they travel inside display messages (spice.proto `struct Image`, `BitmapData`,
// `Palette`, `LZPLTData`, …): parsed into typed structs whose pixel data are views into the message.
// Decompression happens later (surfaces/image-resolver.ts); this module only parses and bounds-checks.

import { ProtocolError } from '../errors';
import {
  SPICE_BITMAP_FLAGS_PAL_FROM_CACHE,
  SPICE_IMAGE_TYPE_BITMAP,
  SPICE_IMAGE_TYPE_FROM_CACHE,
  SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS,
  SPICE_IMAGE_TYPE_GLZ_RGB,
  SPICE_IMAGE_TYPE_JPEG,
  SPICE_IMAGE_TYPE_JPEG_ALPHA,
  SPICE_IMAGE_TYPE_LZ4,
  SPICE_IMAGE_TYPE_LZ_PLT,
  SPICE_IMAGE_TYPE_LZ_RGB,
  SPICE_IMAGE_TYPE_QUIC,
  SPICE_IMAGE_TYPE_SURFACE,
  SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB,
} from '../protocol/enums';
import type { SpiceReader } from '../wire/reader';

/** Wire size of SpiceImageDescriptor (u64 id, u8 type, u8 flags, u32 width, u32 height). */
export const SPICE_IMAGE_DESCRIPTOR_BYTES = 18;

export interface SpiceImageDescriptor {
  id: bigint;
  /** SPICE_IMAGE_TYPE_*. */
  type: number;
  /** SPICE_IMAGE_FLAGS_*. */
  flags: number;
  width: number;
  height: number;
}

export interface SpicePalette {
  unique: bigint;
  /** xRGB entries (0x00RRGGBB). A copy: message bytes need not be 4-byte aligned. */
  ents: Uint32Array;
}

/** BitmapData (spice.proto): `x`/`y` are width/height, rows are bottom-up unless flags has TOP_DOWN. */
export interface SpiceBitmap {
  /** SPICE_BITMAP_FMT_*. */
  format: number;
  /** SPICE_BITMAP_FLAGS_*. */
  flags: number;
  x: number;
  y: number;
  stride: number;
  /** Inline palette (null when PAL_FROM_CACHE or no palette pointer). */
  palette: SpicePalette | null;
  /** Palette cache key when flags has PAL_FROM_CACHE. */
  paletteId: bigint | null;
  /** stride * y bytes. */
  data: Uint8Array;
}

export interface SpiceLZPLTData {
  flags: number;
  palette: SpicePalette | null;
  paletteId: bigint | null;
  data: Uint8Array;
}

export interface SpiceZlibGlzRGBData {
  glzDataSize: number;
  data: Uint8Array;
  /** The whole body as on the wire (u32 glz_data_size, u32 data_size, data). */
  raw: Uint8Array;
}

export interface SpiceJPEGAlphaData {
  flags: number;
  jpegSize: number;
  /** The JPEG (jpegSize bytes) followed by the LZ XXXA alpha stream. */
  data: Uint8Array;
  /** The whole body as on the wire (u8 flags, u32 jpeg_size, u32 data_size, data). */
  raw: Uint8Array;
}

export type SpiceImageBody =
  | { kind: 'bitmap'; bitmap: SpiceBitmap }
  /** QUIC, LZ_RGB, GLZ_RGB, JPEG, LZ4: BinaryData. */
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'lz-plt'; lzPlt: SpiceLZPLTData }
  | { kind: 'zlib-glz'; zlibGlz: SpiceZlibGlzRGBData }
  | { kind: 'jpeg-alpha'; jpegAlpha: SpiceJPEGAlphaData }
  | { kind: 'surface'; surfaceId: number }
  /** FROM_CACHE, FROM_CACHE_LOSSLESS and unknown types: no body. */
  | { kind: 'none' };

export interface SpiceImage {
  descriptor: SpiceImageDescriptor;
  body: SpiceImageBody;
}

export function decodeSpiceImageDescriptor(r: SpiceReader): SpiceImageDescriptor {
  return { id: r.u64(), type: r.u8(), flags: r.u8(), width: r.u32(), height: r.u32() };
}

/** Palette (pointed to): u64 unique, u16 num_ents, u32 ents[num_ents]. */
export function decodeSpicePalette(r: SpiceReader): SpicePalette {
  const unique = r.u64();
  const n = r.count(r.u16(), 4, 'palette entries');
  const ents = new Uint32Array(n);
  for (let i = 0; i < n; i++) ents[i] = r.u32();
  return { unique, ents };
}

function decodePalettePart(
  r: SpiceReader,
  flags: number,
): { palette: SpicePalette | null; paletteId: bigint | null } {
  if (flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) return { palette: null, paletteId: r.u64() };
  const ptr = r.u32();
  return { palette: ptr === 0 ? null : decodeSpicePalette(r.fork(ptr)), paletteId: null };
}

function decodeBinary(r: SpiceReader, what: string): Uint8Array {
  const size = r.u32();
  if (size > r.remaining)
    throw new ProtocolError(`${what}: data_size ${size} exceeds the ${r.remaining} bytes left`);
  return r.bytesView(size);
}

/** Parses one Image at the reader's position (the caller forks to the pointer). */
export function decodeSpiceImage(r: SpiceReader): SpiceImage {
  const descriptor = decodeSpiceImageDescriptor(r);
  const body = decodeImageBody(r, descriptor.type);
  return { descriptor, body };
}

function decodeImageBody(r: SpiceReader, type: number): SpiceImageBody {
  switch (type) {
    case SPICE_IMAGE_TYPE_BITMAP: {
      const format = r.u8();
      const flags = r.u8();
      const x = r.u32();
      const y = r.u32();
      const stride = r.u32();
      const pal = decodePalettePart(r, flags);
      const size = stride * y;
      if (size > r.remaining) {
        throw new ProtocolError(`bitmap ${x}x${y} stride ${stride} needs ${size} bytes, ${r.remaining} left`);
      }
      return { kind: 'bitmap', bitmap: { format, flags, x, y, stride, ...pal, data: r.bytesView(size) } };
    }
    case SPICE_IMAGE_TYPE_QUIC:
    case SPICE_IMAGE_TYPE_LZ_RGB:
    case SPICE_IMAGE_TYPE_GLZ_RGB:
    case SPICE_IMAGE_TYPE_JPEG:
    case SPICE_IMAGE_TYPE_LZ4:
      return { kind: 'binary', data: decodeBinary(r, 'image') };
    case SPICE_IMAGE_TYPE_LZ_PLT: {
      const flags = r.u8();
      const dataSize = r.u32();
      const pal = decodePalettePart(r, flags);
      if (!(flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) && pal.palette === null) {
        throw new ProtocolError('LZ_PLT image without a palette');
      }
      if (dataSize > r.remaining)
        throw new ProtocolError(`LZ_PLT data_size ${dataSize} exceeds ${r.remaining} bytes left`);
      return { kind: 'lz-plt', lzPlt: { flags, ...pal, data: r.bytesView(dataSize) } };
    }
    case SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB: {
      const start = r.pos;
      const glzDataSize = r.u32();
      const data = decodeBinary(r, 'ZLIB_GLZ_RGB');
      return { kind: 'zlib-glz', zlibGlz: { glzDataSize, data, raw: r.bytes.subarray(start, r.pos) } };
    }
    case SPICE_IMAGE_TYPE_JPEG_ALPHA: {
      const start = r.pos;
      const flags = r.u8();
      const jpegSize = r.u32();
      const data = decodeBinary(r, 'JPEG_ALPHA');
      if (jpegSize > data.length)
        throw new ProtocolError(`JPEG_ALPHA jpeg_size ${jpegSize} > data_size ${data.length}`);
      return {
        kind: 'jpeg-alpha',
        jpegAlpha: { flags, jpegSize, data, raw: r.bytes.subarray(start, r.pos) },
      };
    }
    case SPICE_IMAGE_TYPE_SURFACE:
      return { kind: 'surface', surfaceId: r.u32() };
    case SPICE_IMAGE_TYPE_FROM_CACHE:
    case SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS:
    default:
      return { kind: 'none' };
  }
}

/** Follows an `Image *` pointer; 0 is NULL. */
export function decodeSpiceImagePtr(r: SpiceReader): SpiceImage | null {
  const ptr = r.u32();
  return ptr === 0 ? null : decodeSpiceImage(r.fork(ptr));
}

const IMAGE_TYPE_NAMES: Record<number, string> = {
  0: 'BITMAP',
  1: 'QUIC',
  2: 'RESERVED',
  100: 'LZ_PLT',
  101: 'LZ_RGB',
  102: 'GLZ_RGB',
  103: 'FROM_CACHE',
  104: 'SURFACE',
  105: 'JPEG',
  106: 'FROM_CACHE_LOSSLESS',
  107: 'ZLIB_GLZ_RGB',
  108: 'JPEG_ALPHA',
  109: 'LZ4',
};

export function imageTypeName(type: number): string {
  return IMAGE_TYPE_NAMES[type] ?? `unknown(${type})`;
}
