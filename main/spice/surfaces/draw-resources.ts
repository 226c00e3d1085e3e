// The bounded resources of a draw: runs a draw band by band against the channel's work meter, holds decoded
// images, snapshots and temporary maps against the session's memory budget until the draw ends, checks images
// before decoding them (image-limits.ts), and copies a source that is also the destination before banding.

import { ProtocolError } from '../errors';
import type { MemoryBudget } from '../memory-budget';
import type { WorkMeter } from '../work-budget';
import {
  SPICE_BRUSH_TYPE_NONE,
  SPICE_BRUSH_TYPE_PATTERN,
  SPICE_BRUSH_TYPE_SOLID,
  SPICE_MASK_FLAGS_INVERS,
} from '../protocol/enums';
import type { SpiceBrush, SpiceQMask } from '../codecs/display';
import type { SpiceImage } from '../codecs/image';
import { BAND_PIXELS, regionArea, splitIntoBands } from './bands';
import {
  imageSource,
  snapshot,
  surfaceSource,
  scaleToBox,
  type Canvas,
  type CanvasBrush,
  type PixelSource,
} from './canvas';
import { checkImageBeforeDecode, imageAllocates } from './image-limits';
import { imageNeedsTouch, type ImageResolver, type ResolvedImage } from './image-resolver';
import { intersectRegions, regionExtents, regionFromBits, type Region } from './region';
import { intersectRect } from './surface';
import type { Rect } from './types';

export interface DrawResourcesDeps {
  memory: MemoryBudget;
  work: WorkMeter;
  resolver: ImageResolver;
  /** Capacity of the image cache (pixels). */
  cachePixels: number;
}

export function sameSize(a: Rect, b: Rect): boolean {
  return a.right - a.left === b.right - b.left && a.bottom - a.top === b.bottom - b.top;
}

function grow(r: Rect, by: number): Rect {
  return { left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by };
}

export class DrawResources {
  /** Memory held by the draw in progress, released when it ends. */
  private held: (() => void)[] = [];

  constructor(private readonly deps: DrawResourcesDeps) {}

