// The streams of one UDPack session and their flow control (docs/udpack.md §5.3): opening (client ids 0, 1, 2, …;
// on the gateway whichever record first names a new id opens it), delivery to each stream's sink, RESET, retiring
// streams whose both directions are done, and the session-wide limits (MAX_DATA) next to each stream's
// (MAX_STREAM_DATA). The connection asks it what to send and tells it what was acknowledged or lost.
import { ProtocolError } from '../../errors';
import * as C from './codes';
import {
  PRIORITY_DEFAULT,
  type ConnectionLimits,
  type StreamHandle,
  type StreamSink,
} from './connection-types';
import type { RepairableRecord, SentStreamChunk } from './loss-recovery';
import type { Role } from './protection';
import { RangeSet } from './range-set';
import type { UdpackRecord } from './records';
import { FlowControlError, RecvStream } from './recv-stream';
import { SendStream } from './send-stream';

export interface StreamEntry {
  handle: StreamHandle;
  send: SendStream;
  recv: RecvStream;
  sink: StreamSink;
  /** RESET to send (or resend after loss). */
  reset?: { code: number; reason: string; pending: boolean };
  maxStreamDataPending: boolean;
  writableWaiting: boolean;
}

export interface StreamSetHost {
  readonly role: Role;
  readonly limits: ConnectionLimits;
  isOpen(): boolean;
  scheduleFlush(): void;
  /** See StreamHandle.sendBufferLimit. */
  sendBufferLimit(): number;
  now(): number;
  /** Smoothed RTT, for receive-window auto-tuning. */
  rttMs(): number;
  onPeerStream?(stream: StreamHandle): StreamSink | undefined;
}

const MAX_PEER_ID_RANGES = 1024;

const NULL_SINK: StreamSink = {
  onData() {},
  onEnd() {},
  onReset() {},
  onWritable() {},
};

export class StreamSet {
  private readonly streams = new Map<number, StreamEntry>();
  /** By priority (0 first). */
  ordered: StreamEntry[] = [];
  private nextLocalStreamId = 0;
  /** Peer stream ids ever opened (or reset before being seen): such an id never opens again. */
  private readonly usedPeerIds = new RangeSet();
  // session flow control
  private peerMaxData = C.INITIAL_SESSION_WINDOW_BYTES;
  private sentNewBytes = 0;
  /** MAX_DATA this side advertised. */
  recvMax = C.INITIAL_SESSION_WINDOW_BYTES;
  private recvHighestSum = 0;
  private consumedSum = 0;
  maxDataPending = false;

  constructor(private readonly host: StreamSetHost) {
    this.sessionWindow = Math.min(C.INITIAL_SESSION_WINDOW_BYTES, host.limits.sessionWindowBytes);
  }

  get size(): number {
    return this.streams.size;
  }

  get(id: number): StreamEntry | undefined {
    return this.streams.get(id);
  }

  /** New bytes the session's limit still allows. */
  connCredit(): number {
    return Math.max(0, this.peerMaxData - this.sentNewBytes);
  }

  chargeNewBytes(n: number): void {
    this.sentNewBytes += n;
  }

  /** Opens a stream (client side). */
  open(priority: number, sink: StreamSink): StreamHandle {
    const id = this.nextLocalStreamId++;
    return this.add(id, priority, sink).handle;
  }

  private add(id: number, priority: number, sink: StreamSink | undefined): StreamEntry {
    const send = new SendStream(id, priority, C.INITIAL_STREAM_WINDOW_BYTES);
    const recv = new RecvStream(id, this.host.limits.streamWindowBytes, C.INITIAL_STREAM_WINDOW_BYTES);
    recv.maxAllowed = C.INITIAL_STREAM_WINDOW_BYTES;
    const entry: StreamEntry = {
      handle: this.handleFor(id, priority, send),
      send,
      recv,
      sink: sink ?? NULL_SINK,
      maxStreamDataPending: false,
      writableWaiting: false,
    };
    this.streams.set(id, entry);
    this.ordered.push(entry);
    this.sort();
    this.maybeRaiseStreamWindow(entry);
    return entry;
  }

  private sort(): void {
    this.ordered.sort((a, b) => a.send.priority - b.send.priority);
  }

  private handleFor(id: number, priority: number, send: SendStream): StreamHandle {
    const host = this.host;
    return {
      id,
      priority,
      write: (bytes) => this.write(id, bytes),
      end: () => this.end(id),
      reset: (code, reason) => this.reset(id, code, reason),
      consumed: (bytes) => this.consumed(id, bytes),
      get sendBufferedBytes() {
        return send.bufferedBytes;
      },
      get sendBufferLimit() {
        return host.sendBufferLimit();
      },
    };
  }

