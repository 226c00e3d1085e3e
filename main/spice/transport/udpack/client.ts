// The client end of a UDPack session: one UDP socket to the gateway, the handshake, then one Connection whose
// streams carry the SPICE channels (docs/udpack.md §9). The socket is connected, so an ICMP "port unreachable"
// fails the handshake at once; when the local address goes away, a send fails and the socket reconnects from the
// new address (migration). The session closes itself when its last stream closes.
import { randomBytes, type KeyObject } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { SpiceError, errorMessage } from '../../errors';
import type { Logger } from '../../logger';
import { explainSocketError } from '../socket-connect';
import { ClientHandshake } from './client-handshake';
import { closeCodeName, RESET_TARGET_UNREACHABLE, sanitizeReason } from './codes';
import { Connection, type CloseInfo, type Clock, type ConnectionLimits } from './connection';
import { keyFingerprint } from './handshake';
import { OPCODE_DATA, OPCODE_HANDSHAKE, decodeFrame, formatSessionId } from './header';
import { formatAddress, type PeerAddress } from './path';
import { AEAD_AES_128_GCM, PacketProtection, type AeadAlgorithm } from './protection';
import { createRealClock } from './real-clock';
import { UdpackDuplex } from './udpack-duplex';

export interface UdpackClientOptions {
  gatewayHost: string;
  gatewayPort: number;
  publicKey: KeyObject;
  token: string;
  logger: Logger;
  algorithm?: AeadAlgorithm;
  handshakeRetries?: number;
  handshakeTimeoutMs?: number;
  limits?: Partial<ConnectionLimits>;
  clock?: Clock;
  signal?: AbortSignal;
}

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class UdpackClient {
  private closed = false;
  private readonly duplexes = new Set<UdpackDuplex>();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly connection: Connection,
    private readonly label: string,
    private readonly log: Logger,
    private readonly releaseClock: () => void,
  ) {}

  get isClosed(): boolean {
    return this.closed || this.connection.isClosed;
  }

  /** Resolves the gateway, runs the handshake, returns a READY session. Rejects with a SpiceError. */
  static async connect(options: UdpackClientOptions): Promise<UdpackClient> {
    const ownClock = options.clock ? undefined : createRealClock();
    const clock = options.clock ?? ownClock!;
    const log = options.logger;
    const label = formatAddress({ address: options.gatewayHost, port: options.gatewayPort });
    const address = await resolveGateway(options.gatewayHost, label);
    const gateway: PeerAddress = { address, port: options.gatewayPort };
    const socket = await bindSocket(isIP(address) === 6 ? 'udp6' : 'udp4', label);
    const closeSocket = (): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    };
    let handshake: ClientHandshake | undefined;
    let client: UdpackClient | undefined;
    const onError = (e: Error): void => {
      const error = new SpiceError(
        'udpack',
        `UDP to the UDPack gateway ${label} failed: ${explainSocketError(e, 'is the gateway running on that UDP port?')}`,
        { cause: e },
      );
      if (handshake) handshake.abort(error);
      else log.debug(`UDPack socket error: ${errorMessage(e)}`);
    };
    socket.on('error', onError);
    try {
      try {
        socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        // capped by the system (net.core.rmem_max); the defaults work, only less well at high rates
      }
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(gateway.port, gateway.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      log.debug(`UDPack: handshake with ${label}, gateway key ${keyFingerprint(options.publicKey)}`);
      const hs = new ClientHandshake({
        publicKey: options.publicKey,
        token: options.token,
        algorithm: options.algorithm ?? AEAD_AES_128_GCM,
        ...(options.handshakeRetries !== undefined ? { retries: options.handshakeRetries } : {}),
        ...(options.handshakeTimeoutMs !== undefined ? { timeoutMs: options.handshakeTimeoutMs } : {}),
        clock,
        random: (n) => randomBytes(n),
        send: (datagram) => socket.send(datagram, (e) => e && onError(e)),
        gatewayLabel: label,
      });
      handshake = hs;
      socket.on('message', (msg) => {
        if (client) return;
        try {
          hs.onFrame(decodeFrame(msg));
        } catch {
          // not a UDPack frame: ignore
        }
      });
      const onAbort = (): void =>
        hs.abort(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let result;
      try {
        result = await hs.start();
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
      handshake = undefined;
      const protection = new PacketProtection(result.secrets, result.sessionId, 'client');
      const connection = new Connection({
        role: 'client',
        sessionId: result.sessionId,
        protection,
        peer: gateway,
        send: (datagram) => socket.send(datagram, (e) => e && client?.onSendError(e, gateway)),
        clock,
        random: (n) => randomBytes(n),
        logger: log,
        limits: options.limits ?? {},
        ...(result.rttMs !== undefined ? { initialRttMs: result.rttMs } : {}),
        onClosed: (info) => client?.onConnectionClosed(info),
      });
      client = new UdpackClient(socket, connection, label, log, () => ownClock?.close());
      const ready = client;
      socket.removeAllListeners('message');
      socket.on('message', (msg, rinfo) =>
        ready.onDatagram(msg, { address: rinfo.address, port: rinfo.port }, result.confirm),
      );
      log.info(`UDPack session ${formatSessionId(result.sessionId)} with ${label} ready`, {
        algorithm: protection.algorithm.cipher,
        ...(result.rttMs !== undefined ? { rttMs: Math.round(result.rttMs) } : {}),
      });
      return client;
    } catch (e) {
      closeSocket();
      ownClock?.close();
      throw e instanceof SpiceError
        ? e
        : new SpiceError('udpack', `UDPack: ${errorMessage(e)}`, { cause: e });
    }
  }

  private lastReconnect = -Infinity;

  /**
   * The socket stays connected to the gateway (cheaper sends, and an ICMP error is seen). A connected socket keeps
   * the local address it started with, so when that address goes away (Wi-Fi → LTE) sends fail: reconnecting
   * lets the kernel pick the new address, and the gateway follows the session there (migration).
   */
  private onSendError(e: Error, gateway: PeerAddress): void {
    const code = (e as NodeJS.ErrnoException).code;
    this.log.debug(`UDPack send failed: ${errorMessage(e)}`);
    if (this.closed || code === 'ECONNREFUSED' || performance.now() - this.lastReconnect < 200) return;
    this.lastReconnect = performance.now();
    try {
      this.socket.disconnect();
    } catch {
      // not connected
    }
    this.socket.connect(gateway.port, gateway.address, () => this.connection.nudge());
  }

  private onDatagram(msg: Buffer, from: PeerAddress, confirm: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(msg);
    } catch {
      return; // not a UDPack frame
    }
    if (frame.header.sessionId !== this.connection.sessionId) return;
    if (frame.header.opcode === OPCODE_DATA) this.connection.receive(frame, from);
    else if (frame.header.opcode === OPCODE_HANDSHAKE && frame.payload[0] === 0) {
      // The gateway repeats its answer when our confirmation was lost and nothing else reached it yet.
      this.socket.send(confirm, (e) => e && this.log.debug(`UDPack send failed: ${errorMessage(e)}`));
    }
  }

  /** A stream for one SPICE channel. `priority` 0 is interactive (inputs). */
  openStream(priority: number, what: string): Duplex {
    if (this.isClosed) throw new SpiceError('udpack', `the UDPack session with ${this.label} is closed`);
    const duplex = new UdpackDuplex({
      errorForReset: (code, reason) => this.resetError(code, reason, what),
    });
    duplex.attach(this.connection.openStream(priority, duplex));
    this.duplexes.add(duplex);
    duplex.once('close', () => {
      this.duplexes.delete(duplex);
      if (this.duplexes.size === 0) this.close();
    });
    return duplex;
  }

  private resetError(code: number, reason: string, what: string): SpiceError {
    const why = reason === '' ? '' : `: ${sanitizeReason(reason)}`;
    if (code === -1) return new SpiceError('udpack', `the UDPack session with ${this.label} ended${why}`);
    if (code === RESET_TARGET_UNREACHABLE)
      return new SpiceError(
        'unreachable',
        `the UDPack gateway ${this.label} cannot reach its SPICE server${why} — check the gateway's --target and that the VM is running`,
      );
    return new SpiceError('closed', `the UDPack gateway closed the ${what} stream${why}`);
  }

  private onConnectionClosed(info: CloseInfo): void {
    if (info.by === 'local') this.log.debug(`UDPack session with ${this.label} closed`);
    else
      this.log.info(
        `UDPack session with ${this.label} ended (${info.by === 'idle' ? 'idle timeout' : closeCodeName(info.code)})`,
        info.reason ? { reason: sanitizeReason(info.reason) } : undefined,
      );
    this.closeSocketSoon();
  }

  /** Ends the session (CLOSE to the gateway) and releases the socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const duplex of this.duplexes) duplex.destroy();
    if (this.connection.isClosed) this.closeSocketSoon();
    else this.connection.close(); // onClosed closes the socket once the CLOSE left
  }

  private socketClosing = false;
  private markSocketClosed: () => void = () => undefined;
  /** Resolves once the session is over and its socket closed. */
  readonly finished = new Promise<void>((resolve) => (this.markSocketClosed = resolve));

  private closeSocketSoon(): void {
    if (this.socketClosing) return;
    this.socketClosing = true;
    this.closed = true;
    // Let the CLOSE datagram leave before the socket goes (sends are asynchronous).
    this.releaseClock();
    setImmediate(() => {
      try {
        this.socket.close(() => this.markSocketClosed());
      } catch {
        this.markSocketClosed(); // already closed
      }
    });
  }
}

