// The surfaces of one display channel and the execution of its parsed draw commands: destination region
// (box ∩ surface ∩ clip ∩ mask), image and brush resolution through the caches and decoders, the raster op,
// then damage. Pure protocol logic with no I/O, so the display channel stays a thin adapter and everything
// here is testable with hand-made messages.

import { ProtocolError, SpiceError } from '../errors';
import type { Logger } from '../logger';
import {
  SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA,
  SPICE_BRUSH_TYPE_NONE,
  SPICE_BRUSH_TYPE_PATTERN,
  SPICE_BRUSH_TYPE_SOLID,
  SPICE_CLIP_TYPE_RECTS,
  SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
  SPICE_IMAGE_SCALE_MODE_NEAREST,
  SPICE_MASK_FLAGS_INVERS,
  SPICE_ROPD_OP_PUT,
  SPICE_SURFACE_FLAGS_PRIMARY,
} from '../protocol/enums';
import type {
  SpiceBrush,
  SpiceClip,
  SpiceMsgDisplayBase,
  SpiceMsgDisplayCopyBits,
  SpiceMsgSurfaceCreate,
  SpiceQMask,
} from '../codecs/display';
import type {
  SpiceMsgDisplayDrawAlphaBlend,
  SpiceMsgDisplayDrawBlackness,
  SpiceMsgDisplayDrawComposite,
  SpiceMsgDisplayDrawCopy,
  SpiceMsgDisplayDrawFill,
  SpiceMsgDisplayDrawOpaque,
  SpiceMsgDisplayDrawRop3,
  SpiceMsgDisplayDrawStroke,
  SpiceMsgDisplayDrawText,
  SpiceMsgDisplayDrawTransparent,
} from '../codecs/display-draw';
import type { SpiceImage } from '../codecs/image';
import { Canvas, imageSource, surfaceSource, scaleToBox, type CanvasBrush, type PixelSource } from './canvas';
import type { ImageCache } from './image-cache';
import type { ImageDecoderTable } from '../decoders/image-decoder';
import { ImageResolver, type ResolvedImage } from './image-resolver';
import { PaletteCache } from './palette-cache';
import { compositeOnto } from './raster-composite';
import { dashPattern, flattenPath, rasterizeThinLines } from './raster-stroke';
import { buildGlyphMask } from './raster-text';
import {
  intersectRegionRect,
  intersectRegions,
  regionExtents,
  regionFromBits,
  regionFromRects,
  type Region,
} from './region';
import { ROP_CLEAR, ROP_COPY, ROP_INVERT, ROP_NOOP, ROP_SET, ropdToRop } from './rop';
import { Surface, rectIsEmpty } from './surface';
import { SurfaceBudget } from './surface-budget';
import type { Rect } from './types';

export interface DisplaySurfacesEvents {
  surfaceCreated(surface: Surface): void;
  surfaceDestroyed(surfaceId: number): void;
  damage(surfaceId: number, rect: Rect): void;
}

export interface DisplaySurfacesDeps {
  imageCache: ImageCache;
  decoders: ImageDecoderTable;
  logger: Logger;
  events: DisplaySurfacesEvents;
  /** Total pixels of all surfaces (shared by the session's display channels); a default-sized one if absent. */
  surfaceBudget?: SurfaceBudget;
}

/** Stroke runs handed to one canvas fill (bounds the temporary rectangle list of a huge stroke). */
const STROKE_FILL_BATCH_RECTS = 4096;

function sameSize(a: Rect, b: Rect): boolean {
  return a.right - a.left === b.right - b.left && a.bottom - a.top === b.bottom - b.top;
}

export class DisplaySurfaces {
  readonly paletteCache: PaletteCache;
  readonly resolver: ImageResolver;
  private readonly surfaces = new Map<number, Surface>();
  private readonly canvases = new Map<number, Canvas>();
  private readonly deps: DisplaySurfacesDeps;
  private readonly budget: SurfaceBudget;

  constructor(deps: DisplaySurfacesDeps) {
    this.deps = deps;
    this.budget = deps.surfaceBudget ?? new SurfaceBudget();
    this.paletteCache = new PaletteCache(deps.logger);
    this.resolver = new ImageResolver({
      imageCache: deps.imageCache,
      paletteCache: this.paletteCache,
      decoders: deps.decoders,
      getSurface: (id) => this.surfaces.get(id),
      logger: deps.logger,
    });
  }

