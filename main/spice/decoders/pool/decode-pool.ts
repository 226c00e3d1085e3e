// A small worker_threads pool for the stateless decoders (QUIC, LZ, LZ4, BITMAP), so large images decode off the
// calling thread. Images up to `inlineMaxPixels` (default 256K pixels) decode inline: a worker round trip costs more
// than they do. Workers start lazily on the first large image; their pixels come back with the buffer transferred.
// The input bytes are copied once into a buffer the pool owns (the caller's message buffer stays intact) and that
// copy is transferred, unless the caller passes `transferInput` for a view that covers its whole buffer.
// close() rejects pending and later jobs and stops every worker; no thread outlives it. A worker is asked to close
// its port and ends on its own (its event loop and V8's pending tasks drained before Node disposes its isolate);
// only one still busy after `closeGraceMs` is terminate()d. terminate() stops an isolate wherever it is (GC or
// compile work in flight), and Node 20 unregisters an isolate from its platform before disposing it: V8 asking
// the platform for that isolate's task runner during the teardown aborts the process with "Assertion failed:
// (data.first) != nullptr" (NodePlatform::ForIsolate; upstream v8/node#208). A graceful close stays off that path.
//
// Worker entry: dist/decode-worker.cjs next to (or one level above) the bundle that contains this code; under tsx
// main/spice/decoders/pool/decode-worker.ts loaded through tsx's register API (worker threads ignore `--import`); or
// `workerPath` (+ `workerExecArgv`) explicitly.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ProtocolError, SpiceError } from '../../errors';
import type { DecodedImage } from '../types';
import { jobInput, runDecodeJob, withInput, type DecodeJob } from '../decode-job';
import type { WorkerReply, WorkerRequest } from './decode-worker';

export type { DecodeJob } from '../decode-job';

export interface DecodePoolOptions {
  /** Worker threads (1 or 2; default 2 on machines with more than 2 cores, else 1). */
  workers?: number;
  /** Images of at most this many pixels decode on the calling thread (default 262144). */
  inlineMaxPixels?: number;
  /** Path of the worker entry (default: located automatically, see the file header). */
  workerPath?: string;
  /** execArgv for a .cjs/.js worker entry (a .ts entry is loaded through tsx's register API instead). */
  workerExecArgv?: string[];
  /** How long close() lets a busy worker finish its job before terminating it (default 5000 ms). */
  closeGraceMs?: number;
  /** Called with each worker's exit code (0: it ended on its own; 1: terminated or failed). */
  onWorkerExit?: (code: number) => void;
}

export interface DecodeRequestOptions {
  /** The input view spans its whole ArrayBuffer and the caller gives it up: transfer instead of copying. */
  transferInput?: boolean;
}

interface Pending {
  resolve: (img: DecodedImage) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: boolean;
}

export const DEFAULT_INLINE_MAX_PIXELS = 256 * 1024;
export const DEFAULT_CLOSE_GRACE_MS = 5000;

/** Finds the worker entry for the bundled build or for tsx. */
export function locateDecodeWorker(): { path: string; execArgv: string[] } {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') {
    candidates.push(join(__dirname, 'decode-worker.cjs'), join(__dirname, '..', 'decode-worker.cjs'));
    candidates.push(join(__dirname, 'decode-worker.ts'));
  }
  candidates.push(resolve('main/spice/decoders/pool/decode-worker.ts'), resolve('dist/decode-worker.cjs'));
  for (const c of candidates) {
    if (existsSync(c)) return { path: c, execArgv: [] };
  }
  throw new SpiceError(
    'unsupported',
    `decode worker not found (looked in ${candidates.map((c) => dirname(c)).join(', ')})`,
  );
}

