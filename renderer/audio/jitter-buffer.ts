// The playback jitter buffer the AudioWorklet renders from: planar float rings, a target fill (the server's minimum
// latency or our floor, whichever is larger) reached before playing, silence and a refill on an underrun, and the
// oldest audio dropped when it holds far more than the target (a stall followed by a burst must not become
// permanent delay). It remembers where each frame starts so the page can tell when a server sample was played.
// Plain code, no worklet globals: unit-tested under Node.

/** The floor of the target fill: two 10 ms SPICE frames plus scheduling slack of a loaded machine. */
export const MIN_TARGET_MS = 30;
/** Audio held beyond target + this is cut back to the target. */
const OVERRUN_SLACK_MS = 80;
/** Over each window, the least the buffer held beyond the target is delay nobody needed: it is dropped. */
const TRIM_WINDOW_MS = 500;
/** Excess kept after a trim (so one late frame does not underrun at once). */
const TRIM_MARGIN_MS = 5;
/** Ring capacity. */
const CAPACITY_MS = 2000;

export interface FrameMark {
  timeMs: number;
  sentAtMs: number;
}

export interface PlayedMark extends FrameMark {
  /** Where in this render quantum the frame's first sample is. */
  offsetFrames: number;
}

export interface JitterStats {
  receivedMs: number;
  bufferedMs: number;
  underruns: number;
  overruns: number;
}

export class JitterBuffer {
  private readonly rings: Float32Array[];
  private readonly capacity: number;
  private written = 0;
  private read = 0;
  private receivedFrames = 0;
  private targetFrames: number;
  private filling = true;
  private gains: number[];
  private marks: (FrameMark & { at: number })[] = [];
  private underruns = 0;
  private overruns = 0;
  private trims = 0;
  private windowRendered = 0;
  private windowMinBuffered = Number.POSITIVE_INFINITY;
  private tap: Float32Array[] | undefined;
  private tapFilled = 0;
  private tapDone: Float32Array[] | undefined;

  constructor(
    private readonly channels: number,
    private readonly sampleRate: number,
  ) {
    this.capacity = Math.ceil((sampleRate * CAPACITY_MS) / 1000);
    this.rings = Array.from({ length: channels }, () => new Float32Array(this.capacity));
    this.targetFrames = this.framesOf(MIN_TARGET_MS);
    this.gains = new Array<number>(channels).fill(1);
  }

  private framesOf(ms: number): number {
    return Math.round((this.sampleRate * ms) / 1000);
  }

  get bufferedFrames(): number {
    return this.written - this.read;
  }

  setTarget(targetMs: number): void {
    this.targetFrames = this.framesOf(Math.min(Math.max(targetMs, MIN_TARGET_MS), CAPACITY_MS / 2));
  }

  setGains(gains: readonly number[]): void {
    for (let c = 0; c < this.channels; c++) this.gains[c] = gains[Math.min(c, gains.length - 1)] ?? 1;
  }

  /** A new stream: nothing held, fill up again. */
  reset(): void {
    this.read = this.written;
    this.marks = [];
    this.filling = true;
    this.receivedFrames = 0;
    this.underruns = 0;
    this.overruns = 0;
    this.trims = 0;
    this.windowRendered = 0;
    this.windowMinBuffered = Number.POSITIVE_INFINITY;
  }

  /** Appends `frames` samples per channel (planes shorter than that, or missing, are silence). */
  push(planes: readonly Float32Array[], frames: number, timeMs: number, sentAtMs: number): void {
    if (frames <= 0) return;
    if (frames > this.capacity) return;
    this.marks.push({ timeMs, sentAtMs, at: this.written });
    for (let c = 0; c < this.channels; c++) {
      const ring = this.rings[c]!;
      const plane = planes[Math.min(c, planes.length - 1)];
      for (let i = 0; i < frames; i++) ring[(this.written + i) % this.capacity] = plane?.[i] ?? 0;
    }
    this.written += frames;
    this.receivedFrames += frames;
    this.feedTap(planes, frames);
    const slack = this.framesOf(OVERRUN_SLACK_MS);
    if (this.bufferedFrames > Math.min(this.targetFrames + slack, this.capacity)) {
      this.overruns++;
      this.skipTo(this.written - this.targetFrames);
    }
  }

