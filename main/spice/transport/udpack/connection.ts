// One UDPack session after the handshake, for either side (docs/udpack.md §5–§8): protected packets in and out,
// multiplexed reliable ordered streams with selective ACKs, loss recovery, congestion control and pacing, flow
// control, keep-alives, idle timeout, path validation and migration, and the session CLOSE. It does no I/O of its
// own: datagrams leave through `send`, time comes from `clock`, so tests drive it over a simulated lossy link
// with virtual time, deterministically.
import { ProtocolError, errorMessage } from '../../errors';
import type { Logger } from '../../logger';
import { AckTracker } from './ack-tracker';
import * as C from './codes';
import { CongestionController } from './congestion';
import { FLAG_SLOW, HEADER_BYTES, OPCODE_DATA, writeHeader, type Frame } from './header';
import { LossRecovery, type RepairableRecord, type SentPacket, type SentStreamChunk } from './loss-recovery';
import { PathManager, type PathEvent, type PeerAddress } from './path';
import { MAX_PACKET_NUMBER, PN_BYTES, PacketProtection, TAG_BYTES, type Role } from './protection';
import { RecordWriter, decodeRecords, flagsFor, recordSize, writeRecord, type UdpackRecord } from './records';
import { FlowControlError } from './recv-stream';
import { ReplayWindow } from './replay-window';
import { StreamSet } from './stream-set';
import {
  DEFAULT_LIMITS,
  PRIORITY_INTERACTIVE,
  type CloseInfo,
  type Clock,
  type ConnectionLimits,
  type StreamHandle,
  type StreamSink,
} from './connection-types';

export * from './connection-types';

export interface ConnectionOptions {
  role: Role;
  sessionId: number;
  protection: PacketProtection;
  peer: PeerAddress;
  send(datagram: Uint8Array, to: PeerAddress): void;
  clock: Clock;
  random(n: number): Uint8Array;
  logger: Logger;
  limits?: Partial<ConnectionLimits>;
  /** RTT measured during the handshake. */
  initialRttMs?: number;
  /** Gateway: the client opened a stream. Return its sink, or undefined to refuse it. */
  onPeerStream?(stream: StreamHandle): StreamSink | undefined;
  onClosed(info: CloseInfo): void;
  onPathEvent?(event: PathEvent): void;
}

const MAX_PACKETS_PER_FLUSH = 64;
const MIN_SEND_BUFFER_BYTES = 64 * 1024;
const PACKET_OVERHEAD = HEADER_BYTES + PN_BYTES + TAG_BYTES;
/** Smallest body worth a packet (a PATH_CHALLENGE plus a short ACK). */
const MIN_BODY_BYTES = 24;
/** Space a STREAM record needs besides its data (type, id, flags, priority, offset, length). */
const STREAM_RECORD_OVERHEAD = 1 + 8 + 1 + 1 + 8 + 4;
const INTERACTIVE_BYPASS_PACKETS = 4;
const REDUNDANT_MAX_BYTES = 2048;

