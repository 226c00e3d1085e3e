// The surfaces of one display channel and the execution of its parsed draw commands: destination region
// (box ∩ surface ∩ clip ∩ mask), image and brush resolution through the caches and decoders, the raster op,
// then damage. Pure protocol logic with no I/O, so the display channel stays a thin adapter and everything
// here is testable with hand-made messages.
// Every draw is bounded: it runs band by band (bands.ts), charging each band's pixels to the channel's work meter
// and yielding when the time slice is used up; decoded images, snapshots and stroke maps are charged to the
// session's memory budget while they live, and images are checked against what they can touch before decoding.

import { ProtocolError, SpiceError } from '../errors';
import type { Logger } from '../logger';
import { MemoryBudget } from '../memory-budget';
import { WorkMeter } from '../work-budget';
import {
  SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA,
  SPICE_CLIP_TYPE_RECTS,
  SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
  SPICE_IMAGE_SCALE_MODE_NEAREST,
  SPICE_ROPD_OP_PUT,
  SPICE_SURFACE_FLAGS_PRIMARY,
} from '../protocol/enums';
import type {
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
import { Canvas, snapshot, surfaceSource, type PixelSource } from './canvas';
import type { ImageCache } from './image-cache';
import type { ImageDecoderTable } from '../decoders/image-decoder';
import { DrawResources } from './draw-resources';
import { ImageResolver } from './image-resolver';
import { PaletteCache } from './palette-cache';
import { compositeOnto } from './raster-composite';
import { dashPattern, flattenPath, rasterizeThinLines, strokeSteps } from './raster-stroke';
import { buildGlyphMask } from './raster-text';
import { intersectRegionRect, intersectRegions, regionExtents, regionFromRects, type Region } from './region';
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
  /** The session's memory budget (surfaces, decoded images, snapshots); a default-sized one if absent. */
  memory?: MemoryBudget;
  /** The channel's work meter (pixels per message, time slice); a default one if absent. */
  work?: WorkMeter;
}

/** Stroke runs handed to one canvas fill (bounds the temporary rectangle list of a huge stroke). */
const STROKE_FILL_BATCH_RECTS = 4096;

export class DisplaySurfaces {
  readonly paletteCache: PaletteCache;
  readonly resolver: ImageResolver;
  private readonly surfaces = new Map<number, Surface>();
  private readonly canvases = new Map<number, Canvas>();
  private readonly surfaceMemory = new Map<number, () => void>();
  private readonly deps: DisplaySurfacesDeps;
  private readonly budget: SurfaceBudget;
  private readonly memory: MemoryBudget;
  private readonly work: WorkMeter;
  /** Bounded work and memory of the draw in progress. */
  private readonly r: DrawResources;

