// The GLZ dictionary of one session: decoded images that later GLZ images reference by id.
//
// One GlzWindow per session and glz dictionary id, shared by every display channel that announced that id in
// DISPLAY_INIT (REFERENCES G18/G19). Images are kept in *stream order* (the order the encoder saw the pixels, before
// any bottom-up flip), as RGBA u32 words, because references address pixels by their index in that order
// (spice-gtk decode-glz.c). Retirement follows spice-gtk: once images are contiguous up to id T, everything older
// than T − win_head_dist(T) is released. Images may arrive out of order across channels, so a reference to an id
// not present yet waits (waitFor) until it arrives, the window is reset, or the wait times out (ProtocolError).
// Memory is bounded: stored pixels never exceed `capPixels` (by default twice the announced window, at least 4M);
// beyond that the oldest images are evicted and later references to them fail with ProtocolError.
import { ProtocolError } from '../errors';
import { StallBudget } from '../stall-budget';

export interface GlzWindowEntry {
  /** Stream-order RGBA words (little-endian R,G,B,A bytes). Never modified once stored. */
  readonly pixels: Uint32Array;
  /** True when the image carried real alpha (GLZ RGBA). */
  readonly hasAlpha: boolean;
}

export interface GlzWindowOptions {
  /** How long a reference to a missing image may wait for it (default 5000 ms). */
  waitTimeoutMs?: number;
  /** Upper bound of stored pixels (default max(2 × window, 4M pixels), at most 256M). */
  capPixels?: number;
  /** Total time references to images that never arrive may wait, for the whole window (stall-budget.ts). */
  stallBudgetMs?: number;
}

interface Waiter {
  id: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const MIN_CAP_PIXELS = 4 << 20;
const MAX_CAP_PIXELS = 256 << 20;

export class GlzWindow {
  /** The window size in pixels the client announced in DISPLAY_INIT. */
  readonly windowSizePixels: number;
  readonly capPixels: number;
  readonly waitTimeoutMs: number;
  private readonly images = new Map<number, GlzWindowEntry>();
  private storedPixels = 0;
  /** Next id expected to close the contiguous run of arrived images (undefined until the first image). */
  private tail: number | undefined;
  /** Ids below this were retired or evicted: references to them fail at once. */
  private retiredBelow = 0;
  private waiters: Waiter[] = [];
  /** Win-head distances by id, for the retirement rule. */
  private readonly headDist = new Map<number, number>();
  /** Waits that time out are charged here: a server referencing never-sent images stalls seconds in all. */
  private readonly stalls: StallBudget;
  /** No stored id is below this (undefined when empty): retirement walks up from here instead of over every id. */
  private lowest: number | undefined;

  constructor(windowSizePixels: number, opts: GlzWindowOptions = {}) {
    if (!Number.isFinite(windowSizePixels) || windowSizePixels < 0) {
      throw new RangeError(`GLZ window size ${windowSizePixels} is not a pixel count`);
    }
    this.windowSizePixels = Math.floor(windowSizePixels);
    this.capPixels = Math.min(
      MAX_CAP_PIXELS,
      opts.capPixels ?? Math.max(MIN_CAP_PIXELS, 2 * this.windowSizePixels),
    );
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 5000;
    this.stalls = new StallBudget(opts.stallBudgetMs);
  }

  /** Number of images held. */
  get size(): number {
    return this.images.size;
  }

  /** Pixels held (sum over images). */
  get pixelCount(): number {
    return this.storedPixels;
  }

  get(id: number): GlzWindowEntry | undefined {
    return this.images.get(id);
  }

  has(id: number): boolean {
    return this.images.has(id);
  }

