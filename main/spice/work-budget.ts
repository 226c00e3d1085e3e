// The work budget of one channel: how many pixels the message being handled may touch (a LIST counts as one
// message with all its entries), and the time slice after which the channel yields to the event loop so timers
// (--timeout), sockets, the web server and signals always run, whatever the server sends.

import { ProtocolError } from './errors';

/**
 * Default pixel operations one message may cause: 2^29 (half a billion) is every pixel of an 8192×8192 surface
 * touched eight times, far above any real draw, and about a second of work.
 */
export const DEFAULT_MAX_MESSAGE_WORK_PIXELS = 2 ** 29;
/** How long a channel may run before it lets the event loop run (ms). */
export const DEFAULT_WORK_SLICE_MS = 12;

export interface WorkBudgetOptions {
  maxPixelsPerMessage?: number;
  sliceMs?: number;
  /** Monotonic clock in ms (tests). */
  now?: () => number;
}

/** Work refused because one message would cost more than the budget. */
export class WorkBudgetError extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'WorkBudgetError';
  }
}

/** Lets timers and I/O run: resolves after the event loop's poll phase. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class WorkMeter {
  readonly maxPixelsPerMessage: number;
  private readonly sliceMs: number;
  private readonly now: () => number;
  private spent = 0;
  private label = 'message';
  private sliceStart: number;
  private over = false;

  constructor(options: WorkBudgetOptions = {}) {
    this.maxPixelsPerMessage = options.maxPixelsPerMessage ?? DEFAULT_MAX_MESSAGE_WORK_PIXELS;
    this.sliceMs = options.sliceMs ?? DEFAULT_WORK_SLICE_MS;
    this.now = options.now ?? (() => performance.now());
    this.sliceStart = this.now();
  }

  /** A new top-level message starts: its budget is full again. */
  startMessage(label: string): void {
    this.spent = 0;
    this.over = false;
    this.label = label;
  }

  /** Pixels charged to the current message. */
  get spentPixels(): number {
    return this.spent;
  }

  /** The current message went over its budget (the rest of a LIST is skipped). */
  get exhausted(): boolean {
    return this.over;
  }

  /** Charges `pixels` of work to the current message; throws WorkBudgetError past the budget. */
  charge(pixels: number, what: string): void {
    this.spent += pixels;
    if (this.spent > this.maxPixelsPerMessage) {
      this.over = true;
      throw new WorkBudgetError(
        `${this.label}: ${what} would bring the pixels this one message touches past ${this.maxPixelsPerMessage} ` +
          `(work amplification); the message is dropped`,
      );
    }
  }

  /** The slice is used up: the caller should yield before doing more. */
  get due(): boolean {
    return this.now() - this.sliceStart >= this.sliceMs;
  }

  /** Yields to the event loop if the slice is used up (then starts a new slice). */
  async pause(): Promise<void> {
    if (!this.due) return;
    await yieldToEventLoop();
    this.sliceStart = this.now();
  }
}