  /** Runs one draw; whatever it held (decoded images, snapshots) is released however it ends. */
  async guarded(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } finally {
      this.releaseHeld();
    }
  }

  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  /** Charges `bytes` held until the current draw ends. */
  hold(bytes: number, what: string): void {
    this.held.push(this.deps.memory.reserve(bytes, what));
  }

  /**
   * Runs `step` over `region` one band at a time: each band's pixels are charged to the message's work budget
   * (throws past it) and the channel yields between bands when its slice is used up.
   */
  async paint(region: Region, what: string, step: (band: Region) => void, bottomUp = false): Promise<void> {
    for (const band of splitIntoBands(region, BAND_PIXELS, bottomUp)) {
      this.deps.work.charge(regionArea(band), what);
      step(band);
      await this.deps.work.pause();
    }
  }

  /** Resolves an image for a draw on `canvas`, refusing before decoding what it could not use. */
  async resolveFor(canvas: Canvas, image: SpiceImage): Promise<ResolvedImage> {
    const surface = canvas.surface;
    checkImageBeforeDecode(image, {
      maxPixels: surface.width * surface.height,
      target: `surface ${surface.id} (${surface.width}x${surface.height})`,
      cachePixels: this.deps.cachePixels,
    });
    if (imageAllocates(image)) {
      const { width, height, id } = image.descriptor;
      this.hold(width * height * 4, `decoding image ${id} (${width}x${height})`);
    }
    return this.deps.resolver.resolve(image);
  }

  async touch(canvas: Canvas, image: SpiceImage | null): Promise<void> {
    if (image && imageNeedsTouch(image)) await this.resolveFor(canvas, image);
  }

  async maskRegion(canvas: Canvas, region: Region, mask: SpiceQMask, box: Rect): Promise<Region> {
    if (!mask.bitmap || region.length === 0) {
      if (mask.bitmap) await this.touch(canvas, mask.bitmap);
      return region;
    }
    const s = canvas.surface;
    checkImageBeforeDecode(mask.bitmap, {
      maxPixels: s.width * s.height,
      target: `surface ${s.id} (${s.width}x${s.height})`,
      cachePixels: this.deps.cachePixels,
    });
    if (imageAllocates(mask.bitmap)) {
      const { width, height } = mask.bitmap.descriptor;
      this.hold(width * height * 4, `a ${width}x${height} mask`);
    }
    const resolved = await this.deps.resolver.resolveMask(mask.bitmap);
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
    this.deps.work.charge((x1 - x0) * (y1 - y0), 'the mask');
    const d = src.data32;
    const w = src.width;
    const bits = regionFromBits((x, y) => (d[y * w + x]! >>> 24 !== 0) !== invert, x0, y0, x1, y1, dx, dy);
    return intersectRegions(region, bits);
  }

  source(r: ResolvedImage): PixelSource {
    return r.kind === 'surface' ? surfaceSource(r.surface) : imageSource(r.image);
  }

  async resolveSource(canvas: Canvas, image: SpiceImage | null, what: string): Promise<PixelSource> {
    if (!image) throw new ProtocolError(`${what} without a source image`);
    return this.source(await this.resolveFor(canvas, image));
  }

  /**
   * A source that may be the destination surface itself is copied first (the part the draw reads), so drawing
   * band by band never reads pixels an earlier band already changed. Returns the source and its area to read.
   */
  detached(
    canvas: Canvas,
    src: PixelSource,
    srcArea: Rect,
    box: Rect,
    region: Region,
  ): { src: PixelSource; srcArea: Rect } {
    if (src.data32.buffer !== canvas.surface.data32.buffer) return { src, srcArea };
    let need: Rect;
    if (sameSize(srcArea, box)) {
      const e = regionExtents(region)!;
      const dx = box.left - srcArea.left;
      const dy = box.top - srcArea.top;
      need = { left: e.left - dx, top: e.top - dy, right: e.right - dx, bottom: e.bottom - dy };
    } else {
      need = grow(srcArea, 1); // bilinear reads one pixel beyond the area
    }
    const bounded = intersectRect(need, { left: 0, top: 0, right: src.width, bottom: src.height });
    if (!bounded) return { src, srcArea };
    const pixels = (bounded.right - bounded.left) * (bounded.bottom - bounded.top);
    this.hold(
      pixels * 4,
      `a ${bounded.right - bounded.left}x${bounded.bottom - bounded.top} copy of the surface`,
    );
    this.deps.work.charge(pixels, 'copying the source');
    const snap = snapshot(src, bounded);
    return {
      src: snap.source,
      srcArea: {
        left: srcArea.left - snap.left,
        top: srcArea.top - snap.top,
        right: srcArea.right - snap.left,
        bottom: srcArea.bottom - snap.top,
      },
    };
  }

  async brush(canvas: Canvas, brush: SpiceBrush): Promise<CanvasBrush> {
    switch (brush.type) {
      case SPICE_BRUSH_TYPE_NONE:
        return { kind: 'solid', pixel: canvas.pixel(0) };
      case SPICE_BRUSH_TYPE_SOLID:
        return { kind: 'solid', pixel: canvas.pixel(brush.color) };
      case SPICE_BRUSH_TYPE_PATTERN: {
        const tile = this.source(await this.resolveFor(canvas, brush.pat));
        if (tile.data32.buffer !== canvas.surface.data32.buffer) {
          return { kind: 'pattern', tile, offsetX: brush.pos.x, offsetY: brush.pos.y };
        }
        // A pattern taken from the surface being drawn: copy it once (it is read on every band).
        this.hold(tile.width * tile.height * 4, 'a pattern copied from the surface');
        const own = snapshot(tile, { left: 0, top: 0, right: tile.width, bottom: tile.height }).source;
        return { kind: 'pattern', tile: own, offsetX: brush.pos.x, offsetY: brush.pos.y };
      }
    }
  }

  async touchBrush(canvas: Canvas, brush: SpiceBrush): Promise<void> {
    if (brush.type === SPICE_BRUSH_TYPE_PATTERN) await this.touch(canvas, brush.pat);
  }

  /** Places a source for the box: positioned as-is when src_area matches the box size, else scaled. */
  placeSource(
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

  /** A source image drawn into `box` over `region` with `draw(band, source, dx, dy)`, band by band. */
  async paintSource(
    canvas: Canvas,
    region: Region,
    image: SpiceImage | null,
    srcArea: Rect,
    box: Rect,
    scaleMode: number,
    what: string,
    draw: (band: Region, source: PixelSource, dx: number, dy: number) => void,
  ): Promise<void> {
    const resolved = await this.resolveSource(canvas, image, what);
    const own = this.detached(canvas, resolved, srcArea, box, region);
    await this.paint(region, what, (band) => {
      const placed = this.placeSource(own.src, own.srcArea, box, band, scaleMode);
      draw(band, placed.source, placed.dx, placed.dy);
    });
  }
}