export class DecodePool {
  readonly inlineMaxPixels: number;
  private readonly closeGraceMs: number;
  private readonly maxWorkers: number;
  private readonly opts: DecodePoolOptions;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: DecodePoolOptions = {}) {
    this.opts = opts;
    this.maxWorkers = Math.max(1, Math.min(2, opts.workers ?? (availableParallelism() > 2 ? 2 : 1)));
    this.inlineMaxPixels = opts.inlineMaxPixels ?? DEFAULT_INLINE_MAX_PIXELS;
    this.closeGraceMs = opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  }

  /** Number of worker threads currently running. */
  get threadCount(): number {
    return this.slots.length;
  }

  /**
   * Decodes `job`. `pixels` is width × height from the image descriptor; it decides inline versus worker. Rejects
   * with ProtocolError for malformed data, SpiceError('cancelled') once the pool is closed; never throws.
   */
  decode(job: DecodeJob, pixels: number, req: DecodeRequestOptions = {}): Promise<DecodedImage> {
    if (this.closed) return Promise.reject(new SpiceError('cancelled', 'decode pool is closed'));
    try {
      return pixels <= this.inlineMaxPixels ? Promise.resolve(runDecodeJob(job)) : this.post(job, req);
    } catch (e) {
      // e.g. an input whose buffer was detached: a rejection like any other bad input, not a throw
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private post(job: DecodeJob, req: DecodeRequestOptions): Promise<DecodedImage> {
    const input = jobInput(job);
    const own =
      req.transferInput === true && input.byteOffset === 0 && input.byteLength === input.buffer.byteLength
        ? input
        : Uint8Array.prototype.slice.call(input); // a real copy even for a Buffer, whose slice() is a view
    const sent = withInput(job, own);
    const slot = this.pickSlot();
    const id = this.nextId++;
    return new Promise<DecodedImage>((resolvePromise, reject) => {
      slot.pending.set(id, { resolve: resolvePromise, reject });
      slot.worker.ref(); // a job in flight keeps the process alive; an idle worker does not (see settle)
      const msg: WorkerRequest = { id, job: sent };
      slot.worker.postMessage(msg, [own.buffer as ArrayBuffer]);
    });
  }

  /**
   * Stops every worker (see the file header); pending and later jobs reject with SpiceError('cancelled'). Resolves
   * once no thread of the pool is left.
   */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) this.failAll(s, new SpiceError('cancelled', 'decode pool closed'));
    await Promise.all(slots.map((s) => this.stop(s)));
  }

  /** Asks the worker to close its port and waits for it to exit; terminates it after the grace period. */
  private stop(slot: Slot): Promise<void> {
    if (slot.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const { worker } = slot;
      const timer = setTimeout(() => void worker.terminate(), this.closeGraceMs);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.ref(); // the process waits for a clean exit (bounded by the grace period)
      const msg: WorkerRequest = { close: true };
      worker.postMessage(msg);
    });
  }

  private pickSlot(): Slot {
    let best: Slot | undefined;
    for (const s of this.slots) if (best === undefined || s.pending.size < best.pending.size) best = s;
    if (best !== undefined && (best.pending.size === 0 || this.slots.length >= this.maxWorkers)) return best;
    return this.spawn();
  }

  private spawn(): Slot {
    const where =
      this.opts.workerPath !== undefined
        ? { path: this.opts.workerPath, execArgv: this.opts.workerExecArgv ?? [] }
        : locateDecodeWorker();
    const worker = where.path.endsWith('.ts')
      ? // Development/tests: worker threads do not take `--import tsx` in execArgv, so register tsx's loader
        // inside the worker, then import the TypeScript entry.
        new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(where.path).href)}); })`,
          { eval: true },
        )
      : new Worker(where.path, { execArgv: where.execArgv });
    const slot: Slot = { worker, pending: new Map(), exited: false };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.ok) p.resolve(reply.image);
      else
        p.reject(
          reply.error.protocol ? new ProtocolError(reply.error.message) : new Error(reply.error.message),
        );
    });
    const fail = (e: Error): void => {
      this.slots = this.slots.filter((s) => s !== slot);
      this.failAll(slot, e);
    };
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => {
      slot.exited = true;
      this.opts.onWorkerExit?.(code);
      if (slot.pending.size > 0) fail(new Error(`decode worker exited with code ${code}`));
      this.slots = this.slots.filter((s) => s !== slot);
    });
    this.slots.push(slot);
    return slot;
  }

  private failAll(slot: Slot, e: Error): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of pending) p.reject(e);
  }
}
