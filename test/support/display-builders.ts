// Test builders: encode server→client display messages from the same typed structs the codecs decode, laying
// out pointed-to data (Image*, Palette*, Path*, String*, style*) after the fixed part like spice-server does.
// Also small helpers to make images and rectangles for canvas tests.

import { SpiceWriter } from '../../main/spice/wire/writer';
import {
  SPICE_BITMAP_FLAGS_PAL_FROM_CACHE,
  SPICE_BITMAP_FLAGS_TOP_DOWN,
  SPICE_BITMAP_FMT_32BIT,
  SPICE_BRUSH_TYPE_PATTERN,
  SPICE_BRUSH_TYPE_SOLID,
  SPICE_CLIP_TYPE_RECTS,
  SPICE_COMPOSITE_HAS_MASK,
  SPICE_IMAGE_TYPE_BITMAP,
  SPICE_LINE_FLAGS_STYLED,
} from '../../main/spice/protocol/enums';
import type {
  SpiceBrush,
  SpiceClip,
  SpiceMsgDisplayBase,
  SpiceMsgDisplayCopyBits,
  SpiceMsgDisplayMonitorsConfig,
  SpiceMsgDisplayStreamCreate,
  SpiceMsgSurfaceCreate,
  SpicePoint,
  SpiceQMask,
} from '../../main/spice/codecs/display';
import type * as DD from '../../main/spice/codecs/display-draw';
import type { SpiceImage, SpicePalette } from '../../main/spice/codecs/image';
import type { Rect } from '../../main/spice/surfaces/types';

type Deferred = (b: MessageBuilder) => void;

/** A writer whose pointers are filled with offsets of data appended after the fixed part. */
export class MessageBuilder {
  readonly w = new SpiceWriter(256);
  private readonly pending: { at: number; write: Deferred }[] = [];

  /** Writes a u32 pointer; `write` (or NULL) emits the pointee later. */
  ptr(write: Deferred | null): this {
    const at = this.w.length;
    this.w.u32(0);
    if (write) this.pending.push({ at, write });
    return this;
  }

  finish(): Uint8Array {
    while (this.pending.length > 0) {
      const p = this.pending.shift()!;
      this.w.patchU32(p.at, this.w.length);
      p.write(this);
    }
    return this.w.finish().slice();
  }
}

export function rect(left: number, top: number, right: number, bottom: number): Rect {
  return { left, top, right, bottom };
}

export function writeRect(b: MessageBuilder, r: Rect): void {
  b.w.i32(r.top).i32(r.left).i32(r.bottom).i32(r.right);
}

function writePoint(b: MessageBuilder, p: SpicePoint): void {
  b.w.i32(p.x).i32(p.y);
}

export function writeClip(b: MessageBuilder, c: SpiceClip): void {
  b.w.u8(c.type);
  if (c.type === SPICE_CLIP_TYPE_RECTS) {
    b.w.u32(c.rects.length);
    for (const r of c.rects) writeRect(b, r);
  }
}

function writePalette(b: MessageBuilder, p: SpicePalette): void {
  b.w.u64(p.unique).u16(p.ents.length);
  for (const e of p.ents) b.w.u32(e);
}

