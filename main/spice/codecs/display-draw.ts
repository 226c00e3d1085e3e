// Display channel drawing messages (DRAW_FILL … DRAW_COMPOSITE, spice.proto 783-975): decoders into
// typed structs with spice-protocol's C names. Pointers (Image*, Path*, String*, style*) are followed
// with SpiceReader.fork; every count is checked against the bytes left before anything is allocated.

import { ProtocolError } from '../errors';
import {
  SPICE_COMPOSITE_HAS_MASK,
  SPICE_COMPOSITE_HAS_MASK_TRANSFORM,
  SPICE_COMPOSITE_HAS_SRC_TRANSFORM,
  SPICE_LINE_FLAGS_STYLED,
  SPICE_STRING_FLAGS_RASTER_A1,
  SPICE_STRING_FLAGS_RASTER_A4,
  SPICE_STRING_FLAGS_RASTER_A8,
} from '../protocol/enums';
import type { Rect } from '../surfaces/types';
import type { SpiceReader } from '../wire/reader';
import {
  decodeBrush,
  decodeDisplayBase,
  decodePoint,
  decodePoint16,
  decodeQMask,
  decodeRect,
} from './display';
import type { SpiceBrush, SpiceMsgDisplayBase, SpicePoint, SpiceQMask } from './display';
import { decodeSpiceImage, decodeSpiceImagePtr } from './image';
import type { SpiceImage } from './image';

export interface SpiceFill {
  brush: SpiceBrush;
  rop_descriptor: number;
  mask: SpiceQMask;
}

export interface SpiceOpaque {
  src_bitmap: SpiceImage | null;
  src_area: Rect;
  brush: SpiceBrush;
  rop_descriptor: number;
  scale_mode: number;
  mask: SpiceQMask;
}

/** Copy and Blend share this layout (spice.proto: Blend is @ctype(SpiceCopy)). */
export interface SpiceCopy {
  src_bitmap: SpiceImage | null;
  src_area: Rect;
  rop_descriptor: number;
  scale_mode: number;
  mask: SpiceQMask;
}

/** Blackness, Whiteness and Invers carry only a mask. */
export interface SpiceMaskOnly {
  mask: SpiceQMask;
}

export interface SpiceRop3 {
  src_bitmap: SpiceImage | null;
  src_area: Rect;
  brush: SpiceBrush;
  rop3: number;
  scale_mode: number;
  mask: SpiceQMask;
}

/** A PathSegment: points are fixed28_4 (value / 16 = pixels). */
export interface SpicePathSeg {
  flags: number;
  points: SpicePoint[];
}

export interface SpicePath {
  segments: SpicePathSeg[];
}

export interface SpiceLineAttr {
  flags: number;
  /** fixed28_4 dash lengths (only when flags has STYLED). */
  style: number[];
}

export interface SpiceStroke {
  path: SpicePath;
  attr: SpiceLineAttr;
  brush: SpiceBrush;
  fore_mode: number;
  back_mode: number;
}

