// Exact-length async reads over a stream, for the link stage (before the framer takes over).
// Reads time out, and a close or error mid-read becomes a SpiceError naming the stage. What arrived before a
// failure stays readable (`received`), so the caller can tell a VNC or HTTP port from a silent one.

import type { Duplex } from 'node:stream';
import { SpiceError } from '../errors';

export interface ByteSource {
  read(n: number): Promise<Uint8Array>;
  write(bytes: Uint8Array): void;
  /** Every byte received so far (consumed or not), up to the first 64; for diagnosing a wrong peer. */
  readonly received?: Uint8Array;
}

/** Bytes of the peer's first answer kept for diagnosis. */
const KEEP_RECEIVED_BYTES = 64;

export class StreamByteSource implements ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { n: number; resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private failure: SpiceError | null = null;
  private timer: NodeJS.Timeout | null = null;
  private head = Buffer.alloc(0);

  private readonly onData = (chunk: Buffer): void => {
    if (this.head.length < KEEP_RECEIVED_BYTES)
      this.head = Buffer.concat([this.head, chunk.subarray(0, KEEP_RECEIVED_BYTES - this.head.length)]);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.settle();
  };
  private readonly onEnd = (): void =>
    this.fail(new SpiceError('closed', `the server closed the connection during ${this.stage}`));
  private readonly onError = (e: Error): void =>
    this.fail(
      e instanceof SpiceError
        ? e
        : new SpiceError('closed', `connection lost during ${this.stage}: ${e.message}`, { cause: e }),
    );

  constructor(
    private readonly stream: Duplex,
    private readonly stage: string,
    private readonly timeoutMs: number,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  write(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  get received(): Uint8Array {
    return this.head;
  }

  /** Fails the pending and later reads with `error` (the channel was closed while linking). */
  cancel(error: SpiceError): void {
    this.fail(error);
  }

  read(n: number): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('concurrent read'));
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.timer = setTimeout(
        () =>
          this.fail(
            new SpiceError(
              'timeout',
              `no answer from the server within ${this.timeoutMs} ms during ${this.stage}`,
            ),
          ),
        this.timeoutMs,
      );
      this.settle();
    });
  }

  /** Stops listening; returns bytes received beyond the last read (the start of the message stream). */
  detach(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.clearTimer();
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  private settle(): void {
    const w = this.waiter;
    if (!w || this.buffered < w.n) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, w.n);
    const rest = all.subarray(w.n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.waiter = null;
    this.clearTimer();
    w.resolve(out);
  }

  private fail(e: SpiceError): void {
    if (this.failure) return;
    this.failure = e;
    this.clearTimer();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(e);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
