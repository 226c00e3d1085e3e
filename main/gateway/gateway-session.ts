// One client's session on the gateway: OPEN after the handshake answer, READY on the client's confirmation or its
// first authenticated packet; then every stream the client opens becomes one TCP connection to the configured
// SPICE server (never an address the client names: no open relay). Ends on CLOSE, idle timeout or shutdown.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../spice/errors';
import type { Logger } from '../spice/logger';
import { explainSocketError } from '../spice/transport/socket-connect';
import {
  CLOSE_SHUTDOWN,
  RESET_TARGET_CLOSED,
  RESET_TARGET_UNREACHABLE,
  closeCodeName,
} from '../spice/transport/udpack/codes';
import {
  Connection,
  type CloseInfo,
  type Clock,
  type ConnectionLimits,
  type StreamHandle,
  type StreamSink,
} from '../spice/transport/udpack/connection';
import { HANDSHAKE_OK } from '../spice/transport/udpack/handshake';
import { OPCODE_DATA, OPCODE_HANDSHAKE, formatSessionId, type Frame } from '../spice/transport/udpack/header';
import { addressKey, formatAddress, type PathEvent, type PeerAddress } from '../spice/transport/udpack/path';
import { PacketProtection, type SessionSecrets } from '../spice/transport/udpack/protection';
import { StreamResetError, UdpackDuplex } from '../spice/transport/udpack/udpack-duplex';

export type GatewayTarget = { host: string; port: number } | { path: string };

export function describeTarget(target: GatewayTarget): string {
  return 'path' in target
    ? `unix:${target.path}`
    : formatAddress({ address: target.host, port: target.port });
}

export interface GatewaySessionOptions {
  sessionId: number;
  secrets: SessionSecrets;
  peer: PeerAddress;
  target: GatewayTarget;
  send(datagram: Uint8Array, to: PeerAddress): void;
  clock: Clock;
  logger: Logger;
  limits: Partial<ConnectionLimits>;
  connectTimeoutMs: number;
  /** The handshake answer was sent at (clock.now) — the confirmation gives the first RTT sample. */
  answeredAt: number;
  onReady(session: GatewaySession): void;
  onClosed(session: GatewaySession, info: CloseInfo): void;
}

/** How long a session may stay OPEN waiting for the client's confirmation. */
export const OPEN_TIMEOUT_MS = 10_000;

export class GatewaySession {
  readonly sessionId: number;
  private readonly protection: PacketProtection;
  private connection: Connection | undefined;
  private readonly opts: GatewaySessionOptions;
  private readonly log: Logger;
  private readonly openedAt: number;
  private readonly sockets = new Set<net.Socket>();
  private streamsOpened = 0;
  private cancelOpenTimer: (() => void) | undefined;
  private ended = false;

  constructor(options: GatewaySessionOptions) {
    this.opts = options;
    this.sessionId = options.sessionId;
    this.protection = new PacketProtection(options.secrets, options.sessionId, 'gateway');
    this.log = options.logger;
    this.openedAt = options.clock.now();
    this.cancelOpenTimer = options.clock.setTimer(OPEN_TIMEOUT_MS, () => {
      if (!this.connection)
        this.end({ code: 0, reason: 'the client never confirmed the handshake', by: 'idle' });
    });
  }

  get label(): string {
    return formatSessionId(this.sessionId);
  }

  get isReady(): boolean {
    return this.connection !== undefined;
  }

  get peer(): PeerAddress {
    return this.connection?.peer ?? this.opts.peer;
  }

  /** A frame routed here by its session id. */
  onFrame(frame: Frame, from: PeerAddress): void {
    if (this.ended) return;
    if (frame.header.opcode === OPCODE_HANDSHAKE) {
      // The client's confirmation (0xB, code 0) from the address that said hello.
      if (
        !this.connection &&
        frame.payload[0] === HANDSHAKE_OK &&
        addressKey(from) === addressKey(this.opts.peer)
      )
        this.becomeReady();
      return;
    }
    if (frame.header.opcode !== OPCODE_DATA) return;
    if (!this.connection) {
      // An authenticated packet also confirms the handshake (the confirmation may have been lost).
      if (!this.protection.open(frame.headerBytes, frame.payload)) return;
      this.becomeReady();
    }
    this.connection!.receive(frame, from);
  }