  private live(id: number): StreamEntry | undefined {
    const entry = this.streams.get(id);
    return entry && !entry.reset && this.host.isOpen() ? entry : undefined;
  }

  private write(id: number, bytes: Uint8Array): void {
    const entry = this.live(id);
    if (!entry) return;
    entry.send.write(bytes);
    if (entry.send.bufferedBytes >= this.host.sendBufferLimit()) entry.writableWaiting = true;
    this.host.scheduleFlush();
  }

  private end(id: number): void {
    const entry = this.live(id);
    if (!entry) return;
    entry.send.finish();
    this.host.scheduleFlush();
  }

  private consumed(id: number, bytes: number): void {
    const entry = this.streams.get(id);
    this.consumedSum += bytes;
    if (entry) {
      entry.recv.consumed += bytes;
      this.maybeRaiseStreamWindow(entry);
    }
    this.maybeRaiseSessionWindow();
    if (this.maxDataPending || entry?.maxStreamDataPending) this.host.scheduleFlush();
  }

  /** Aborts a stream both ways: nothing more is sent or delivered; the peer gets RESET_STREAM. */
  reset(id: number, code: number, reason: string): void {
    const entry = this.streams.get(id);
    if (!entry || entry.reset || !this.host.isOpen()) return;
    if (entry.send.isDone && entry.recv.isFinDelivered) return;
    entry.send.abandon();
    entry.reset = { code, reason, pending: true };
    this.host.scheduleFlush();
  }

  private maybeRaiseStreamWindow(entry: StreamEntry): void {
    if (!entry.reset && entry.recv.creditUpdate(this.host.now(), this.host.rttMs()) !== undefined)
      entry.maxStreamDataPending = true;
  }

  /** The session's receive window, auto-tuned like a stream's (see RecvStream.creditUpdate). */
  private sessionWindow: number;
  private lastSessionCreditAt: number | undefined;

  private maybeRaiseSessionWindow(): void {
    if (this.consumedSum + this.sessionWindow - this.recvMax < this.sessionWindow / 2) return;
    const now = this.host.now();
    const nearLimit = this.recvHighestSum >= this.recvMax - this.sessionWindow / 4;
    if (
      nearLimit ||
      (this.lastSessionCreditAt !== undefined && now - this.lastSessionCreditAt < 2 * this.host.rttMs())
    )
      this.sessionWindow = Math.min(this.host.limits.sessionWindowBytes, 2 * this.sessionWindow);
    this.lastSessionCreditAt = now;
    this.recvMax = Math.max(this.recvMax, this.consumedSum + this.sessionWindow);
    this.maxDataPending = true;
  }

  // ---- records from the peer ----

  /**
   * The entry for a stream the peer refers to. On the gateway a new id opens the stream (whichever record names it
   * first: the opening chunk may be lost or reordered); undefined for streams already closed or refused.
   */
  private peer(streamId: number, priority: number | undefined): StreamEntry | undefined {
    const existing = this.streams.get(streamId);
    if (existing) {
      if (priority !== undefined && existing.send.priority !== priority) {
        existing.send.priority = priority;
        this.sort();
      }
      return existing;
    }
    if (this.host.role === 'client') {
      if (streamId < this.nextLocalStreamId) return undefined; // a stream we already closed
      throw new ProtocolError(`the gateway named stream ${streamId}, which the client never opened`);
    }
    if (this.usedPeerIds.contains(streamId)) return undefined; // closed earlier; a late retransmission
    this.markPeerIdUsed(streamId);
    const entry = this.add(streamId, priority ?? PRIORITY_DEFAULT, undefined);
    const live = this.ordered.filter((e) => !e.reset).length;
    const sink = live > this.host.limits.maxStreams ? undefined : this.host.onPeerStream?.(entry.handle);
    if (!sink) {
      this.reset(streamId, C.RESET_REFUSED, 'too many streams');
      return undefined;
    }
    entry.sink = sink;
    return entry;
  }

  private markPeerIdUsed(streamId: number): void {
    this.usedPeerIds.add(streamId, streamId + 1);
    if (this.usedPeerIds.size > MAX_PEER_ID_RANGES)
      throw new ProtocolError('the client uses stream ids too sparsely');
  }