  get(id: number): Surface | undefined {
    return this.surfaces.get(id);
  }

  /** The primary surface, if one exists. */
  get primary(): Surface | undefined {
    for (const s of this.surfaces.values()) if (s.primary) return s;
    return undefined;
  }

  all(): Surface[] {
    return [...this.surfaces.values()];
  }

  // ---- surfaces ----

  create(msg: SpiceMsgSurfaceCreate): Surface {
    if (this.surfaces.has(msg.surface_id)) {
      this.deps.logger.warn(`surface ${msg.surface_id} created twice; replacing it`);
      this.destroy(msg.surface_id);
    }
    // Reserve before allocating: a refused surface must cost nothing.
    this.budget.reserve(msg.surface_id, msg.width, msg.height);
    let surface: Surface;
    try {
      surface = new Surface(
        msg.surface_id,
        msg.width,
        msg.height,
        msg.format,
        (msg.flags & SPICE_SURFACE_FLAGS_PRIMARY) !== 0,
      );
    } catch (e) {
      this.budget.release(msg.width * msg.height);
      throw e;
    }
    this.surfaces.set(surface.id, surface);
    this.canvases.set(surface.id, new Canvas(surface));
    this.deps.events.surfaceCreated(surface);
    return surface;
  }

  destroy(surfaceId: number): void {
    const surface = this.surfaces.get(surfaceId);
    if (!surface) {
      this.deps.logger.warn(`SURFACE_DESTROY for unknown surface ${surfaceId}`);
      return;
    }
    this.surfaces.delete(surfaceId);
    this.budget.release(surface.width * surface.height);
    this.canvases.delete(surfaceId);
    this.deps.events.surfaceDestroyed(surfaceId);
  }

  /** Drops every surface (channel reset / close). */
  destroyAll(): void {
    for (const id of [...this.surfaces.keys()]) this.destroy(id);
  }

  // ---- helpers ----

  private canvasFor(surfaceId: number): Canvas {
    const c = this.canvases.get(surfaceId);
    if (!c) throw new ProtocolError(`draw on surface ${surfaceId}, which does not exist`);
    return c;
  }

  /** box ∩ surface ∩ clip. */
  clipRegion(surface: Surface, box: Rect, clip: SpiceClip): Region {
    const bounded = intersectRegionRect([box], surface.bounds);
    if (clip.type !== SPICE_CLIP_TYPE_RECTS) return bounded;
    const region = intersectRegions(regionFromRects(clip.rects), bounded);
    // Long clip lists are taken as disjoint (regionFromRects); if their pieces cover more pixels than their
    // extents hold, they overlap, and every raster op would run once per overlapping rectangle.
    const e = regionExtents(region);
    if (e) {
      let covered = 0;
      for (const r of region) covered += (r.right - r.left) * (r.bottom - r.top);
      if (covered > (e.right - e.left) * (e.bottom - e.top)) {
        throw new ProtocolError(`clip of ${clip.rects.length} rectangles that overlap`);
      }
    }
    return region;
  }

  private async maskRegion(region: Region, mask: SpiceQMask, box: Rect): Promise<Region> {
    if (!mask.bitmap || region.length === 0) {
      if (mask.bitmap) await this.resolver.touch(mask.bitmap);
      return region;
    }
    const resolved = await this.resolver.resolveMask(mask.bitmap);
    const src = this.source(resolved);
    const invert = (mask.flags & SPICE_MASK_FLAGS_INVERS) !== 0;
    // Mask pixel (mx, my) covers destination (box.left + mx - pos.x, box.top + my - pos.y).
    const dx = box.left - mask.pos.x;
    const dy = box.top - mask.pos.y;
    const e = regionExtents(region)!;
    const x0 = Math.max(0, e.left - dx);
    const y0 = Math.max(0, e.top - dy);
    const x1 = Math.min(src.width, e.right - dx);
    const y1 = Math.min(src.height, e.bottom - dy);
    if (x1 <= x0 || y1 <= y0) return [];
    const d = src.data32;
    const w = src.width;
    const bits = regionFromBits((x, y) => (d[y * w + x]! >>> 24 !== 0) !== invert, x0, y0, x1, y1, dx, dy);
    return intersectRegions(region, bits);
  }