  /**
   * Stores a decoded image (stream order) and retires what the server no longer references. The window keeps
   * `pixels` without copying; the caller must not modify it afterwards.
   */
  add(id: number, winHeadDist: number, pixels: Uint32Array, hasAlpha: boolean): void {
    if (pixels.length > this.capPixels) {
      throw new ProtocolError(
        `GLZ: image of ${pixels.length} pixels exceeds the dictionary cap ${this.capPixels}`,
      );
    }
    const old = this.images.get(id);
    if (old !== undefined) this.storedPixels -= old.pixels.length;
    this.images.set(id, { pixels, hasAlpha });
    this.headDist.set(id, winHeadDist);
    this.storedPixels += pixels.length;
    if (this.lowest === undefined || id < this.lowest) this.lowest = id;

    if (this.tail === undefined || (id < this.tail && this.images.size === 1)) this.tail = id;
    while (this.images.has(this.tail)) this.tail++;
    const newest = this.tail - 1;
    const dist = this.headDist.get(newest);
    if (dist !== undefined) this.releaseBelow(newest - dist);

    // Bound memory: evict the oldest images (never the one just added).
    if (this.storedPixels > this.capPixels) {
      for (const old of this.idsAscending()) {
        if (this.storedPixels <= this.capPixels) break;
        if (old === id) continue;
        this.delete(old);
        if (old + 1 > this.retiredBelow) this.retiredBelow = old + 1;
      }
    }

    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => this.images.has(w.id));
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => !this.images.has(w.id));
        for (const w of ready) {
          clearTimeout(w.timer);
          w.resolve();
        }
      }
    }
  }

  /**
   * Resolves once image `id` is present. Rejects with ProtocolError if it was retired, on timeout, or when the
   * window is reset meanwhile.
   */
  waitFor(id: number, timeoutMs: number = this.waitTimeoutMs): Promise<void> {
    if (this.images.has(id)) return Promise.resolve();
    if (id < this.retiredBelow) {
      return Promise.reject(new ProtocolError(`GLZ: reference to image ${id}, which was already released`));
    }
    const waitMs = this.stalls.timeoutFor(timeoutMs);
    if (waitMs <= 0) {
      return Promise.reject(
        new ProtocolError(
          `GLZ: image ${id} referenced but not received (earlier references already waited in vain; not waiting again)`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        this.stalls.charge(waitMs);
        reject(new ProtocolError(`GLZ: image ${id} referenced but not received within ${waitMs} ms`));
      }, waitMs);
      this.waiters.push({ id, resolve, reject, timer });
    });
  }

  /** Drops every image and fails pending waits (display RESET, INVAL_ALL_PIXMAPS with a new dictionary, …). */
  reset(): void {
    this.images.clear();
    this.headDist.clear();
    this.storedPixels = 0;
    this.tail = undefined;
    this.lowest = undefined;
    this.retiredBelow = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new ProtocolError('GLZ: dictionary reset while waiting for an image'));
    }
  }

  private releaseBelow(oldest: number): void {
    if (oldest <= this.retiredBelow) return;
    this.retiredBelow = oldest;
    for (const id of this.idsAscending()) {
      if (id >= oldest) break;
      this.delete(id);
    }
    if (this.images.size === 0) this.lowest = undefined;
    else if (this.lowest !== undefined && this.lowest < oldest) this.lowest = oldest;
    const doomed = this.waiters.filter((w) => w.id < oldest);
    if (doomed.length > 0) {
      this.waiters = this.waiters.filter((w) => w.id >= oldest);
      for (const w of doomed) {
        clearTimeout(w.timer);
        w.reject(new ProtocolError(`GLZ: image ${w.id} was released before it arrived`));
      }
    }
  }

  /**
   * The stored ids, ascending. Ids are consecutive in practice, so this walks up from the lowest stored one:
   * retiring the oldest images costs O(images retired) instead of O(images stored) per add. A sparse range (ids
   * far apart, as only a misbehaving server sends) falls back to sorting, so the walk is never longer than that.
   * Snapshot semantics: the caller may delete the ids it is given.
   */
  private *idsAscending(): Generator<number> {
    const from = this.lowest;
    if (from === undefined) return;
    const last = this.tail === undefined ? from : Math.max(from, this.tail - 1);
    const sparse = !Number.isSafeInteger(from) || last - from > 2 * this.images.size + 64;
    if (!sparse) {
      let remaining = this.images.size;
      let first = true;
      for (let id = from; remaining > 0 && id <= last; id++) {
        if (!this.images.has(id)) continue;
        if (first) this.lowest = id; // nothing stored below it
        first = false;
        remaining--;
        yield id;
      }
      if (remaining === 0) return;
    }
    // ids above the contiguous run (arrived out of order), or every id when the range is sparse
    yield* [...this.images.keys()].filter((id) => sparse || id > last).sort((a, b) => a - b);
  }

  private delete(id: number): void {
    const e = this.images.get(id);
    if (e === undefined) return;
    this.images.delete(id);
    this.headDist.delete(id);
    this.storedPixels -= e.pixels.length;
  }
}