export function writeImage(b: MessageBuilder, img: SpiceImage): void {
  const d = img.descriptor;
  b.w.u64(d.id).u8(d.type).u8(d.flags).u32(d.width).u32(d.height);
  const body = img.body;
  switch (body.kind) {
    case 'bitmap': {
      const bm = body.bitmap;
      b.w.u8(bm.format).u8(bm.flags).u32(bm.x).u32(bm.y).u32(bm.stride);
      if (bm.flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) b.w.u64(bm.paletteId ?? 0n);
      else b.ptr(bm.palette ? (bb) => writePalette(bb, bm.palette!) : null);
      b.w.bytes(bm.data);
      break;
    }
    case 'binary':
      b.w.u32(body.data.length).bytes(body.data);
      break;
    case 'lz-plt': {
      const lz = body.lzPlt;
      b.w.u8(lz.flags).u32(lz.data.length);
      if (lz.flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) b.w.u64(lz.paletteId ?? 0n);
      else b.ptr(lz.palette ? (bb) => writePalette(bb, lz.palette!) : null);
      b.w.bytes(lz.data);
      break;
    }
    case 'zlib-glz':
      b.w.u32(body.zlibGlz.glzDataSize).u32(body.zlibGlz.data.length).bytes(body.zlibGlz.data);
      break;
    case 'jpeg-alpha':
      b.w
        .u8(body.jpegAlpha.flags)
        .u32(body.jpegAlpha.jpegSize)
        .u32(body.jpegAlpha.data.length)
        .bytes(body.jpegAlpha.data);
      break;
    case 'surface':
      b.w.u32(body.surfaceId);
      break;
    case 'none':
      break;
  }
}

function imagePtr(b: MessageBuilder, img: SpiceImage | null): void {
  b.ptr(img ? (bb) => writeImage(bb, img) : null);
}

export function writeBrush(b: MessageBuilder, brush: SpiceBrush): void {
  b.w.u8(brush.type);
  if (brush.type === SPICE_BRUSH_TYPE_SOLID) b.w.u32(brush.color);
  else if (brush.type === SPICE_BRUSH_TYPE_PATTERN) {
    imagePtr(b, brush.pat);
    writePoint(b, brush.pos);
  }
}

export function writeQMask(b: MessageBuilder, m: SpiceQMask): void {
  b.w.u8(m.flags);
  writePoint(b, m.pos);
  imagePtr(b, m.bitmap);
}

export function writeBase(b: MessageBuilder, base: SpiceMsgDisplayBase): void {
  b.w.u32(base.surface_id);
  writeRect(b, base.box);
  writeClip(b, base.clip);
}

export const NO_CLIP: SpiceClip = { type: 0, rects: [] };
export const NO_MASK: SpiceQMask = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };

export function displayBase(surface_id: number, box: Rect, clipRects?: Rect[]): SpiceMsgDisplayBase {
  return { surface_id, box, clip: clipRects ? { type: SPICE_CLIP_TYPE_RECTS, rects: clipRects } : NO_CLIP };
}

// ---- messages ----

export function encodeSurfaceCreate(m: SpiceMsgSurfaceCreate): Uint8Array {
  const b = new MessageBuilder();
  b.w.u32(m.surface_id).u32(m.width).u32(m.height).u32(m.format).u32(m.flags);
  return b.finish();
}

export function encodeSurfaceDestroy(surfaceId: number): Uint8Array {
  const b = new MessageBuilder();
  b.w.u32(surfaceId);
  return b.finish();
}

export function encodeMonitorsConfig(m: SpiceMsgDisplayMonitorsConfig): Uint8Array {
  const b = new MessageBuilder();
  b.w.u16(m.count).u16(m.max_allowed);
  for (const h of m.heads)
    b.w.u32(h.monitor_id).u32(h.surface_id).u32(h.width).u32(h.height).u32(h.x).u32(h.y).u32(h.flags);
  return b.finish();
}

export function encodeCopyBits(m: SpiceMsgDisplayCopyBits): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  writePoint(b, m.src_pos);
  return b.finish();
}

export function encodeInvalList(ids: bigint[]): Uint8Array {
  const b = new MessageBuilder();
  b.w.u16(ids.length);
  for (const id of ids) b.w.u8(1).u64(id);
  return b.finish();
}

export function encodeInvalAllPixmaps(waits: { type: number; id: number; serial: bigint }[]): Uint8Array {
  const b = new MessageBuilder();
  b.w.u8(waits.length);
  for (const x of waits) b.w.u8(x.type).u8(x.id).u64(x.serial);
  return b.finish();
}

export function encodeDrawFill(m: DD.SpiceMsgDisplayDrawFill): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  writeBrush(b, m.data.brush);
  b.w.u16(m.data.rop_descriptor);
  writeQMask(b, m.data.mask);
  return b.finish();
}