  private becomeReady(): void {
    this.cancelOpenTimer?.();
    this.cancelOpenTimer = undefined;
    const rttMs = this.opts.clock.now() - this.opts.answeredAt;
    this.connection = new Connection({
      role: 'gateway',
      sessionId: this.sessionId,
      protection: this.protection,
      peer: this.opts.peer,
      send: (datagram, to) => this.opts.send(datagram, to),
      clock: this.opts.clock,
      random: (n) => randomBytes(n),
      logger: this.log,
      limits: { keepAliveMs: 0, idleTimeoutMs: 60_000, ...this.opts.limits },
      initialRttMs: rttMs,
      onPeerStream: (stream) => this.openTarget(stream),
      onClosed: (info) => this.end(info),
      onPathEvent: (event) => this.onPathEvent(event),
    });
    this.log.info(`session ${this.label} from ${formatAddress(this.opts.peer)} ready`, {
      algorithm: this.protection.algorithm.cipher,
      rttMs: Math.round(rttMs),
    });
    this.opts.onReady(this);
  }

  private openTarget(stream: StreamHandle): StreamSink {
    this.streamsOpened++;
    const target = this.opts.target;
    const label = describeTarget(target);
    const duplex = new UdpackDuplex({
      errorForReset: (code, reason) =>
        new Error(code === -1 ? `session ended: ${reason}` : `the client reset the stream (${code})`),
    });
    duplex.attach(stream);
    const socket =
      'path' in target
        ? net.connect({ path: target.path })
        : net.connect({ host: target.host, port: target.port });
    this.sockets.add(socket);
    let connected = false;
    const timer = setTimeout(() => {
      duplex.destroy(
        new StreamResetError(
          RESET_TARGET_UNREACHABLE,
          `no answer from ${label} within ${this.opts.connectTimeoutMs} ms`,
        ),
      );
    }, this.opts.connectTimeoutMs);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      socket.setNoDelay(true);
      this.log.debug(`session ${this.label}: stream ${stream.id} connected to ${label}`);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      const reason = `${label}: ${explainSocketError(e)}`;
      if (!connected) this.log.warn(`session ${this.label}: cannot reach the SPICE server ${reason}`);
      duplex.destroy(
        new StreamResetError(connected ? RESET_TARGET_CLOSED : RESET_TARGET_UNREACHABLE, reason),
      );
    });
    socket.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
    });
    duplex.on('error', (e) => {
      this.log.debug(`session ${this.label}: stream ${stream.id} ended: ${errorMessage(e)}`);
      socket.destroy();
    });
    // Bytes from the client wait in the socket's buffer until it connects; pipe() carries backpressure both ways.
    duplex.pipe(socket);
    socket.pipe(duplex);
    return duplex;
  }

  private onPathEvent(event: PathEvent): void {
    switch (event.type) {
      case 'migrated':
        this.log.info(
          `session ${this.label}: client moved from ${formatAddress(event.from)} to ${formatAddress(event.to)}; validating the new path`,
        );
        return;
      case 'returned':
        this.log.info(
          `session ${this.label}: back on ${formatAddress(event.to)} (the move to ${formatAddress(event.from)} was not confirmed)`,
        );
        return;
      case 'validated':
        this.log.info(`session ${this.label}: path to ${formatAddress(event.peer)} validated`);
        return;
      case 'abandoned':
        this.log.warn(
          `session ${this.label}: ${formatAddress(event.failed)} did not answer path validation; back to ${formatAddress(event.back)}`,
        );
        return;
    }
  }

  /** Gateway shutdown. */
  shutdown(): void {
    if (this.connection && !this.connection.isClosed)
      this.connection.close(CLOSE_SHUTDOWN, 'the gateway is shutting down');
    else this.end({ code: CLOSE_SHUTDOWN, reason: 'shutdown', by: 'local' });
  }

  private end(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelOpenTimer?.();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const seconds = ((this.opts.clock.now() - this.openedAt) / 1000).toFixed(1);
    const stats = this.connection?.stats;
    const how = info.by === 'idle' ? 'idle' : info.by === 'peer' ? 'closed by the client' : 'closed';
    this.log.info(
      `session ${this.label} ${how}${info.code ? ` (${closeCodeName(info.code)})` : ''} after ${seconds} s`,
      {
        streams: this.streamsOpened,
        ...(stats
          ? {
              bytesToClient: stats.bytesSent,
              bytesFromClient: stats.bytesReceived,
              packetsLost: stats.packetsLost,
              rejected: stats.authFailures + stats.replays,
              srttMs: Math.round(this.connection!.recovery.rtt.smoothed),
              cwndBytes: Math.round(this.connection!.cc.cwnd),
              slowSignals: this.connection!.cc.stats.slowSignals,
              heavyLoss: this.connection!.cc.stats.heavyLoss,
            }
          : {}),
        ...(info.reason ? { reason: info.reason } : {}),
      },
    );
    this.opts.onClosed(this, info);
  }
}
