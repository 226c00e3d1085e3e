// The shapes shared by a UDPack connection and its owners: the clock it runs on, its limits, and the stream handle
// and sink through which a stream's owner (a Duplex) talks to it.
import { DEFAULT_DATAGRAM_BYTES } from './congestion';

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (header timestamps). */
  wallMs(): number;
  /** Runs `fn` after `delayMs`; returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
  /** Runs `fn` soon, after the current work (a microtask in production): coalesces writes into packets. */
  defer(fn: () => void): void;
  /**
   * How late this thread's event loop recently ran (ms; Infinity when it is saturated and cannot tell); absent
   * means 0 (virtual clocks).
   */
  lagMs?(): number;
}

export interface ConnectionLimits {
  maxDatagramBytes: number;
  streamWindowBytes: number;
  sessionWindowBytes: number;
  /** Concurrent streams the peer may open (gateway). */
  maxStreams: number;
  /** Unacknowledged bytes a stream buffers before its writer is held back. */
  sendBufferBytes: number;
  idleTimeoutMs: number;
  /** Send a PING after this long without receiving anything (0: never). */
  keepAliveMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxDatagramBytes: DEFAULT_DATAGRAM_BYTES,
  streamWindowBytes: 2 * 1024 * 1024,
  sessionWindowBytes: 8 * 1024 * 1024,
  maxStreams: 64,
  sendBufferBytes: 1024 * 1024,
  idleTimeoutMs: 30_000,
  keepAliveMs: 5_000,
};

/** Priority of streams whose small writes must not wait: the inputs channel. */
export const PRIORITY_INTERACTIVE = 0;
export const PRIORITY_DEFAULT = 2;

/** What a stream's owner hears. */
export interface StreamSink {
  onData(data: Uint8Array): void;
  onEnd(): void;
  onReset(code: number, reason: string): void;
  /** The send buffer drained below half of `sendBufferBytes`. */
  onWritable(): void;
}

export interface StreamHandle {
  readonly id: number;
  readonly priority: number;
  write(bytes: Uint8Array): void;
  end(): void;
  reset(code: number, reason: string): void;
  /** The reader took `bytes` (gives flow-control credit back). */
  consumed(bytes: number): void;
  readonly sendBufferedBytes: number;
  /**
   * Unacknowledged bytes past which the writer should wait: about two congestion windows (what can leave within a
   * couple of round trips), at least 64 KiB, at most `sendBufferBytes`. A source that waits sooner (a SPICE server
   * whose socket fills) adapts its own rate and latency stays low.
   */
  readonly sendBufferLimit: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  by: 'local' | 'peer' | 'idle';
}
