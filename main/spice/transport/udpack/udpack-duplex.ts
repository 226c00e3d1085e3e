// A UDPack stream as a Node Duplex, so a SPICE channel (client) or a TCP socket (gateway) uses it like a socket.
// Backpressure both ways: a write's callback waits while the stream holds more than its send-buffer limit, and
// flow-control credit goes back to the peer only once the reader has taken the bytes (push() accepted them, or
// the reader asked for more).
import { Duplex } from 'node:stream';
import { RESET_CANCELLED } from './codes';
import type { StreamHandle, StreamSink } from './connection';

/** An error that resets the stream with this code when it destroys the Duplex. */
export class StreamResetError extends Error {
  constructor(
    readonly resetCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamResetError';
  }
}

export interface UdpackDuplexOptions {
  /** The error the Duplex is destroyed with when the peer resets the stream (code -1: the session ended). */
  errorForReset(code: number, reason: string): Error;
}

export class UdpackDuplex extends Duplex implements StreamSink {
  private handle: StreamHandle | undefined;
  private waitingWrite: ((error?: Error | null) => void) | undefined;
  private uncredited = 0;
  private peerGone = false;

  constructor(private readonly options: UdpackDuplexOptions) {
    super({ allowHalfOpen: true });
  }

  /** Connects the Duplex to its stream (right after the stream was opened). */
  attach(handle: StreamHandle): void {
    this.handle = handle;
  }

  get streamId(): number | undefined {
    return this.handle?.id;
  }

  /** Sockets have it; SPICE channels call it. Every UDPack write is sent without delay anyway. */
  setNoDelay(): this {
    return this;
  }

  // ---- StreamSink (from the connection) ----

  onData(data: Uint8Array): void {
    if (this.destroyed) return;
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.push(buffer)) this.handle?.consumed(buffer.length);
    else this.uncredited += buffer.length;
  }

  onEnd(): void {
    if (!this.destroyed) this.push(null);
  }

  onReset(code: number, reason: string): void {
    this.peerGone = true;
    if (!this.destroyed) this.destroy(this.options.errorForReset(code, reason));
  }

  onWritable(): void {
    const callback = this.waitingWrite;
    this.waitingWrite = undefined;
    callback?.();
  }

  // ---- Duplex ----

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    if (!handle) {
      callback(new Error('UDPack stream not attached'));
      return;
    }
    handle.write(chunk);
    if (handle.sendBufferedBytes >= handle.sendBufferLimit) this.waitingWrite = callback;
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handle?.end();
    callback();
  }

  override _read(): void {
    if (this.uncredited > 0) {
      const n = this.uncredited;
      this.uncredited = 0;
      this.handle?.consumed(n);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Both directions ended cleanly: the connection still delivers what is in flight (and the FIN); no reset.
    const graceful = error === null && this.writableFinished && this.readableEnded;
    if (!this.peerGone && !graceful && this.handle) {
      const code = error instanceof StreamResetError ? error.resetCode : RESET_CANCELLED;
      this.handle.reset(code, error?.message ?? 'closed');
    }
    this.waitingWrite = undefined;
    callback(error);
  }
}
