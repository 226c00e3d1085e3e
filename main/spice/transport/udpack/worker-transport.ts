// The UDPack client in a worker thread, seen from the SPICE thread: `WorkerUdpackClient.connect` starts the worker
// (transport-worker.ts) and its handshake; `openStream` returns a Duplex whose bytes cross the message port. The
// worker keeps the transport's clock — packets, ACKs, pacing, timers — independent of how long this thread spends
// decoding. Backpressure crosses too: writes wait while 256 KiB are unconfirmed by the worker; a full readable
// buffer here pauses the worker's stream, which then withholds flow-control credit from the gateway.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpiceError, errorMessage } from '../../errors';
import type { Logger } from '../../logger';
import type { FromWorker, ToWorker, WireError, WorkerConnectOptions } from './worker-protocol';

const WRITE_HIGH_WATER_BYTES = 256 * 1024;

/** Finds the worker entry: the bundle's dist/udpack-worker.cjs, or the TypeScript source under tsx. */
export function locateTransportWorker(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') {
    candidates.push(join(__dirname, 'udpack-worker.cjs'), join(__dirname, '..', 'udpack-worker.cjs'));
    candidates.push(join(__dirname, 'transport-worker.ts'));
  }
  candidates.push(
    resolve('main/spice/transport/udpack/transport-worker.ts'),
    resolve('dist/udpack-worker.cjs'),
  );
  return candidates.find((c) => existsSync(c));
}

function toError(e: WireError): SpiceError {
  return new SpiceError(e.code, e.message);
}

class WorkerStream extends Duplex {
  private unconfirmed = 0;
  private waiting: ((error?: Error | null) => void) | undefined;
  private paused = false;
  /** The worker's stream is gone (closed or failed): nothing to tell it any more. */
  remoteGone = false;

  constructor(
    readonly id: number,
    private readonly post: (msg: ToWorker) => void,
  ) {
    super({ allowHalfOpen: true });
  }

  setNoDelay(): this {
    return this;
  }

  onData(data: Uint8Array): void {
    if (this.destroyed) return;
    if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) && !this.paused) {
      this.paused = true;
      this.post({ type: 'pause', id: this.id });
    }
  }

  onWritten(bytes: number): void {
    this.unconfirmed -= bytes;
    if (this.waiting && this.unconfirmed < WRITE_HIGH_WATER_BYTES / 2) {
      const callback = this.waiting;
      this.waiting = undefined;
      callback();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.post({ type: 'write', id: this.id, data: chunk });
    this.unconfirmed += chunk.length;
    if (this.unconfirmed >= WRITE_HIGH_WATER_BYTES) this.waiting = callback;
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.post({ type: 'end', id: this.id });
    callback();
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      this.post({ type: 'resume', id: this.id });
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Both directions ended cleanly: the worker's stream finishes delivering by itself.
    const graceful = error === null && this.writableFinished && this.readableEnded;
    if (!this.remoteGone && !graceful) this.post({ type: 'destroy', id: this.id });
    this.waiting = undefined;
    callback(error);
  }
}

export interface WorkerClientOptions extends WorkerConnectOptions {
  logger: Logger;
  verbose?: boolean;
  workerPath?: string;
  signal?: AbortSignal;
}

export class WorkerUdpackClient {
  private readonly streams = new Map<number, WorkerStream>();
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly label: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts the worker and its handshake. Rejects with the handshake's SpiceError. */
  static connect(options: WorkerClientOptions): Promise<WorkerUdpackClient> {
    const path = options.workerPath ?? locateTransportWorker();
    if (path === undefined)
      return Promise.reject(
        new SpiceError('udpack', 'the UDPack transport worker (udpack-worker.cjs) is missing'),
      );
    const worker = path.endsWith('.ts')
      ? // Under tsx: worker threads do not take `--import tsx`, so register tsx's loader inside the worker.
        new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(path).href)}); })`,
          { eval: true },
        )
      : new Worker(path);
    const { logger, verbose, workerPath: _path, signal, ...connect } = options;
    const label = `${connect.gatewayHost}:${connect.gatewayPort}`;
    const client = new WorkerUdpackClient(worker, label);
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const settle = (error: SpiceError | undefined): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          client.closed = true;
          void worker.terminate();
          reject(error);
        } else resolvePromise(client);
      };
      const onAbort = (): void => settle(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'connected':
            settle(undefined);
            return;
          case 'connect-failed':
            settle(toError(msg.error));
            return;
          case 'log':
            logger[msg.level](msg.message, msg.fields);
            return;
          default:
            client.onMessage(msg);
        }
      });
      worker.on('error', (e) => {
        const error = new SpiceError('udpack', `the UDPack transport worker failed: ${errorMessage(e)}`, {
          cause: e,
        });
        settle(error);
        client.fail(error);
      });
      worker.on('exit', () =>
        client.fail(new SpiceError('udpack', `the UDPack session with ${label} ended`)),
      );
      client.post({ type: 'connect', options: connect, verbose: verbose ?? false });
    });
  }

  private post(msg: ToWorker): void {
    if (!this.closed) this.worker.postMessage(msg);
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'data':
        this.streams.get(msg.id)?.onData(msg.data);
        return;
      case 'end':
        this.streams.get(msg.id)?.push(null);
        return;
      case 'written':
        this.streams.get(msg.id)?.onWritten(msg.bytes);
        return;
      case 'stream-error': {
        const stream = this.streams.get(msg.id);
        if (stream) {
          stream.remoteGone = true;
          stream.destroy(toError(msg.error));
        }
        return;
      }
      case 'stream-closed': {
        const stream = this.streams.get(msg.id);
        this.streams.delete(msg.id);
        if (stream) {
          stream.remoteGone = true;
          // The worker's side is done; a clean end here was already pushed.
          if (!stream.destroyed && !stream.readableEnded) stream.destroy();
        }
        return;
      }
      case 'closed':
        this.closed = true;
        void this.worker.terminate();
        return;
      default:
        return;
    }
  }

  private fail(error: SpiceError): void {
    this.closed = true;
    for (const stream of this.streams.values()) {
      stream.remoteGone = true;
      stream.destroy(error);
    }
    this.streams.clear();
  }

  /** A stream for one SPICE channel (priority 0 is interactive). */
  openStream(priority: number, what: string): Duplex {
    if (this.closed) throw new SpiceError('udpack', `the UDPack session with ${this.label} is closed`);
    const id = this.nextId++;
    const stream = new WorkerStream(id, (msg) => this.post(msg));
    this.streams.set(id, stream);
    this.post({ type: 'open', id, priority, what });
    return stream;
  }

  /** Ends the session (CLOSE to the gateway); the worker exits once its socket is closed. */
  close(): void {
    this.post({ type: 'close' });
  }
}
