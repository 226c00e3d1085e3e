// The UDPack gateway: one UDP socket, sessions found by their 32-bit session id (not by address, so a client that
// changes address keeps its session), handshakes through the HandshakeResponder, and the SPICE server fixed by
// configuration. Bounded: at most `maxSessions` sessions, each with the connection's windows as its memory budget.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { errorMessage } from '../spice/errors';
import type { Logger } from '../spice/logger';
import { createRealClock, type RealClock } from '../spice/transport/udpack/real-clock';
import type { CloseInfo, Clock, ConnectionLimits } from '../spice/transport/udpack/connection';
import { keyFingerprint } from '../spice/transport/udpack/handshake';
import { OPCODE_DATA, OPCODE_HANDSHAKE, OPCODE_HELLO, decodeFrame } from '../spice/transport/udpack/header';
import { formatAddress, type PeerAddress } from '../spice/transport/udpack/path';
import { GatewaySession, describeTarget, type GatewayTarget } from './gateway-session';
import { HandshakeResponder, type TokenVerifier } from './handshake-responder';

export interface GatewayOptions {
  listenHost: string;
  listenPort: number;
  target: GatewayTarget;
  privateKey: KeyObject;
  verifyToken: TokenVerifier;
  logger: Logger;
  maxSessions?: number;
  limits?: Partial<ConnectionLimits>;
  connectTimeoutMs?: number;
  clock?: Clock;
  /** Hello rate limits (see HandshakeResponder). */
  globalHelloRate?: number;
  perSourceHelloRate?: number;
}

export interface GatewayStats {
  sessions: number;
  malformed: number;
  unknownSession: number;
  handshakesAccepted: number;
  handshakesRefused: number;
  handshakesDropped: number;
}

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class UdpackGateway {
  private readonly sessions = new Map<number, GatewaySession>();
  private readonly responder: HandshakeResponder;
  private readonly clock: Clock;
  private readonly ownClock: RealClock | undefined;
  private closed = false;
  readonly stats: GatewayStats = {
    sessions: 0,
    malformed: 0,
    unknownSession: 0,
    handshakesAccepted: 0,
    handshakesRefused: 0,
    handshakesDropped: 0,
  };

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly options: GatewayOptions,
  ) {
    this.ownClock = options.clock ? undefined : createRealClock();
    this.clock = options.clock ?? this.ownClock!;
    const maxSessions = options.maxSessions ?? 64;
    this.responder = new HandshakeResponder({
      privateKey: options.privateKey,
      verifyToken: options.verifyToken,
      sessionIdInUse: (id) => this.sessions.has(id),
      canAcceptSession: () => this.sessions.size < maxSessions,
      now: () => this.clock.now(),
      wallMs: () => this.clock.wallMs(),
      ...(options.globalHelloRate !== undefined ? { globalRatePerSecond: options.globalHelloRate } : {}),
      ...(options.perSourceHelloRate !== undefined
        ? { perSourceRatePerSecond: options.perSourceHelloRate }
        : {}),
    });
    socket.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (e) => options.logger.warn(`UDP socket error: ${errorMessage(e)}`));
  }

  /** Binds the UDP socket and starts serving. Rejects when the address cannot be bound. */
  static async start(options: GatewayOptions): Promise<UdpackGateway> {
    const socket = dgram.createSocket({ type: isIP(options.listenHost) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.listenPort, options.listenHost, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
    } catch {
      // limited by net.core.rmem_max / wmem_max; works, only less well at high rates
    }
    const gateway = new UdpackGateway(socket, options);
    const bound = gateway.address();
    options.logger.info(
      `UDPack gateway listening on udp://${formatAddress(bound)} for ${describeTarget(options.target)}`,
      { key: keyFingerprint(options.privateKey) },
    );
    return gateway;
  }

  address(): PeerAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private send(datagram: Uint8Array, to: PeerAddress): void {
    if (this.closed) return;
    this.socket.send(datagram, to.port, to.address, (e) => {
      if (e) this.options.logger.debug(`send to ${formatAddress(to)} failed: ${errorMessage(e)}`);
    });
  }

  private onMessage(msg: Buffer, from: PeerAddress): void {
    if (this.closed) return;
    let frame;
    try {
      frame = decodeFrame(msg);
    } catch {
      this.stats.malformed++;
      return;
    }
    switch (frame.header.opcode) {
      case OPCODE_HELLO:
        void this.onHello(frame, from);
        return;
      case OPCODE_HANDSHAKE:
      case OPCODE_DATA: {
        const session = this.sessions.get(frame.header.sessionId);
        if (!session) {
          this.stats.unknownSession++;
          return;
        }
        session.onFrame(frame, from);
        return;
      }
    }
  }

  private async onHello(frame: ReturnType<typeof decodeFrame>, from: PeerAddress): Promise<void> {
    let outcome;
    try {
      outcome = await this.responder.onHello(frame, from.address);
    } catch (e) {
      this.options.logger.error(`handshake from ${formatAddress(from)} failed: ${errorMessage(e)}`);
      return;
    }
    if (this.closed) return;
    switch (outcome.kind) {
      case 'dropped':
        this.stats.handshakesDropped++;
        if (outcome.why !== 'replay')
          this.options.logger.debug(`hello from ${formatAddress(from)} dropped: ${outcome.why}`);
        return;
      case 'refused':
        this.stats.handshakesRefused++;
        this.options.logger.warn(`handshake from ${formatAddress(from)} refused: ${outcome.why}`);
        this.send(outcome.reply, from);
        return;
      case 'repeat':
        this.send(outcome.reply, from);
        return;
      case 'accepted': {
        this.stats.handshakesAccepted++;
        const session = new GatewaySession({
          sessionId: outcome.sessionId,
          secrets: outcome.secrets,
          peer: from,
          target: this.options.target,
          send: (d, to) => this.send(d, to),
          clock: this.clock,
          logger: this.options.logger,
          limits: this.options.limits ?? {},
          connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
          answeredAt: this.clock.now(),
          onReady: (s) => this.responder.settle(s.sessionId),
          onClosed: (s, info) => this.onSessionClosed(s, info),
        });
        this.sessions.set(outcome.sessionId, session);
        this.stats.sessions = this.sessions.size;
        this.send(outcome.reply, from);
        return;
      }
    }
  }

  private onSessionClosed(session: GatewaySession, _info: CloseInfo): void {
    this.responder.settle(session.sessionId);
    if (this.sessions.get(session.sessionId) === session) this.sessions.delete(session.sessionId);
    this.stats.sessions = this.sessions.size;
  }

  /** Closes every session (CLOSE to each client) and the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const session of [...this.sessions.values()]) session.shutdown();
    this.closed = true;
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.ownClock?.close();
  }
}