export function encodeDrawOpaque(m: DD.SpiceMsgDisplayDrawOpaque): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  imagePtr(b, m.data.src_bitmap);
  writeRect(b, m.data.src_area);
  writeBrush(b, m.data.brush);
  b.w.u16(m.data.rop_descriptor).u8(m.data.scale_mode);
  writeQMask(b, m.data.mask);
  return b.finish();
}

/** DRAW_COPY and DRAW_BLEND share this layout. */
export function encodeDrawCopy(m: DD.SpiceMsgDisplayDrawCopy): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  imagePtr(b, m.data.src_bitmap);
  writeRect(b, m.data.src_area);
  b.w.u16(m.data.rop_descriptor).u8(m.data.scale_mode);
  writeQMask(b, m.data.mask);
  return b.finish();
}

/** DRAW_BLACKNESS / WHITENESS / INVERS. */
export function encodeDrawMaskOnly(m: DD.SpiceMsgDisplayDraw<DD.SpiceMaskOnly>): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  writeQMask(b, m.data.mask);
  return b.finish();
}

export function encodeDrawRop3(m: DD.SpiceMsgDisplayDrawRop3): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  imagePtr(b, m.data.src_bitmap);
  writeRect(b, m.data.src_area);
  writeBrush(b, m.data.brush);
  b.w.u8(m.data.rop3).u8(m.data.scale_mode);
  writeQMask(b, m.data.mask);
  return b.finish();
}

export function encodeDrawStroke(m: DD.SpiceMsgDisplayDrawStroke): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  b.ptr((bb) => {
    bb.w.u32(m.data.path.segments.length);
    for (const s of m.data.path.segments) {
      bb.w.u8(s.flags).u32(s.points.length);
      for (const p of s.points) bb.w.i32(p.x).i32(p.y);
    }
  });
  b.w.u8(m.data.attr.flags);
  if (m.data.attr.flags & SPICE_LINE_FLAGS_STYLED) {
    b.w.u8(m.data.attr.style.length);
    b.ptr((bb) => {
      for (const v of m.data.attr.style) bb.w.i32(v);
    });
  }
  writeBrush(b, m.data.brush);
  b.w.u16(m.data.fore_mode).u16(m.data.back_mode);
  return b.finish();
}

export function encodeDrawText(m: DD.SpiceMsgDisplayDrawText): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  b.ptr((bb) => {
    bb.w.u16(m.data.str.glyphs.length).u8(m.data.str.flags);
    for (const g of m.data.str.glyphs) {
      bb.w.i32(g.render_pos.x).i32(g.render_pos.y).i32(g.glyph_origin.x).i32(g.glyph_origin.y);
      bb.w.u16(g.width).u16(g.height).bytes(g.data);
    }
  });
  writeRect(b, m.data.back_area);
  writeBrush(b, m.data.fore_brush);
  writeBrush(b, m.data.back_brush);
  b.w.u16(m.data.fore_mode).u16(m.data.back_mode);
  return b.finish();
}

export function encodeDrawTransparent(m: DD.SpiceMsgDisplayDrawTransparent): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  imagePtr(b, m.data.src_bitmap);
  writeRect(b, m.data.src_area);
  b.w.u32(m.data.src_color).u32(m.data.true_color);
  return b.finish();
}

export function encodeDrawAlphaBlend(m: DD.SpiceMsgDisplayDrawAlphaBlend): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  b.w.u8(m.data.alpha_flags).u8(m.data.alpha);
  imagePtr(b, m.data.src_bitmap);
  writeRect(b, m.data.src_area);
  return b.finish();
}