export class Connection {
  readonly sessionId: number;
  readonly role: Role;
  readonly limits: ConnectionLimits;
  private readonly opts: ConnectionOptions;
  private readonly log: Logger;
  private readonly replay = new ReplayWindow();
  private readonly ack = new AckTracker();
  readonly recovery = new LossRecovery();
  readonly cc: CongestionController;
  readonly path: PathManager;
  private readonly streams: StreamSet;
  private rotate = 0;
  private nextPn = 0;
  private state: 'open' | 'closed' = 'open';
  // control to send
  private pathResponses: Uint8Array[] = [];
  private pingPending = false;
  private probesPending = 0;
  private closePending: { code: number; reason: string } | undefined;
  // timers
  private lastReceived: number;
  private lastSent: number;
  private cancelTimer: (() => void) | undefined;
  private timerAt = Infinity;
  private flushing = false;
  private flushQueued = false;
  /** Counters for logs, tests and the benchmark. */
  readonly stats = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    packetsLost: 0,
    authFailures: 0,
    replays: 0,
    redundantCopies: 0,
  };

  constructor(options: ConnectionOptions) {
    this.opts = options;
    this.sessionId = options.sessionId;
    this.role = options.role;
    this.log = options.logger;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.cc = new CongestionController(this.limits.maxDatagramBytes);
    this.path = new PathManager(options.peer, (n) => options.random(n));
    if (options.initialRttMs !== undefined) this.recovery.rtt.seed(options.initialRttMs);
    const now = options.clock.now();
    this.lastReceived = now;
    this.lastSent = now;
    this.streams = new StreamSet({
      role: this.role,
      limits: this.limits,
      isOpen: () => this.state === 'open',
      scheduleFlush: () => this.scheduleFlush(),
      now: () => this.opts.clock.now(),
      rttMs: () => this.recovery.rtt.smoothed,
      sendBufferLimit: () =>
        Math.min(this.limits.sendBufferBytes, Math.max(MIN_SEND_BUFFER_BYTES, 2 * this.cc.cwnd)),
      ...(options.onPeerStream ? { onPeerStream: (h: StreamHandle) => options.onPeerStream?.(h) } : {}),
    });
    this.flush();
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get peer(): PeerAddress {
    return this.path.peer;
  }

  /** Opens a stream (client side: ids 0, 1, 2, …). */
  openStream(priority: number, sink: StreamSink): StreamHandle {
    if (this.state === 'closed') throw new Error('the UDPack session is closed');
    return this.streams.open(priority, sink);
  }

  /** Closes the session: one CLOSE to the peer, every stream told. Idempotent. */
  close(code = C.CLOSE_NO_ERROR, reason = ''): void {
    if (this.state === 'closed' || this.closePending) return;
    this.closePending = { code, reason };
    this.flush();
  }

  // ---- receiving ----

  /** A DATA frame for this session (the owner routed it here by session id). */
  receive(frame: Frame, from: PeerAddress): void {
    if (this.state === 'closed' || frame.header.opcode !== OPCODE_DATA) return;
    const pn = PacketProtection.packetNumberOf(frame.payload);
    if (pn === undefined || !this.replay.check(pn)) {
      this.stats.replays++;
      return;
    }
    const opened = this.opts.protection.open(frame.headerBytes, frame.payload);
    if (!opened) {
      this.stats.authFailures++;
      return;
    }
    const now = this.opts.clock.now();
    let records: UdpackRecord[];
    try {
      records = decodeRecords(opened.body, frame.header.flags);
    } catch (e) {
      this.fail(C.CLOSE_PROTOCOL_VIOLATION, errorMessage(e));
      return;
    }
    const newest = pn > this.replay.largestSeen;
    this.replay.mark(pn);
    this.stats.packetsReceived++;
    this.stats.bytesReceived += frame.payload.length + HEADER_BYTES;
    this.lastReceived = now;
    const datagramBytes = frame.payload.length + HEADER_BYTES;
    const pathEvent = this.path.onPacket(from, datagramBytes, newest);
    if (pathEvent) this.onPathEvent(pathEvent);
    const ackEliciting = records.some((r) => r.type !== 'ack');
    const owdMs = this.opts.clock.wallMs() - frame.header.timestampMs;
    this.ack.onPacket(pn, ackEliciting, now, owdMs, this.opts.clock.lagMs?.() ?? 0);
    if (frame.header.flags & FLAG_SLOW) this.cc.onSlowSignal(now, this.recovery.rtt.smoothed);
    try {
      for (const record of records) {
        this.onRecord(record, now, from);
        if (this.isClosed) return;
      }
    } catch (e) {
      const code = e instanceof FlowControlError ? C.CLOSE_FLOW_CONTROL : C.CLOSE_PROTOCOL_VIOLATION;
      this.fail(code, errorMessage(e));
      return;
    }
    this.flush();
  }

  private onRecord(record: UdpackRecord, now: number, _from: PeerAddress): void {
    switch (record.type) {
      case 'ack':
        this.onAck(record.ranges, record.ackDelayUs / 1000, now);
        return;
      case 'stream':
        this.streams.onStreamRecord(record);
        return;
      case 'max-data':
        this.streams.onMaxData(record.max);
        return;
      case 'max-stream-data':
        this.streams.onMaxStreamData(record.streamId, record.max);
        return;
      case 'reset-stream':
        this.streams.onPeerReset(record.streamId, record.code, record.reason);
        return;
      case 'ping':
        return;
      case 'path-challenge':
        if (this.pathResponses.length < 4) this.pathResponses.push(Uint8Array.from(record.data));
        return;
      case 'path-response': {
        const event = this.path.onResponse(record.data);
        if (event) this.onPathEvent(event);
        return;
      }
      case 'close':
        this.finish({ code: record.code, reason: C.sanitizeReason(record.reason), by: 'peer' });
        return;
    }
  }

  private onAck(ranges: readonly { first: number; last: number }[], ackDelayMs: number, now: number): void {
    const top = ranges[0];
    if (top && top.last >= this.nextPn)
      throw new ProtocolError(`the peer acknowledged packet ${top.last}, which was never sent`);
    const inFlightBefore = this.recovery.bytesInFlight;
    const outcome = this.recovery.onAck(ranges, ackDelayMs, now);
    if (outcome.rttSampled) this.cc.onRttSample(this.recovery.rtt.latest, this.recovery.rtt.min);
    for (const packet of outcome.acked) {
      this.cc.onAcked(packet.size, inFlightBefore, now, this.recovery.rtt.smoothed);
      for (const chunk of packet.streams) this.streams.onChunkAcked(chunk);
      for (const repair of packet.repairs) this.streams.onRepairAcked(repair);
    }
    this.onLost(outcome.lost, now);
  }

  private onLost(lost: readonly SentPacket[], now: number): void {
    if (lost.length === 0) return;
    this.stats.packetsLost += lost.length;
    this.cc.onLost(lost.length, now, this.recovery.rtt.smoothed);
    for (const packet of lost) this.repair(packet);
  }

  /** Queues again what a lost (or abandoned) packet carried. */
  private repair(packet: SentPacket): void {
    for (const chunk of packet.streams) this.streams.onChunkLost(chunk);
    for (const repair of packet.repairs) this.streams.onRepairLost(repair);
  }

  private onPathEvent(event: PathEvent): void {
    if (event.type === 'migrated') {
      // A new path: its capacity and RTT are unknown. Data in flight on the old one is sent again.
      this.cc.reset();
      this.recovery.rtt.reset();
      for (const packet of this.recovery.abandonAll()) this.repair(packet);
    }
    this.opts.onPathEvent?.(event);
  }

  // ---- sending ----

  /** Flushes after the current synchronous work, so back-to-back writes share packets. */
  scheduleFlush(): void {
    if (this.flushQueued || this.state === 'closed') return;
    this.flushQueued = true;
    this.opts.clock.defer(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sends what may be sent now and re-arms the timer. */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const now = this.opts.clock.now();
      for (const entry of this.streams.ordered) entry.send.releaseRedundant(now);
      let sent = 0;
      while (sent < MAX_PACKETS_PER_FLUSH && this.state === 'open' && this.sendOne(now)) sent++;
      if (this.closePending && this.state === 'open') this.sendClose(now);
      this.arm(now, sent >= MAX_PACKETS_PER_FLUSH);
    } finally {
      this.flushing = false;
    }
  }

  private get bodyCapacity(): number {
    return this.limits.maxDatagramBytes - HEADER_BYTES - PN_BYTES - TAG_BYTES;
  }

  /**
   * The RTT pacing divides the window by: the path's minimum, not the smoothed RTT, which a busy receiver (late
   * ACKs) inflates; the window, not the pacer, bounds what is in flight.
   */
  private pacingRtt(): number {
    const rtt = this.recovery.rtt;
    return rtt.sampled ? Math.max(1, rtt.min) : rtt.smoothed;
  }

  /** Builds and sends one packet; false when there is nothing to send now. */
  private sendOne(now: number): boolean {
    // An unvalidated address gets at most 3× what it sent (anti-amplification): maybe only a small packet.
    const allowance = this.path.allowance();
    const fullCapacity = Math.floor(Math.min(this.bodyCapacity, allowance - PACKET_OVERHEAD));
    if (fullCapacity < MIN_BODY_BYTES) return false;
    // Room for the ACK (it goes first, built last): what the rest may use.
    const capacity =
      fullCapacity -
      (this.ack.hasNews ? Math.min(this.ack.estimateBytes(), Math.floor(fullCapacity / 4)) : 0);
    const records: UdpackRecord[] = [];
    const chunks: SentStreamChunk[] = [];
    const repairs: RepairableRecord[] = [];
    let size = 0;
    const add = (record: UdpackRecord): boolean => {
      const n = recordSize(record);
      if (size + n > capacity) return false;
      records.push(record);
      size += n;
      return true;
    };
    // Control first: it is small and unblocks the peer.
    while (this.pathResponses.length > 0) {
      if (!add({ type: 'path-response', data: this.pathResponses[0]! })) break;
      this.pathResponses.shift();
    }
    const challenge = this.path.challengeDue(now, this.recovery.rtt.pto() * 2);
    if (challenge && add({ type: 'path-challenge', data: challenge })) this.path.onChallengeSent(now);
    const streams = this.streams;
    if (streams.maxDataPending && add({ type: 'max-data', max: streams.recvMax })) {
      streams.maxDataPending = false;
      repairs.push({ type: 'max-data' });
    }
    for (const entry of streams.ordered) {
      if (entry.reset?.pending) {
        if (
          !add({
            type: 'reset-stream',
            streamId: entry.handle.id,
            code: entry.reset.code,
            reason: entry.reset.reason,
          })
        )
          break;
        entry.reset.pending = false;
        repairs.push({ type: 'reset-stream', streamId: entry.handle.id });
      }
    }
    const probe = this.probesPending > 0;
    if (this.pingPending && add({ type: 'ping' })) this.pingPending = false;
    // Stream data: interactive streams first and nearly unconditionally; the rest within window and pacing.
    const datagram = this.limits.maxDatagramBytes;
    const inFlight = this.recovery.bytesInFlight;
    const srtt = this.recovery.rtt.smoothed;
    let paced = false;
    const count = streams.ordered.length;
    for (let i = 0; i < count; i++) {
      const entry = streams.ordered[(i + this.rotate) % count]!;
      if (entry.reset) continue;
      const interactive = entry.send.priority === PRIORITY_INTERACTIVE;
      if (!entry.send.wantsToSend(streams.connCredit())) continue;
      if (!interactive && !probe) {
        if (!this.cc.canSend(inFlight, datagram)) continue;
        if (!paced) {
          if (!this.cc.takeTokens(datagram, now, this.pacingRtt())) continue;
          paced = true;
        }
      } else if (!probe && inFlight > this.cc.cwnd + INTERACTIVE_BYPASS_PACKETS * datagram) continue;
      while (capacity - size > STREAM_RECORD_OVERHEAD + 16) {
        const chunk = entry.send.nextChunk(capacity - size - STREAM_RECORD_OVERHEAD, streams.connCredit());
        if (!chunk) break;
        streams.chargeNewBytes(chunk.newBytes);
        const record: UdpackRecord = {
          type: 'stream',
          streamId: entry.handle.id,
          offset: chunk.offset,
          data: chunk.data,
          fin: chunk.fin,
          frag: chunk.frag,
        };
        if (chunk.offset === 0) record.priority = entry.send.priority;
        add(record);
        chunks.push({
          streamId: entry.handle.id,
          offset: chunk.offset,
          length: chunk.data.length,
          fin: chunk.fin,
        });
        if (
          interactive &&
          chunk.newBytes + (chunk.fin ? 1 : 0) > 0 &&
          chunk.data.length <= REDUNDANT_MAX_BYTES
        ) {
          // A second copy a little later: a lost keystroke then costs a few ms, not an RTT (docs §5.4).
          const delay = Math.min(20, Math.max(2, srtt / 4));
          entry.send.scheduleRedundant(chunk.offset, chunk.data.length, chunk.fin, now + delay);
          this.stats.redundantCopies++;
        }
      }
    }
    if (count > 0) this.rotate = (this.rotate + 1) % count;
    // Window updates after the stream data: the peer must know a stream (its first chunk) before its limit.
    for (const entry of streams.ordered) {
      if (!entry.maxStreamDataPending || entry.reset || !streams.peerKnows(entry)) continue;
      if (!add({ type: 'max-stream-data', streamId: entry.handle.id, max: entry.recv.maxAllowed })) break;
      entry.maxStreamDataPending = false;
      repairs.push({ type: 'max-stream-data', streamId: entry.handle.id });
    }
    const ackEliciting = records.length > 0;
    if (this.ack.hasNews && (ackEliciting || this.ack.ackDue(now))) {
      const ack = this.ack.buildAck(now);
      if (ack) {
        const record: UdpackRecord = { type: 'ack', ...ack };
        // Trim the oldest ranges until it fits in what the rest left.
        while (recordSize(record) + size > fullCapacity && record.ranges.length > 1) record.ranges.pop();
        if (recordSize(record) + size <= fullCapacity) {
          records.unshift(record);
          size += recordSize(record);
        }
      }
    }
    if (records.length === 0) return false;
    if (ackEliciting && probe) this.probesPending--;
    this.transmit(records, size, now, { ackEliciting, streams: chunks, repairs });
    return true;
  }

  private transmit(
    records: UdpackRecord[],
    bodySize: number,
    now: number,
    info: { ackEliciting: boolean; streams: SentStreamChunk[]; repairs: RepairableRecord[] },
  ): void {
    const pn = this.nextPn++;
    if (pn > MAX_PACKET_NUMBER) {
      this.finish({ code: C.CLOSE_EXHAUSTED, reason: 'packet numbers exhausted', by: 'local' });
      return;
    }
    const body = new Uint8Array(bodySize);
    const w = new RecordWriter(body);
    for (const record of records) writeRecord(w, record);
    const datagram = new Uint8Array(HEADER_BYTES + PN_BYTES + bodySize + TAG_BYTES);
    writeHeader(datagram, 0, {
      sessionId: this.sessionId,
      timestampMs: Math.floor(this.opts.clock.wallMs()),
      flags: flagsFor(records) | (this.ack.slow ? FLAG_SLOW : 0),
      opcode: OPCODE_DATA,
      payloadLength: PN_BYTES + bodySize + TAG_BYTES,
    });
    this.opts.protection.seal(datagram, pn, body);
    if (info.ackEliciting) {
      this.recovery.onPacketSent({
        pn,
        timeSent: now,
        size: datagram.length,
        ackEliciting: true,
        inFlight: true,
        streams: info.streams,
        repairs: info.repairs,
        appLimited: false,
      });
    }
    this.path.onSent(datagram.length);
    this.stats.packetsSent++;
    this.stats.bytesSent += datagram.length;
    this.lastSent = now;
    try {
      this.opts.send(datagram, this.path.peer);
    } catch (e) {
      this.log.debug(`UDPack send failed: ${errorMessage(e)}`);
    }
  }

  private sendClose(now: number): void {
    const close = this.closePending!;
    this.transmit(
      [{ type: 'close', code: close.code, reason: close.reason }],
      recordSize({ type: 'close', ...close }),
      now,
      {
        ackEliciting: false,
        streams: [],
        repairs: [],
      },
    );
    this.finish({ ...close, by: 'local' });
  }

  private fail(code: number, reason: string): void {
    this.log.warn(`UDPack session closing: ${reason}`);
    this.close(code, reason);
  }

  private finish(info: CloseInfo): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closePending = undefined;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    for (const e of this.streams.closeAll(info.reason))
      this.log.error(`UDPack stream sink failed: ${errorMessage(e)}`);
    this.opts.onClosed(info);
  }

  // ---- timers ----

  private arm(now: number, more: boolean): void {
    if (this.state === 'closed') return;
    let at = more ? now : Infinity;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && t < at) at = t;
    };
    if (this.ack.hasNews) consider(this.ack.nextDeadline());
    consider(this.recovery.nextTimer()?.at);
    consider(this.lastReceived + this.limits.idleTimeoutMs);
    if (this.limits.keepAliveMs > 0)
      consider(Math.max(this.lastReceived, this.lastSent) + this.limits.keepAliveMs);
    const pto = this.recovery.rtt.pto() * 2;
    if (this.path.allowance() >= PACKET_OVERHEAD + MIN_BODY_BYTES) consider(this.path.challengeDeadline(pto));
    for (const entry of this.streams.ordered) {
      consider(entry.send.nextRedundantAt());
      const waiting =
        !entry.reset &&
        entry.send.priority !== PRIORITY_INTERACTIVE &&
        entry.send.wantsToSend(this.streams.connCredit()) &&
        this.path.canSend(this.limits.maxDatagramBytes) &&
        this.cc.canSend(this.recovery.bytesInFlight, this.limits.maxDatagramBytes);
      if (waiting) {
        const delay = this.cc.pacingDelay(this.limits.maxDatagramBytes, now, this.pacingRtt());
        consider(now + Math.max(1, delay));
      }
    }
    at = Math.max(at, now);
    if (at === this.timerAt && this.cancelTimer) return;
    this.cancelTimer?.();
    this.timerAt = at;
    this.cancelTimer = at === Infinity ? undefined : this.opts.clock.setTimer(at - now, () => this.onTimer());
  }

  private onTimer(): void {
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    if (this.state === 'closed') return;
    const now = this.opts.clock.now();
    if (now - this.lastReceived >= this.limits.idleTimeoutMs) {
      const seconds = Math.round(this.limits.idleTimeoutMs / 1000);
      this.finish({ code: C.CLOSE_NO_ERROR, reason: `no packet from the peer for ${seconds} s`, by: 'idle' });
      return;
    }
    const timer = this.recovery.nextTimer();
    if (timer && timer.at <= now) {
      if (timer.kind === 'loss') this.onLost(this.recovery.detectLost(now), now);
      else this.onProbeTimeout();
    }
    const pathEvent = this.path.expire(now, this.recovery.rtt.pto() * 2);
    if (pathEvent) this.onPathEvent(pathEvent);
    if (
      this.limits.keepAliveMs > 0 &&
      now - Math.max(this.lastReceived, this.lastSent) >= this.limits.keepAliveMs
    )
      this.pingPending = true;
    this.flush();
  }

  private onProbeTimeout(): void {
    // No window change: a probe timeout may only mean a busy peer; real loss shows when the probe is answered.
    this.recovery.ptoCount++;
    // Probe with the oldest unacknowledged data (sent again in new packets), or a PING when there is none.
    const oldest = this.recovery.oldestUnacked(2);
    let queued = false;
    for (const packet of oldest) {
      for (const chunk of packet.streams) {
        this.streams.onChunkLost(chunk);
        queued = true;
      }
    }
    if (!queued) this.pingPending = true;
    this.probesPending = 2;
  }

  /** Local address trouble (a send failed): probe soon so a new address is learned by the peer. */
  nudge(): void {
    this.pingPending = true;
    this.flush();
  }
}
