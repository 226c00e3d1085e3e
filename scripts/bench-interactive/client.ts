// What the benchmark needs from each client it measures. Every client connects to the same test server and is
// measured the same way: its frame log (frame number, monotonic µs when it was first on screen), the CPU and
// memory of its process groups, and — for clients with a user-facing input path — when each key and pointer
// event left the user's side.
import type { ProcessGroup } from './proc-stats';

/** frame number, monotonic µs when first on screen, probe pixel 0xRRGGBB then (frame-code.ts) */
export type FrameSeen = [number, number, number];

export interface InputSent {
  kind: 'keydown' | 'keyup' | 'move';
  /** monotonic µs at which the event entered the client (page event timeStamp, or XTest send time) */
  tUs: number;
}

export interface ClientRun {
  /** The processes to account, by part (e.g. node, chromium, spicy, xvfb). */
  readonly groups: ProcessGroup[];
  /** Resolves once the client shows a valid frame counter; rejects with the reason after timeoutMs. */
  waitFirstFrame(timeoutMs: number): Promise<void>;
  /** The newest frame on the client's screen and its probe pixel (frame -1 before the first); cheap to poll. */
  lastShown(): Promise<{ frame: number; rgb: number }>;
  /** Every frame the client showed so far. */
  frames(): Promise<FrameSeen[]>;
  /**
   * CPU seconds per second that measuring itself costs inside `groups` (the X probe's reads make Xvfb work),
   * measured on a still screen after the window; subtracted from the figures. 0 for the others.
   */
  measurementOverheadCpu(): Promise<number>;
  /** Sends `keys` key presses and `moves` pointer moves inside the guest screen, `gapMs` apart. */
  sendInput?(keys: number, moves: number, gapMs: number): Promise<InputSent[]>;
  /** Facts worth reporting about this run (e.g. the canvas scale, a clock calibration). */
  readonly notes: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface StartContext {
  serverPort: number;
  /** Surface size of the workload, for viewport/screen sizing. */
  width: number;
  height: number;
  /** Where this run may write temporary files. */
  tmpDir: string;
}

export interface BenchClient {
  readonly id: string;
  readonly label: string;
  /** Empty when the client can run here; otherwise what to install (Debian package names). */
  missing(): string[];
  start(ctx: StartContext): Promise<ClientRun>;
}