async function resolveGateway(host: string, label: string): Promise<string> {
  if (isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch (e) {
    throw new SpiceError(
      'unreachable',
      `cannot reach the UDPack gateway ${label}: ${explainSocketError(e)}`,
      {
        cause: e,
      },
    );
  }
}

function bind(socket: dgram.Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/**
 * A UDP socket bound to an explicit port. Linux forgets a port that bind(0) chose when a connected UDP socket
 * disconnects (the next send would leave from a new port, which the gateway would take for a migration), but keeps
 * one bound explicitly: so take a free port from a throw-away socket, then bind to it.
 */
async function bindSocket(type: 'udp4' | 'udp6', label: string): Promise<dgram.Socket> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const probe = dgram.createSocket(type);
    try {
      await bind(probe, 0);
      const { port } = probe.address();
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const socket = dgram.createSocket(type);
      try {
        await bind(socket, port);
        return socket;
      } catch (e) {
        socket.close();
        lastError = e;
      }
    } catch (e) {
      try {
        probe.close();
      } catch {
        // already closed
      }
      lastError = e;
    }
  }
  throw new SpiceError(
    'udpack',
    `cannot open a UDP socket for the UDPack gateway ${label}: ${errorMessage(lastError)}`,
    {
      cause: lastError,
    },
  );
}