  private skipTo(position: number): void {
    this.read = position;
    while (this.marks.length > 0 && this.marks[0]!.at < this.read) this.marks.shift();
  }

  /** Fills `out` (one array per output channel) with `frames` samples; returns the first frame mark played. */
  render(out: Float32Array[], frames: number): PlayedMark | undefined {
    if (this.filling && this.bufferedFrames >= this.targetFrames) this.filling = false;
    let played: PlayedMark | undefined;
    let n = 0;
    if (!this.filling) {
      n = Math.min(frames, this.bufferedFrames);
      const first = this.marks[0];
      if (first && first.at < this.read + n) {
        played = { timeMs: first.timeMs, sentAtMs: first.sentAtMs, offsetFrames: first.at - this.read };
      }
      for (let c = 0; c < out.length; c++) {
        const target = out[c]!;
        const ring = this.rings[Math.min(c, this.channels - 1)]!;
        const gain = this.gains[Math.min(c, this.channels - 1)]!;
        for (let i = 0; i < n; i++) target[i] = ring[(this.read + i) % this.capacity]! * gain;
      }
      this.skipTo(this.read + n);
      if (n < frames) {
        this.underruns++;
        this.filling = true;
      }
      this.trimSteadyExcess(frames);
    }
    for (const target of out) target.fill(0, n, frames);
    return played;
  }

  /**
   * A stall followed by a burst leaves the buffer fuller than the target for good (the stream comes in at the rate
   * it plays). The least it held over a window is that excess: drop it, keeping a small margin.
   */
  private trimSteadyExcess(frames: number): void {
    if (this.filling) {
      this.windowRendered = 0;
      this.windowMinBuffered = Number.POSITIVE_INFINITY;
      return;
    }
    this.windowMinBuffered = Math.min(this.windowMinBuffered, this.bufferedFrames);
    this.windowRendered += frames;
    if (this.windowRendered < this.framesOf(TRIM_WINDOW_MS)) return;
    const excess = this.windowMinBuffered - this.targetFrames - this.framesOf(TRIM_MARGIN_MS);
    if (excess > 0) {
      this.trims++;
      this.skipTo(this.read + excess);
    }
    this.windowRendered = 0;
    this.windowMinBuffered = Number.POSITIVE_INFINITY;
  }

  /** Records the next `frames` samples per channel that arrive (a test tap; takeTap hands them over once full). */
  startTap(frames: number): void {
    if (frames <= 0 || frames > this.capacity * 30) return;
    this.tap = Array.from({ length: this.channels }, () => new Float32Array(frames));
    this.tapFilled = 0;
  }

  /**
   * The tap takes the samples as they reach the worklet, with the gains applied: the stream itself, not what a
   * loaded machine's underruns and trims make of it at the output (the render order is unit-tested).
   */
  private feedTap(planes: readonly Float32Array[], frames: number): void {
    const tap = this.tap;
    if (!tap) return;
    const n = Math.min(frames, tap[0]!.length - this.tapFilled);
    for (let c = 0; c < tap.length; c++) {
      const plane = planes[Math.min(c, planes.length - 1)];
      const gain = this.gains[c]!;
      for (let i = 0; i < n; i++) tap[c]![this.tapFilled + i] = (plane?.[i] ?? 0) * gain;
    }
    this.tapFilled += n;
    if (this.tapFilled === tap[0]!.length) {
      this.tapDone = tap;
      this.tap = undefined;
    }
  }

  takeTap(): Float32Array[] | undefined {
    const done = this.tapDone;
    this.tapDone = undefined;
    return done;
  }

  stats(): JitterStats {
    return {
      receivedMs: (this.receivedFrames * 1000) / this.sampleRate,
      bufferedMs: (this.bufferedFrames * 1000) / this.sampleRate,
      underruns: this.underruns,
      overruns: this.overruns + this.trims,
    };
  }
}