export interface SpiceRasterGlyph {
  render_pos: SpicePoint;
  glyph_origin: SpicePoint;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface SpiceString {
  flags: number;
  /** Bits per pixel of the glyph rasters (1, 4 or 8), or 0 when the string has no raster flag. */
  bpp: number;
  glyphs: SpiceRasterGlyph[];
}

export interface SpiceText {
  str: SpiceString;
  back_area: Rect;
  fore_brush: SpiceBrush;
  back_brush: SpiceBrush;
  fore_mode: number;
  back_mode: number;
}

export interface SpiceTransparent {
  src_bitmap: SpiceImage | null;
  src_area: Rect;
  src_color: number;
  true_color: number;
}

export interface SpiceAlphaBlend {
  alpha_flags: number;
  alpha: number;
  src_bitmap: SpiceImage | null;
  src_area: Rect;
}

/** 2×3 affine matrix in 16.16 fixed point (pixman_transform rows 0 and 1). */
export interface SpiceTransform {
  t00: number;
  t01: number;
  t02: number;
  t10: number;
  t11: number;
  t12: number;
}

export interface SpiceComposite {
  flags: number;
  src_bitmap: SpiceImage | null;
  mask_bitmap: SpiceImage | null;
  src_transform: SpiceTransform | null;
  mask_transform: SpiceTransform | null;
  src_origin: SpicePoint;
  mask_origin: SpicePoint;
}

export interface SpiceMsgDisplayDraw<T> {
  base: SpiceMsgDisplayBase;
  data: T;
}

export type SpiceMsgDisplayDrawFill = SpiceMsgDisplayDraw<SpiceFill>;
export type SpiceMsgDisplayDrawOpaque = SpiceMsgDisplayDraw<SpiceOpaque>;
export type SpiceMsgDisplayDrawCopy = SpiceMsgDisplayDraw<SpiceCopy>;
export type SpiceMsgDisplayDrawBlend = SpiceMsgDisplayDraw<SpiceCopy>;
export type SpiceMsgDisplayDrawBlackness = SpiceMsgDisplayDraw<SpiceMaskOnly>;
export type SpiceMsgDisplayDrawWhiteness = SpiceMsgDisplayDraw<SpiceMaskOnly>;
export type SpiceMsgDisplayDrawInvers = SpiceMsgDisplayDraw<SpiceMaskOnly>;
export type SpiceMsgDisplayDrawRop3 = SpiceMsgDisplayDraw<SpiceRop3>;
export type SpiceMsgDisplayDrawStroke = SpiceMsgDisplayDraw<SpiceStroke>;
export type SpiceMsgDisplayDrawText = SpiceMsgDisplayDraw<SpiceText>;
export type SpiceMsgDisplayDrawTransparent = SpiceMsgDisplayDraw<SpiceTransparent>;
export type SpiceMsgDisplayDrawAlphaBlend = SpiceMsgDisplayDraw<SpiceAlphaBlend>;
export type SpiceMsgDisplayDrawComposite = SpiceMsgDisplayDraw<SpiceComposite>;

/** Upper bounds that keep a hostile message from making us allocate or loop without end. */
export const MAX_PATH_POINTS = 1 << 20;

export function decodeSpiceMsgDisplayDrawFill(r: SpiceReader): SpiceMsgDisplayDrawFill {
  const base = decodeDisplayBase(r);
  const brush = decodeBrush(r);
  const rop_descriptor = r.u16();
  return { base, data: { brush, rop_descriptor, mask: decodeQMask(r) } };
}

export function decodeSpiceMsgDisplayDrawOpaque(r: SpiceReader): SpiceMsgDisplayDrawOpaque {
  const base = decodeDisplayBase(r);
  const src_bitmap = decodeSpiceImagePtr(r);
  const src_area = decodeRect(r);
  const brush = decodeBrush(r);
  const rop_descriptor = r.u16();
  const scale_mode = r.u8();
  return { base, data: { src_bitmap, src_area, brush, rop_descriptor, scale_mode, mask: decodeQMask(r) } };
}

function decodeCopy(r: SpiceReader): SpiceCopy {
  const src_bitmap = decodeSpiceImagePtr(r);
  const src_area = decodeRect(r);
  const rop_descriptor = r.u16();
  const scale_mode = r.u8();
  return { src_bitmap, src_area, rop_descriptor, scale_mode, mask: decodeQMask(r) };
}

export function decodeSpiceMsgDisplayDrawCopy(r: SpiceReader): SpiceMsgDisplayDrawCopy {
  return { base: decodeDisplayBase(r), data: decodeCopy(r) };
}

export function decodeSpiceMsgDisplayDrawBlend(r: SpiceReader): SpiceMsgDisplayDrawBlend {
  return { base: decodeDisplayBase(r), data: decodeCopy(r) };
}

function decodeMaskOnly(r: SpiceReader): SpiceMsgDisplayDraw<SpiceMaskOnly> {
  const base = decodeDisplayBase(r);
  return { base, data: { mask: decodeQMask(r) } };
}

export const decodeSpiceMsgDisplayDrawBlackness: (r: SpiceReader) => SpiceMsgDisplayDrawBlackness =
  decodeMaskOnly;
export const decodeSpiceMsgDisplayDrawWhiteness: (r: SpiceReader) => SpiceMsgDisplayDrawWhiteness =
  decodeMaskOnly;
export const decodeSpiceMsgDisplayDrawInvers: (r: SpiceReader) => SpiceMsgDisplayDrawInvers = decodeMaskOnly;

export function decodeSpiceMsgDisplayDrawRop3(r: SpiceReader): SpiceMsgDisplayDrawRop3 {
  const base = decodeDisplayBase(r);
  const src_bitmap = decodeSpiceImagePtr(r);
  const src_area = decodeRect(r);
  const brush = decodeBrush(r);
  const rop3 = r.u8();
  const scale_mode = r.u8();
  return { base, data: { src_bitmap, src_area, brush, rop3, scale_mode, mask: decodeQMask(r) } };
}

/** Path (pointed to): u32 num_segments, then segments inline: u8 flags, u32 count, PointFix[count]. */
export function decodeSpicePath(r: SpiceReader): SpicePath {
  const n = r.count(r.u32(), 5, 'path segments');
  const segments: SpicePathSeg[] = new Array<SpicePathSeg>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const flags = r.u8();
    const count = r.count(r.u32(), 8, 'path points');
    total += count;
    if (total > MAX_PATH_POINTS) throw new ProtocolError(`path has more than ${MAX_PATH_POINTS} points`);
    const points: SpicePoint[] = new Array<SpicePoint>(count);
    for (let j = 0; j < count; j++) points[j] = { x: r.i32(), y: r.i32() };
    segments[i] = { flags, points };
  }
  return { segments };
}

/** LineAttr: u8 flags; if STYLED: u8 style_nseg, then `fixed28_4 *style` (pointer to style_nseg int32s). */
export function decodeSpiceLineAttr(r: SpiceReader): SpiceLineAttr {
  const flags = r.u8();
  if (!(flags & SPICE_LINE_FLAGS_STYLED)) return { flags, style: [] };
  const nseg = r.u8();
  const ptr = r.u32();
  const style: number[] = [];
  if (ptr !== 0) {
    const s = r.fork(ptr);
    s.count(nseg, 4, 'line style');
    for (let i = 0; i < nseg; i++) style.push(s.i32());
  } else if (nseg > 0) {
    throw new ProtocolError('styled line with a NULL style pointer');
  }
  return { flags, style };
}