export function encodeDrawComposite(m: DD.SpiceMsgDisplayDrawComposite): Uint8Array {
  const b = new MessageBuilder();
  writeBase(b, m.base);
  const c = m.data;
  b.w.u32(c.flags);
  imagePtr(b, c.src_bitmap);
  if (c.flags & SPICE_COMPOSITE_HAS_MASK) imagePtr(b, c.mask_bitmap);
  for (const t of [c.src_transform, c.mask_transform]) {
    if (t) b.w.u32(t.t00).u32(t.t01).u32(t.t02).u32(t.t10).u32(t.t11).u32(t.t12);
  }
  b.w.i16(c.src_origin.x).i16(c.src_origin.y).i16(c.mask_origin.x).i16(c.mask_origin.y);
  return b.finish();
}

export function encodeStreamCreate(m: SpiceMsgDisplayStreamCreate): Uint8Array {
  const b = new MessageBuilder();
  b.w.u32(m.surface_id).u32(m.id).u8(m.flags).u8(m.codec_type).u64(m.stamp);
  b.w.u32(m.stream_width).u32(m.stream_height).u32(m.src_width).u32(m.src_height);
  writeRect(b, m.dest);
  writeClip(b, m.clip);
  return b.finish();
}

export function encodeStreamData(id: number, mmTime: number, data: Uint8Array): Uint8Array {
  const b = new MessageBuilder();
  b.w.u32(id).u32(mmTime).u32(data.length).bytes(data);
  return b.finish();
}

// ---- images ----

/** An uncompressed 32BIT top-down BITMAP image from 0xAARRGGBB-less xRGB values (row-major). */
export function bitmapImage(
  id: bigint,
  width: number,
  height: number,
  xrgb: number[],
  flags = 0,
): SpiceImage {
  const data = new Uint8Array(width * height * 4);
  const v = new DataView(data.buffer);
  xrgb.forEach((c, i) => v.setUint32(i * 4, c, true));
  return {
    descriptor: { id, type: SPICE_IMAGE_TYPE_BITMAP, flags, width, height },
    body: {
      kind: 'bitmap',
      bitmap: {
        format: SPICE_BITMAP_FMT_32BIT,
        flags: SPICE_BITMAP_FLAGS_TOP_DOWN,
        x: width,
        y: height,
        stride: width * 4,
        palette: null,
        paletteId: null,
        data,
      },
    },
  };
}

/** A 1-bit mask BITMAP (1BIT_BE, top-down) from rows of '0'/'1' characters. */
export function maskImage(id: bigint, rows: string[], flags = 0, format = 2): SpiceImage {
  const width = rows[0]!.length;
  const height = rows.length;
  const stride = (width + 7) >> 3;
  const data = new Uint8Array(stride * height);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) {
      if (row[x] === '1')
        data[y * stride + (x >> 3)] =
          data[y * stride + (x >> 3)]! | (format === 2 ? 0x80 >> (x & 7) : 1 << (x & 7));
    }
  });
  return {
    descriptor: { id, type: SPICE_IMAGE_TYPE_BITMAP, flags, width, height },
    body: {
      kind: 'bitmap',
      bitmap: {
        format,
        flags: SPICE_BITMAP_FLAGS_TOP_DOWN,
        x: width,
        y: height,
        stride,
        palette: null,
        paletteId: null,
        data,
      },
    },
  };
}

/**
 * A SPICE_MSG_LIST body (SpiceSubMessageList): u16 count, u32 offsets, then the sub-messages {u16 type, u32 size,
 * data}. `repeat` entries all point at the same sub-message (how a hostile server amplifies one message).
 */
export function encodeMessageList(subs: { type: number; body: Uint8Array }[], repeat = 1): Uint8Array {
  const count = subs.length * repeat;
  const w = new SpiceWriter(2 + 4 * count + subs.reduce((n, s) => n + 6 + s.body.length, 0));
  w.u16(count);
  let at = 2 + 4 * count;
  const offsets = subs.map((s) => {
    const o = at;
    at += 6 + s.body.length;
    return o;
  });
  for (let r = 0; r < repeat; r++) for (const o of offsets) w.u32(o);
  for (const s of subs) w.u16(s.type).u32(s.body.length).bytes(s.body);
  return w.finish();
}