  private source(r: ResolvedImage): PixelSource {
    return r.kind === 'surface' ? surfaceSource(r.surface) : imageSource(r.image);
  }

  private async resolveSource(image: SpiceImage | null, what: string): Promise<PixelSource> {
    if (!image) throw new ProtocolError(`${what} without a source image`);
    return this.source(await this.resolver.resolve(image));
  }

  private async brush(canvas: Canvas, brush: SpiceBrush): Promise<CanvasBrush> {
    switch (brush.type) {
      case SPICE_BRUSH_TYPE_NONE:
        return { kind: 'solid', pixel: canvas.pixel(0) };
      case SPICE_BRUSH_TYPE_SOLID:
        return { kind: 'solid', pixel: canvas.pixel(brush.color) };
      case SPICE_BRUSH_TYPE_PATTERN: {
        const tile = this.source(await this.resolver.resolve(brush.pat));
        return { kind: 'pattern', tile, offsetX: brush.pos.x, offsetY: brush.pos.y };
      }
    }
  }

  private async touchBrush(brush: SpiceBrush): Promise<void> {
    if (brush.type === SPICE_BRUSH_TYPE_PATTERN) await this.resolver.touch(brush.pat);
  }

  private emitDamage(surfaceId: number, region: Region): void {
    const e = regionExtents(region);
    if (e && !rectIsEmpty(e)) this.deps.events.damage(surfaceId, e);
  }

  /** Places a source for the box: positioned as-is when src_area matches the box size, else scaled. */
  private placeSource(
    src: PixelSource,
    srcArea: Rect,
    box: Rect,
    region: Region,
    scaleMode: number,
  ): { source: PixelSource; dx: number; dy: number } {
    if (sameSize(srcArea, box))
      return { source: src, dx: box.left - srcArea.left, dy: box.top - srcArea.top };
    const scaled = scaleToBox(src, srcArea, box, regionExtents(region)!, scaleMode);
    return { source: scaled.source, dx: scaled.left, dy: scaled.top };
  }

  private async prologue(
    base: SpiceMsgDisplayBase,
    mask: SpiceQMask | null,
  ): Promise<{ canvas: Canvas; region: Region }> {
    const canvas = this.canvasFor(base.surface_id);
    let region = this.clipRegion(canvas.surface, base.box, base.clip);
    if (mask) region = await this.maskRegion(region, mask, base.box);
    return { canvas, region };
  }

  // ---- draw commands ----

