// One monitor view's display stream: session damage → batches of damaged-rectangle frames for the view.
// Back-pressure: at most `maxInFlight` batches may be unacknowledged (frameAck); damage arriving meanwhile is
// merged into a DamageRegion and its pixels are read from the surface only when the batch is sent, so a slow
// view sees fewer, larger updates of the latest pixels and memory does not grow. Pixels are copied once, from the
// surface straight into the buffer the view's transport sends (ViewPort.sendDamage), with alpha forced to 255.
import type { PortMessage } from '../../../shared/contract';
import type { Rect } from '../../../shared/rect';
import { intersectRect, offsetRect, rectHeight, rectWidth } from '../../../shared/rect';
import type { DisplayMonitor } from '../../spice/channels/display-monitors';
import type { SurfacePixels } from '../session-like';
import { DamageRegion } from './damage-region';

/** Where a stream sends (a ViewPort). */
export interface ViewSink {
  send(message: PortMessage): void;
  sendDamage(rect: Rect, fill: (pixels: Uint8Array) => void): void;
}

export interface MonitorStreamOptions {
  /** Unacknowledged batches allowed in flight (2 lets one be drawn while the next is on the wire). */
  maxInFlight?: number;
  /** Largest number of rectangles kept before merging into one. */
  maxRects?: number;
  /** Defers a flush to after the current burst of events (setImmediate by default). */
  schedule?: (callback: () => void) => { cancel(): void };
}

const defaultSchedule = (callback: () => void) => {
  const handle = setImmediate(callback);
  return { cancel: () => clearImmediate(handle) };
};

/**
 * Copies `rect` of an RGBA surface into `out` (tightly packed rows) with alpha 255: row by row (memcpy) when the
 * surface is opaque already, else forcing alpha in one pass of 32-bit words (bytes when a buffer is unaligned).
 */
export function copyRectInto(surface: SurfacePixels, rect: Rect, out: Uint8Array): void {
  const width = rectWidth(rect);
  const height = rectHeight(rect);
  const src = surface.pixels;
  if (surface.alphaRule === 'opaque') {
    const rowBytes = width * 4;
    for (let row = 0; row < height; row++) {
      const start = ((rect.top + row) * surface.width + rect.left) * 4;
      out.set(src.subarray(start, start + rowBytes), row * rowBytes);
    }
    return;
  }
  if (src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    const s32 = new Uint32Array(src.buffer, src.byteOffset, src.byteLength >> 2);
    const d32 = new Uint32Array(out.buffer, out.byteOffset, width * height);
    let d = 0;
    for (let row = 0; row < height; row++) {
      let s = (rect.top + row) * surface.width + rect.left;
      const end = s + width;
      while (s < end) d32[d++] = s32[s++]! | 0xff000000;
    }
    return;
  }
  const rowBytes = width * 4;
  for (let row = 0; row < height; row++) {
    const start = ((rect.top + row) * surface.width + rect.left) * 4;
    out.set(src.subarray(start, start + rowBytes), row * rowBytes);
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
}

/** A sendDamage for sinks that have no buffer of their own: a fresh buffer in a 'damage' message. */
export function damageAsMessage(send: (message: PortMessage) => void): ViewSink['sendDamage'] {
  return (rect, fill) => {
    const pixels = new Uint8Array(rectWidth(rect) * rectHeight(rect) * 4);
    fill(pixels);
    send({ kind: 'damage', rect, pixels });
  };
}

export class MonitorStream {
  private area: DisplayMonitor | undefined;
  private readonly region: DamageRegion;
  private readonly maxInFlight: number;
  private readonly schedule: (callback: () => void) => { cancel(): void };
  private pendingFlush: { cancel(): void } | undefined;
  private seq = 0;
  private ackedSeq = 0;
  private disposed = false;
  /** Counters for tests and diagnostics. */
  readonly stats = { batches: 0, rects: 0, bytes: 0 };

  constructor(
    private readonly sink: ViewSink,
    private readonly readSurface: (channelId: number, surfaceId: number) => SurfacePixels | undefined,
    options: MonitorStreamOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.region = new DamageRegion(options.maxRects ?? 16);
    this.schedule = options.schedule ?? defaultSchedule;
  }

  get currentArea(): DisplayMonitor | undefined {
    return this.area;
  }

  get inFlight(): number {
    return this.seq - this.ackedSeq;
  }

  get hasPendingDamage(): boolean {
    return !this.region.isEmpty;
  }

  /** Sets (or clears) what this view shows; a change resizes the renderer's canvas and resends everything. */
  setArea(area: DisplayMonitor | undefined): void {
    const old = this.area;
    this.area = area;
    if (!area) {
      this.region.clear();
      return;
    }
    const width = rectWidth(area.area);
    const height = rectHeight(area.area);
    if (!old || rectWidth(old.area) !== width || rectHeight(old.area) !== height) {
      this.sink.send({ kind: 'surface', width, height });
    }
    this.invalidateAll();
  }

  /** Re-sends the whole monitor (after setArea, or when a view (re)attaches). */
  invalidateAll(): void {
    const area = this.area;
    if (!area) return;
    this.region.clear();
    this.region.add(offsetRect(area.area, -area.area.left, -area.area.top));
    this.requestFlush();
  }

  /** Damage on (channelId, surfaceId) in surface pixels. */
  damage(channelId: number, surfaceId: number, rect: Rect): void {
    const area = this.area;
    if (!area || area.channelId !== channelId || area.surfaceId !== surfaceId) return;
    const clipped = intersectRect(rect, area.area);
    if (!clipped) return;
    this.region.add(offsetRect(clipped, -area.area.left, -area.area.top));
    this.requestFlush();
  }

  /** The renderer drew every batch up to `seq`. */
  ack(seq: number): void {
    if (seq > this.ackedSeq && seq <= this.seq) this.ackedSeq = seq;
    if (!this.region.isEmpty) this.requestFlush();
  }

  /** Forgets unacknowledged batches (a renderer reload starts from scratch). */
  resetFlow(): void {
    this.ackedSeq = this.seq;
  }

  private requestFlush(): void {
    if (this.pendingFlush || this.disposed) return;
    this.pendingFlush = this.schedule(() => {
      this.pendingFlush = undefined;
      this.flush();
    });
  }

  /** Sends one batch now if the renderer has room; otherwise leaves the damage merged for later. */
  flush(): void {
    const area = this.area;
    if (this.disposed || !area || this.region.isEmpty || this.inFlight >= this.maxInFlight) return;
    const surface = this.readSurface(area.channelId, area.surfaceId);
    if (!surface) return;
    // The surface may be smaller than the area for a moment (resize in progress): clip to both.
    const visible = intersectRect(area.area, {
      left: 0,
      top: 0,
      right: surface.width,
      bottom: surface.height,
    });
    const rects = this.region.take();
    if (!visible) return;
    let sent = 0;
    for (const rect of rects) {
      const abs = intersectRect(offsetRect(rect, area.area.left, area.area.top), visible);
      if (!abs) continue;
      this.sink.sendDamage(offsetRect(abs, -area.area.left, -area.area.top), (out) =>
        copyRectInto(surface, abs, out),
      );
      sent++;
      this.stats.rects++;
      this.stats.bytes += rectWidth(abs) * rectHeight(abs) * 4;
    }
    if (sent === 0) return;
    this.seq++;
    this.stats.batches++;
    this.sink.send({ kind: 'frame-end', seq: this.seq });
  }

  dispose(): void {
    this.disposed = true;
    this.pendingFlush?.cancel();
    this.pendingFlush = undefined;
    this.region.clear();
  }
}