  /** A STREAM record. Throws FlowControlError / ProtocolError for a peer that breaks the rules. */
  onStreamRecord(record: Extract<UdpackRecord, { type: 'stream' }>): void {
    const entry = this.peer(record.streamId, record.priority);
    if (!entry || entry.reset) return; // closed, refused, or reset by us: discard
    const grew = entry.recv.receive(record.offset, record.data, record.fin, record.frag);
    this.recvHighestSum += grew;
    if (this.recvHighestSum > this.recvMax)
      throw new FlowControlError(
        `the peer sent ${this.recvHighestSum} bytes, beyond the session limit ${this.recvMax}`,
      );
    if (this.recvHighestSum === this.recvMax) for (const other of [...this.ordered]) this.deliver(other);
    else this.deliver(entry);
  }

  private deliver(entry: StreamEntry): void {
    // At the session limit nothing more can arrive until the reader consumes: hand over partial units too.
    const force = this.recvHighestSum >= this.recvMax;
    for (;;) {
      const { data, fin } = entry.recv.take(force);
      if (data) entry.sink.onData(data);
      if (fin) {
        entry.sink.onEnd();
        this.maybeRetire(entry);
      }
      if (!data) return;
    }
  }

  onMaxData(max: number): void {
    this.peerMaxData = Math.max(this.peerMaxData, max);
  }

  onMaxStreamData(streamId: number, max: number): void {
    const entry = this.peer(streamId, undefined);
    if (entry) entry.send.peerMax = Math.max(entry.send.peerMax, max);
  }

  onPeerReset(streamId: number, code: number, reason: string): void {
    const entry = this.streams.get(streamId);
    if (!entry) {
      // A stream reset before this side saw it: it must not open later.
      if (this.host.role === 'gateway') this.markPeerIdUsed(streamId);
      return;
    }
    this.retire(entry);
    if (!entry.reset) entry.sink.onReset(code, C.sanitizeReason(reason));
  }

  // ---- acknowledgements and losses ----

  onChunkAcked(chunk: SentStreamChunk): void {
    const entry = this.streams.get(chunk.streamId);
    if (!entry) return;
    entry.send.onAcked(chunk.offset, chunk.length, chunk.fin);
    if (entry.writableWaiting && entry.send.bufferedBytes < this.host.sendBufferLimit() / 2) {
      entry.writableWaiting = false;
      entry.sink.onWritable();
    }
    this.maybeRetire(entry);
  }

  onRepairAcked(repair: RepairableRecord): void {
    if (repair.type !== 'reset-stream') return;
    const entry = this.streams.get(repair.streamId);
    if (entry?.reset) this.retire(entry);
  }

  onChunkLost(chunk: SentStreamChunk): void {
    this.streams.get(chunk.streamId)?.send.onLost(chunk.offset, chunk.length, chunk.fin);
  }

  onRepairLost(repair: RepairableRecord): void {
    if (repair.type === 'max-data') {
      this.maxDataPending = true;
      return;
    }
    const entry = this.streams.get(repair.streamId);
    if (!entry) return;
    if (repair.type === 'max-stream-data') entry.maxStreamDataPending = !entry.reset;
    else if (entry.reset) entry.reset.pending = true;
  }

  /** The peer has heard of this stream: it opened it, or this side sent its first chunk. */
  peerKnows(entry: StreamEntry): boolean {
    return this.host.role === 'gateway' || entry.send.hasSent;
  }

  private maybeRetire(entry: StreamEntry): void {
    if (entry.send.isDone && entry.recv.isFinDelivered) this.retire(entry);
  }

  private retire(entry: StreamEntry): void {
    if (!this.streams.delete(entry.handle.id)) return;
    this.ordered = this.ordered.filter((e) => e !== entry);
    // Credit for bytes the stream still held counts as consumed: the session window must not shrink.
    const unread = entry.recv.highest - entry.recv.consumed;
    if (unread > 0) {
      this.consumedSum += unread;
      this.maybeRaiseSessionWindow();
    }
  }

  /** The session ended: every live stream's sink hears it (code -1). Returns sink failures. */
  closeAll(reason: string): unknown[] {
    const entries = [...this.streams.values()];
    this.streams.clear();
    this.ordered = [];
    const failures: unknown[] = [];
    for (const entry of entries) {
      if (entry.reset) continue;
      try {
        entry.sink.onReset(-1, reason);
      } catch (e) {
        failures.push(e);
      }
    }
    return failures;
  }
}