  async drawFill(msg: SpiceMsgDisplayDrawFill): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, data.mask);
    const rop = ropdToRop(data.rop_descriptor, 'brush', 'dest');
    if (rop === ROP_NOOP || region.length === 0) return this.touchBrush(data.brush);
    canvas.fill(region, await this.brush(canvas, data.brush), rop);
    this.emitDamage(base.surface_id, region);
  }

  /** DRAW_COPY and DRAW_BLEND (same semantics in spice-common). */
  async drawCopy(msg: SpiceMsgDisplayDrawCopy): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, data.mask);
    const rop = ropdToRop(data.rop_descriptor, 'src', 'dest');
    if (rop === ROP_NOOP || region.length === 0) return this.resolver.touch(data.src_bitmap);
    const src = await this.resolveSource(data.src_bitmap, 'copy');
    const placed = this.placeSource(src, data.src_area, base.box, region, data.scale_mode);
    canvas.blit(region, placed.source, placed.dx, placed.dy, rop);
    this.emitDamage(base.surface_id, region);
  }

  async drawOpaque(msg: SpiceMsgDisplayDrawOpaque): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, data.mask);
    const rop = ropdToRop(data.rop_descriptor, 'brush', 'src');
    if (rop === ROP_NOOP || region.length === 0) {
      await this.resolver.touch(data.src_bitmap);
      return this.touchBrush(data.brush);
    }
    const src = await this.resolveSource(data.src_bitmap, 'opaque');
    const placed = this.placeSource(src, data.src_area, base.box, region, data.scale_mode);
    canvas.blit(region, placed.source, placed.dx, placed.dy, ROP_COPY);
    // The brush is then combined with the source just drawn.
    canvas.fill(region, await this.brush(canvas, data.brush), rop);
    this.emitDamage(base.surface_id, region);
  }

  private async drawSolidRop(msg: SpiceMsgDisplayDrawBlackness, rop: number): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, data.mask);
    if (region.length === 0) return;
    canvas.fill(region, { kind: 'solid', pixel: 0 }, rop);
    this.emitDamage(base.surface_id, region);
  }

  drawBlackness(msg: SpiceMsgDisplayDrawBlackness): Promise<void> {
    return this.drawSolidRop(msg, ROP_CLEAR);
  }

  drawWhiteness(msg: SpiceMsgDisplayDrawBlackness): Promise<void> {
    return this.drawSolidRop(msg, ROP_SET);
  }

  drawInvers(msg: SpiceMsgDisplayDrawBlackness): Promise<void> {
    return this.drawSolidRop(msg, ROP_INVERT);
  }

  async drawRop3(msg: SpiceMsgDisplayDrawRop3): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, data.mask);
    if (region.length === 0) {
      await this.resolver.touch(data.src_bitmap);
      return this.touchBrush(data.brush);
    }
    const src = await this.resolveSource(data.src_bitmap, 'rop3');
    const placed = this.placeSource(src, data.src_area, base.box, region, data.scale_mode);
    canvas.rop3(region, placed.source, placed.dx, placed.dy, await this.brush(canvas, data.brush), data.rop3);
    this.emitDamage(base.surface_id, region);
  }

  async drawTransparent(msg: SpiceMsgDisplayDrawTransparent): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (region.length === 0) return this.resolver.touch(data.src_bitmap);
    const src = await this.resolveSource(data.src_bitmap, 'transparent');
    const placed = this.placeSource(src, data.src_area, base.box, region, SPICE_IMAGE_SCALE_MODE_NEAREST);
    // spice-common keys on true_color (src_color is the guest's pre-conversion value).
    canvas.colorKey(region, placed.source, placed.dx, placed.dy, data.true_color);
    this.emitDamage(base.surface_id, region);
  }

  async drawAlphaBlend(msg: SpiceMsgDisplayDrawAlphaBlend): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (data.alpha === 0 || region.length === 0) return this.resolver.touch(data.src_bitmap);
    if (!data.src_bitmap) throw new ProtocolError('alpha blend without a source image');
    const resolved = await this.resolver.resolve(data.src_bitmap);
    const src = this.source(resolved);
    const srcHasAlpha =
      resolved.kind === 'surface'
        ? (data.alpha_flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA) !== 0
        : resolved.image.hasAlpha;
    const placed = this.placeSource(src, data.src_area, base.box, region, SPICE_IMAGE_SCALE_MODE_NEAREST);
    canvas.blend(region, placed.source, placed.dx, placed.dy, data.alpha, srcHasAlpha);
    this.emitDamage(base.surface_id, region);
  }

  async copyBits(msg: SpiceMsgDisplayCopyBits): Promise<void> {
    const { base, src_pos } = msg;
    const { canvas, region } = await this.prologue(base, null);
    const dx = base.box.left - src_pos.x;
    const dy = base.box.top - src_pos.y;
    if (region.length === 0 || (dx === 0 && dy === 0)) return;
    canvas.copyBits(region, dx, dy);
    this.emitDamage(base.surface_id, region);
  }

  async drawStroke(msg: SpiceMsgDisplayDrawStroke): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (region.length === 0) return this.touchBrush(data.brush);
    const rop = ropdToRop(data.fore_mode, 'brush', 'dest');
    const brush = await this.brush(canvas, data.brush);
    if (rop === ROP_NOOP) return;
    const lines = flattenPath(data.path);
    // One byte per pixel of the region's extents: 1 inside the region, 2 once painted. Membership is O(1)
    // whatever the clip's rectangle count, and a pixel crossed twice is painted once (XOR must not cancel).
    const e = regionExtents(region)!;
    const ew = e.right - e.left;
    const eh = e.bottom - e.top;
    const cells = new Uint8Array(ew * eh);
    for (const r of region) {
      for (let y = r.top; y < r.bottom; y++) {
        const row = (y - e.top) * ew - e.left;
        cells.fill(1, row + r.left, row + r.right);
      }
    }
    let any = false;
    rasterizeThinLines(lines, dashPattern(data.attr), (x, y) => {
      const cx = x - e.left;
      const cy = y - e.top;
      if (cx < 0 || cy < 0 || cx >= ew || cy >= eh) return;
      const i = cy * ew + cx;
      if (cells[i] === 1) {
        cells[i] = 2;
        any = true;
      }
    });
    if (!any) return;
    // Painted pixels as horizontal runs, filled in bounded batches (never one object per pixel of the stroke).
    let batch: Rect[] = [];
    let damaged: Rect | null = null;
    const flush = (): void => {
      if (batch.length === 0) return;
      canvas.fill(batch, brush, rop);
      const b = regionExtents(batch)!;
      damaged = damaged
        ? {
            left: Math.min(damaged.left, b.left),
            top: Math.min(damaged.top, b.top),
            right: Math.max(damaged.right, b.right),
            bottom: Math.max(damaged.bottom, b.bottom),
          }
        : b;
      batch = [];
    };
    for (let cy = 0; cy < eh; cy++) {
      const row = cy * ew;
      for (let cx = 0; cx < ew; cx++) {
        if (cells[row + cx] !== 2) continue;
        const start = cx;
        while (cx < ew && cells[row + cx] === 2) cx++;
        batch.push({ left: e.left + start, top: e.top + cy, right: e.left + cx, bottom: e.top + cy + 1 });
        if (batch.length >= STROKE_FILL_BATCH_RECTS) flush();
      }
    }
    flush();
    if (damaged) this.emitDamage(base.surface_id, [damaged]);
  }

  async drawText(msg: SpiceMsgDisplayDrawText): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (region.length === 0) {
      await this.touchBrush(data.fore_brush);
      return this.touchBrush(data.back_brush);
    }
    let damaged: Region = [];
    if (!rectIsEmpty(data.back_area)) {
      if (data.fore_mode !== SPICE_ROPD_OP_PUT) {
        throw new SpiceError(
          'unsupported',
          `text with a back area and fore_mode ${data.fore_mode} (only OP_PUT is defined)`,
        );
      }
      const back = intersectRegionRect(region, data.back_area);
      if (back.length > 0) {
        canvas.fill(back, await this.brush(canvas, data.back_brush), ROP_COPY);
        damaged = back;
      }
    }
    if (data.str.bpp === 0) {
      throw new SpiceError('unsupported', 'text with vector glyphs (no RASTER_A1/A4/A8 flag)');
    }
    const mask = buildGlyphMask(data.str);
    if (mask) {
      const fore = await this.brush(canvas, data.fore_brush);
      canvas.maskedFill(region, fore, mask.coverage, mask.width, mask.height, mask.left, mask.top);
      damaged = [
        ...damaged,
        ...intersectRegionRect(region, {
          left: mask.left,
          top: mask.top,
          right: mask.left + mask.width,
          bottom: mask.top + mask.height,
        }),
      ];
    }
    this.emitDamage(base.surface_id, damaged);
  }

  async drawComposite(msg: SpiceMsgDisplayDrawComposite): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (region.length === 0) {
      await this.resolver.touch(data.src_bitmap);
      return this.resolver.touch(data.mask_bitmap);
    }
    const src = await this.resolveSource(data.src_bitmap, 'composite');
    const mask = data.mask_bitmap ? this.source(await this.resolver.resolve(data.mask_bitmap)) : null;
    compositeOnto(canvas, region, base.box, data, src, mask);
    this.emitDamage(base.surface_id, region);
  }

  /** Draws a decoded video frame (RGBA, top-down) scaled into `dest`, clipped by the stream's clip. */
  drawFrame(surfaceId: number, frame: PixelSource, dest: Rect, clip: SpiceClip): void {
    const canvas = this.canvasFor(surfaceId);
    const region = this.clipRegion(canvas.surface, dest, clip);
    if (region.length === 0) return;
    const full: Rect = { left: 0, top: 0, right: frame.width, bottom: frame.height };
    const placed = this.placeSource(frame, full, dest, region, SPICE_IMAGE_SCALE_MODE_INTERPOLATE);
    canvas.blit(region, placed.source, placed.dx, placed.dy, ROP_COPY);
    this.emitDamage(surfaceId, region);
  }
}