  constructor(deps: DisplaySurfacesDeps) {
    this.deps = deps;
    this.budget = deps.surfaceBudget ?? new SurfaceBudget();
    this.memory = deps.memory ?? new MemoryBudget();
    this.work = deps.work ?? new WorkMeter();
    this.paletteCache = new PaletteCache(deps.logger);
    this.resolver = new ImageResolver({
      imageCache: deps.imageCache,
      paletteCache: this.paletteCache,
      decoders: deps.decoders,
      getSurface: (id) => this.surfaces.get(id),
      logger: deps.logger,
    });
    this.r = new DrawResources({
      memory: this.memory,
      work: this.work,
      resolver: this.resolver,
      cachePixels: deps.imageCache.capacityPixels,
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
    let releaseMemory: () => void;
    try {
      releaseMemory = this.memory.reserve(
        msg.width * msg.height * 4,
        `surface ${msg.surface_id} (${msg.width}x${msg.height})`,
      );
    } catch (e) {
      this.budget.release(msg.width * msg.height);
      throw e;
    }
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
      releaseMemory();
      throw e;
    }
    this.surfaces.set(surface.id, surface);
    this.surfaceMemory.set(surface.id, releaseMemory);
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
    this.surfaceMemory.get(surfaceId)?.();
    this.surfaceMemory.delete(surfaceId);
    this.canvases.delete(surfaceId);
    this.deps.events.surfaceDestroyed(surfaceId);
  }

  /** Drops every surface (channel reset / close) and whatever a draw in progress held. */
  destroyAll(): void {
    for (const id of [...this.surfaces.keys()]) this.destroy(id);
    this.r.releaseHeld();
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

  private emitDamage(surfaceId: number, region: Region): void {
    const e = regionExtents(region);
    if (e && !rectIsEmpty(e)) this.deps.events.damage(surfaceId, e);
  }

  private async prologue(
    base: SpiceMsgDisplayBase,
    mask: SpiceQMask | null,
  ): Promise<{ canvas: Canvas; region: Region }> {
    const canvas = this.canvasFor(base.surface_id);
    let region = this.clipRegion(canvas.surface, base.box, base.clip);
    if (mask) region = await this.r.maskRegion(canvas, region, mask, base.box);
    return { canvas, region };
  }

  // ---- draw commands ----

  drawFill(msg: SpiceMsgDisplayDrawFill): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, data.mask);
      const rop = ropdToRop(data.rop_descriptor, 'brush', 'dest');
      if (rop === ROP_NOOP || region.length === 0) return this.r.touchBrush(canvas, data.brush);
      const brush = await this.r.brush(canvas, data.brush);
      await this.r.paint(region, 'fill', (band) => canvas.fill(band, brush, rop));
      this.emitDamage(base.surface_id, region);
    });
  }

  /** DRAW_COPY and DRAW_BLEND (same semantics in spice-common). */
  drawCopy(msg: SpiceMsgDisplayDrawCopy): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, data.mask);
      const rop = ropdToRop(data.rop_descriptor, 'src', 'dest');
      if (rop === ROP_NOOP || region.length === 0) return this.r.touch(canvas, data.src_bitmap);
      await this.r.paintSource(
        canvas,
        region,
        data.src_bitmap,
        data.src_area,
        base.box,
        data.scale_mode,
        'copy',
        (band, source, dx, dy) => canvas.blit(band, source, dx, dy, rop),
      );
      this.emitDamage(base.surface_id, region);
    });
  }

  drawOpaque(msg: SpiceMsgDisplayDrawOpaque): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, data.mask);
      const rop = ropdToRop(data.rop_descriptor, 'brush', 'src');
      if (rop === ROP_NOOP || region.length === 0) {
        await this.r.touch(canvas, data.src_bitmap);
        return this.r.touchBrush(canvas, data.brush);
      }
      const brush = await this.r.brush(canvas, data.brush);
      await this.r.paintSource(
        canvas,
        region,
        data.src_bitmap,
        data.src_area,
        base.box,
        data.scale_mode,
        'opaque',
        (band, source, dx, dy) => {
          canvas.blit(band, source, dx, dy, ROP_COPY);
          // The brush is then combined with the source just drawn.
          canvas.fill(band, brush, rop);
        },
      );
      this.emitDamage(base.surface_id, region);
    });
  }

  private drawSolidRop(msg: SpiceMsgDisplayDrawBlackness, rop: number): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, data.mask);
      if (region.length === 0) return;
      await this.r.paint(region, 'fill', (band) => canvas.fill(band, { kind: 'solid', pixel: 0 }, rop));
      this.emitDamage(base.surface_id, region);
    });
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

  drawRop3(msg: SpiceMsgDisplayDrawRop3): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, data.mask);
      if (region.length === 0) {
        await this.r.touch(canvas, data.src_bitmap);
        return this.r.touchBrush(canvas, data.brush);
      }
      const brush = await this.r.brush(canvas, data.brush);
      await this.r.paintSource(
        canvas,
        region,
        data.src_bitmap,
        data.src_area,
        base.box,
        data.scale_mode,
        'rop3',
        (band, source, dx, dy) => canvas.rop3(band, source, dx, dy, brush, data.rop3),
      );
      this.emitDamage(base.surface_id, region);
    });
  }

  drawTransparent(msg: SpiceMsgDisplayDrawTransparent): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, null);
      if (region.length === 0) return this.r.touch(canvas, data.src_bitmap);
      // spice-common keys on true_color (src_color is the guest's pre-conversion value).
      await this.r.paintSource(
        canvas,
        region,
        data.src_bitmap,
        data.src_area,
        base.box,
        SPICE_IMAGE_SCALE_MODE_NEAREST,
        'transparent',
        (band, source, dx, dy) => canvas.colorKey(band, source, dx, dy, data.true_color),
      );
      this.emitDamage(base.surface_id, region);
    });
  }

  drawAlphaBlend(msg: SpiceMsgDisplayDrawAlphaBlend): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, null);
      if (data.alpha === 0 || region.length === 0) return this.r.touch(canvas, data.src_bitmap);
      if (!data.src_bitmap) throw new ProtocolError('alpha blend without a source image');
      const resolved = await this.r.resolveFor(canvas, data.src_bitmap);
      const srcHasAlpha =
        resolved.kind === 'surface'
          ? (data.alpha_flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA) !== 0
          : resolved.image.hasAlpha;
      const own = this.r.detached(canvas, this.r.source(resolved), data.src_area, base.box, region);
      await this.r.paint(region, 'alpha blend', (band) => {
        const placed = this.r.placeSource(
          own.src,
          own.srcArea,
          base.box,
          band,
          SPICE_IMAGE_SCALE_MODE_NEAREST,
        );
        canvas.blend(band, placed.source, placed.dx, placed.dy, data.alpha, srcHasAlpha);
      });
      this.emitDamage(base.surface_id, region);
    });
  }

  copyBits(msg: SpiceMsgDisplayCopyBits): Promise<void> {
    return this.r.guarded(async () => {
      const { base, src_pos } = msg;
      const { canvas, region } = await this.prologue(base, null);
      const dx = base.box.left - src_pos.x;
      const dy = base.box.top - src_pos.y;
      if (region.length === 0 || (dx === 0 && dy === 0)) return;
      if (region.length === 1) {
        // One rectangle moves in place; bands go in the order that never reads a row already overwritten.
        await this.r.paint(region, 'copy bits', (band) => canvas.copyBits(band, dx, dy), dy > 0);
      } else {
        // Several rectangles may feed each other: read from a copy of what they cover.
        const e = regionExtents(region)!;
        const area = { left: e.left - dx, top: e.top - dy, right: e.right - dx, bottom: e.bottom - dy };
        const own = this.r.detached(canvas, surfaceSource(canvas.surface), area, e, region);
        await this.r.paint(region, 'copy bits', (band) => {
          const placed = this.r.placeSource(own.src, own.srcArea, e, band, SPICE_IMAGE_SCALE_MODE_NEAREST);
          canvas.blit(band, placed.source, placed.dx, placed.dy, ROP_COPY);
        });
      }
      this.emitDamage(base.surface_id, region);
    });
  }

  drawStroke(msg: SpiceMsgDisplayDrawStroke): Promise<void> {
    return this.r.guarded(() => this.stroke(msg));
  }

  private async stroke(msg: SpiceMsgDisplayDrawStroke): Promise<void> {
    const { base, data } = msg;
    const { canvas, region } = await this.prologue(base, null);
    if (region.length === 0) return this.r.touchBrush(canvas, data.brush);
    const rop = ropdToRop(data.fore_mode, 'brush', 'dest');
    const brush = await this.r.brush(canvas, data.brush);
    if (rop === ROP_NOOP) return;
    const lines = flattenPath(data.path);
    // Walking a line costs its length, even where the surface clips it away.
    this.work.charge(strokeSteps(lines), 'the stroke path');
    // One byte per pixel of the region's extents: 1 inside the region, 2 once painted. Membership is O(1)
    // whatever the clip's rectangle count, and a pixel crossed twice is painted once (XOR must not cancel).
    const e = regionExtents(region)!;
    const ew = e.right - e.left;
    const eh = e.bottom - e.top;
    this.r.hold(ew * eh, `a ${ew}x${eh} stroke map`);
    this.work.charge(ew * eh, 'the stroke map');
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
    const flush = async (): Promise<void> => {
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
      await this.work.pause();
    };
    for (let cy = 0; cy < eh; cy++) {
      const row = cy * ew;
      for (let cx = 0; cx < ew; cx++) {
        if (cells[row + cx] !== 2) continue;
        const start = cx;
        while (cx < ew && cells[row + cx] === 2) cx++;
        batch.push({ left: e.left + start, top: e.top + cy, right: e.left + cx, bottom: e.top + cy + 1 });
        if (batch.length >= STROKE_FILL_BATCH_RECTS) await flush();
      }
    }
    await flush();
    if (damaged) this.emitDamage(base.surface_id, [damaged]);
  }

  drawText(msg: SpiceMsgDisplayDrawText): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, null);
      if (region.length === 0) {
        await this.r.touchBrush(canvas, data.fore_brush);
        return this.r.touchBrush(canvas, data.back_brush);
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
          const backBrush = await this.r.brush(canvas, data.back_brush);
          await this.r.paint(back, 'text background', (band) => canvas.fill(band, backBrush, ROP_COPY));
          damaged = back;
        }
      }
      if (data.str.bpp === 0) {
        throw new SpiceError('unsupported', 'text with vector glyphs (no RASTER_A1/A4/A8 flag)');
      }
      const mask = buildGlyphMask(data.str);
      if (mask) {
        const fore = await this.r.brush(canvas, data.fore_brush);
        await this.r.paint(region, 'text', (band) =>
          canvas.maskedFill(band, fore, mask.coverage, mask.width, mask.height, mask.left, mask.top),
        );
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
    });
  }

  drawComposite(msg: SpiceMsgDisplayDrawComposite): Promise<void> {
    return this.r.guarded(async () => {
      const { base, data } = msg;
      const { canvas, region } = await this.prologue(base, null);
      if (region.length === 0) {
        await this.r.touch(canvas, data.src_bitmap);
        return this.r.touch(canvas, data.mask_bitmap);
      }
      // Transforms may read anywhere in the operands: one taken from the destination is copied whole first.
      const whole = (src: PixelSource): PixelSource => {
        if (src.data32.buffer !== canvas.surface.data32.buffer) return src;
        this.r.hold(src.width * src.height * 4, 'a copy of the surface for composite');
        return snapshot(src, { left: 0, top: 0, right: src.width, bottom: src.height }).source;
      };
      const src = whole(await this.r.resolveSource(canvas, data.src_bitmap, 'composite'));
      const mask = data.mask_bitmap
        ? whole(this.r.source(await this.r.resolveFor(canvas, data.mask_bitmap)))
        : null;
      await this.r.paint(region, 'composite', (band) =>
        compositeOnto(canvas, band, base.box, data, src, mask),
      );
      this.emitDamage(base.surface_id, region);
    });
  }

  /** Draws a decoded video frame (RGBA, top-down) scaled into `dest`, clipped by the stream's clip. */
  drawFrame(surfaceId: number, frame: PixelSource, dest: Rect, clip: SpiceClip): Promise<void> {
    return this.r.guarded(async () => {
      const canvas = this.canvasFor(surfaceId);
      const region = this.clipRegion(canvas.surface, dest, clip);
      if (region.length === 0) return;
      const full: Rect = { left: 0, top: 0, right: frame.width, bottom: frame.height };
      await this.r.paint(region, 'video frame', (band) => {
        const placed = this.r.placeSource(frame, full, dest, band, SPICE_IMAGE_SCALE_MODE_INTERPOLATE);
        canvas.blit(band, placed.source, placed.dx, placed.dy, ROP_COPY);
      });
      this.emitDamage(surfaceId, region);
    });
  }
}