export function decodeSpiceMsgDisplayDrawStroke(r: SpiceReader): SpiceMsgDisplayDrawStroke {
  const base = decodeDisplayBase(r);
  const pathPtr = r.u32();
  if (pathPtr === 0) throw new ProtocolError('stroke with a NULL path');
  const path = decodeSpicePath(r.fork(pathPtr));
  const attr = decodeSpiceLineAttr(r);
  const brush = decodeBrush(r);
  const fore_mode = r.u16();
  const back_mode = r.u16();
  return { base, data: { path, attr, brush, fore_mode, back_mode } };
}

/** Bytes of a glyph raster: ((width*bpp + 7) / 8) * height (spice.proto image_size). */
export function glyphRasterBytes(bpp: number, width: number, height: number): number {
  return Math.floor((width * bpp + 7) / 8) * height;
}

/** String (pointed to): u16 length, u8 flags, then glyphs inline when a raster flag is set. */
export function decodeSpiceString(r: SpiceReader): SpiceString {
  const length = r.u16();
  const flags = r.u8();
  let bpp = 0;
  if (flags & SPICE_STRING_FLAGS_RASTER_A1) bpp = 1;
  else if (flags & SPICE_STRING_FLAGS_RASTER_A4) bpp = 4;
  else if (flags & SPICE_STRING_FLAGS_RASTER_A8) bpp = 8;
  if (bpp === 0) return { flags, bpp, glyphs: [] };
  const n = r.count(length, 20, 'glyphs');
  const glyphs: SpiceRasterGlyph[] = new Array<SpiceRasterGlyph>(n);
  for (let i = 0; i < n; i++) {
    const render_pos = decodePoint(r);
    const glyph_origin = decodePoint(r);
    const width = r.u16();
    const height = r.u16();
    const size = glyphRasterBytes(bpp, width, height);
    if (size > r.remaining)
      throw new ProtocolError(`glyph ${width}x${height} needs ${size} bytes, ${r.remaining} left`);
    glyphs[i] = { render_pos, glyph_origin, width, height, data: r.bytesView(size) };
  }
  return { flags, bpp, glyphs };
}

export function decodeSpiceMsgDisplayDrawText(r: SpiceReader): SpiceMsgDisplayDrawText {
  const base = decodeDisplayBase(r);
  const strPtr = r.u32();
  if (strPtr === 0) throw new ProtocolError('text with a NULL string');
  const str = decodeSpiceString(r.fork(strPtr));
  const back_area = decodeRect(r);
  const fore_brush = decodeBrush(r);
  const back_brush = decodeBrush(r);
  const fore_mode = r.u16();
  const back_mode = r.u16();
  return { base, data: { str, back_area, fore_brush, back_brush, fore_mode, back_mode } };
}

export function decodeSpiceMsgDisplayDrawTransparent(r: SpiceReader): SpiceMsgDisplayDrawTransparent {
  const base = decodeDisplayBase(r);
  const src_bitmap = decodeSpiceImagePtr(r);
  const src_area = decodeRect(r);
  return { base, data: { src_bitmap, src_area, src_color: r.u32(), true_color: r.u32() } };
}

export function decodeSpiceMsgDisplayDrawAlphaBlend(r: SpiceReader): SpiceMsgDisplayDrawAlphaBlend {
  const base = decodeDisplayBase(r);
  const alpha_flags = r.u8();
  const alpha = r.u8();
  const src_bitmap = decodeSpiceImagePtr(r);
  return { base, data: { alpha_flags, alpha, src_bitmap, src_area: decodeRect(r) } };
}

function decodeTransform(r: SpiceReader): SpiceTransform {
  return { t00: r.u32(), t01: r.u32(), t02: r.u32(), t10: r.u32(), t11: r.u32(), t12: r.u32() };
}

export function decodeSpiceMsgDisplayDrawComposite(r: SpiceReader): SpiceMsgDisplayDrawComposite {
  const base = decodeDisplayBase(r);
  const flags = r.u32();
  const src_bitmap = decodeSpiceImagePtr(r);
  let mask_bitmap: SpiceImage | null = null;
  if (flags & SPICE_COMPOSITE_HAS_MASK) {
    const ptr = r.u32();
    mask_bitmap = ptr === 0 ? null : decodeSpiceImage(r.fork(ptr));
  }
  const src_transform = flags & SPICE_COMPOSITE_HAS_SRC_TRANSFORM ? decodeTransform(r) : null;
  const mask_transform = flags & SPICE_COMPOSITE_HAS_MASK_TRANSFORM ? decodeTransform(r) : null;
  const src_origin = decodePoint16(r);
  const mask_origin = decodePoint16(r);
  return {
    base,
    data: { flags, src_bitmap, mask_bitmap, src_transform, mask_transform, src_origin, mask_origin },
  };
}
