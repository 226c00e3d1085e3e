// Keeps a hostile or broken server from flooding a terminal or a window: the first report of each kind goes
// through, repeats are only counted, and one summary line per kind ("… N more like this") follows later — when
// the kind comes back after `reportEveryMs`, or when the owner flushes (session end). A kind is the text with
// its numbers blanked, so "message 302 failed: surface 7" and "… surface 9" count as one.

import type { Logger } from './logger';

export interface RepeatLimiterOptions {
  /** Reports of one kind let through before counting starts (default 1). */
  keep?: number;
  /** A counted kind that recurs after this long is reported again with its count (default 60 s). */
  reportEveryMs?: number;
  now?: () => number;
  /** Distinct kinds remembered; beyond it every new kind shares one bucket (default 256). */
  maxKinds?: number;
}

interface KindState {
  seen: number;
  suppressed: number;
  lastReportMs: number;
  sample: string;
}

export function kindOf(text: string): string {
  return text.replace(/\d+/g, '#').slice(0, 160);
}

export class RepeatLimiter {
  private readonly kinds = new Map<string, KindState>();
  private readonly keep: number;
  private readonly reportEveryMs: number;
  private readonly now: () => number;
  private readonly maxKinds: number;

  constructor(options: RepeatLimiterOptions = {}) {
    this.keep = options.keep ?? 1;
    this.reportEveryMs = options.reportEveryMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.maxKinds = options.maxKinds ?? 256;
  }

  /**
   * Whether this occurrence should be reported. `repeats` is how many of its kind were suppressed since the
   * last report (the caller may append it); 0 for a first report.
   */
  admit(text: string): { report: boolean; repeats: number } {
    let kind = kindOf(text);
    if (!this.kinds.has(kind) && this.kinds.size >= this.maxKinds) kind = '(other repeated messages)';
    const now = this.now();
    let state = this.kinds.get(kind);
    if (!state) {
      state = { seen: 0, suppressed: 0, lastReportMs: now, sample: text };
      this.kinds.set(kind, state);
    }
    state.seen++;
    if (state.seen <= this.keep) {
      state.lastReportMs = now;
      return { report: true, repeats: 0 };
    }
    if (now - state.lastReportMs >= this.reportEveryMs) {
      const repeats = state.suppressed;
      state.suppressed = 0;
      state.lastReportMs = now;
      return { report: true, repeats };
    }
    state.suppressed++;
    return { report: false, repeats: 0 };
  }

  /** Counted repeats not yet reported, one entry per kind (and forgets them). */
  drain(): { sample: string; count: number }[] {
    const out: { sample: string; count: number }[] = [];
    for (const state of this.kinds.values()) {
      if (state.suppressed > 0) out.push({ sample: state.sample, count: state.suppressed });
      state.suppressed = 0;
    }
    return out;
  }
}

export interface LimitedLogger extends Logger {
  /** Logs one summary line per kind of suppressed repeats. */
  flush(): void;
}

/** A logger whose repeated lines (per level and kind) are counted instead of printed. */
export function limitRepeats(base: Logger, options: RepeatLimiterOptions = {}): LimitedLogger {
  const limiter = new RepeatLimiter(options);
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      const { report, repeats } = limiter.admit(`${level} ${message}`);
      if (!report) return;
      base[level](repeats > 0 ? `${message} (and ${repeats} more like it)` : message, fields);
    };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    flush() {
      for (const { sample, count } of limiter.drain()) {
        const space = sample.indexOf(' ');
        const level = sample.slice(0, space) as 'debug' | 'info' | 'warn' | 'error';
        base[level](`${count} more like this were not shown: ${sample.slice(space + 1)}`);
      }
    },
  };
}
