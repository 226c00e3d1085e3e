// The session-wide memory budget: one cap on the bytes a server can make this client hold at once — partially
// received messages (framer), surfaces, decode temporaries (decoded images, scaled copies, snapshots) and video
// frames. Each holder reserves before it allocates, so a refused request costs nothing, and releases when it
// frees. The image cache and the GLZ dictionary keep their own fixed caps (announced to the server) on top.

import { ProtocolError } from './errors';

/** Default cap: room for two 8K surfaces or a dozen 4K ones, and still < 1 GB of RSS with the fixed caches. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 512 * 1024 * 1024;

/** A request the budget refused: a ProtocolError (exit code 7) whose message says what and how much. */
export class MemoryBudgetError extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryBudgetError';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** A reservation whose size can change (a framer's buffer); `set` refuses growth past the cap. */
export interface MemoryAccount {
  readonly bytes: number;
  set(bytes: number, what: string): void;
  release(): void;
}

export class MemoryBudget {
  readonly capBytes: number;
  private used = 0;
  private peak = 0;

  constructor(capBytes: number = DEFAULT_MEMORY_BUDGET_BYTES) {
    if (!Number.isFinite(capBytes) || capBytes <= 0) throw new RangeError(`memory budget ${capBytes} bytes`);
    this.capBytes = capBytes;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Highest total held so far (for tests and diagnostics). */
  get peakBytes(): number {
    return this.peak;
  }

  /** Throws MemoryBudgetError if `bytes` more would exceed the cap; reserves nothing. */
  check(bytes: number, what: string): void {
    if (!(bytes >= 0) || this.used + bytes > this.capBytes) {
      throw new MemoryBudgetError(
        `${what} needs ${formatBytes(bytes)}, but the session already holds ${formatBytes(this.used)} of its ` +
          `${formatBytes(this.capBytes)} memory budget: refused`,
      );
    }
  }

  /** Reserves `bytes` or throws; returns an idempotent release. */
  reserve(bytes: number, what: string): () => void {
    this.check(bytes, what);
    this.add(bytes);
    let held = bytes;
    return () => {
      this.add(-held);
      held = 0;
    };
  }

  /** An adjustable reservation, starting at 0 bytes. */
  account(): MemoryAccount {
    let held = 0;
    const check = (bytes: number, what: string): void => this.check(bytes, what);
    const add = (delta: number): void => this.add(delta);
    return {
      get bytes() {
        return held;
      },
      set(bytes: number, what: string) {
        if (bytes > held) check(bytes - held, what);
        add(bytes - held);
        held = bytes;
      },
      release() {
        add(-held);
        held = 0;
      },
    };
  }

  private add(delta: number): void {
    this.used = Math.max(0, this.used + delta);
    if (this.used > this.peak) this.peak = this.used;
  }
}
