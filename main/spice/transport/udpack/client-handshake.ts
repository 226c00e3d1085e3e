// The client's side of the UDPack handshake (docs/udpack.md §2): state OPEN, send the hello (opcode 0xA), wait,
// resend the same hello on a timeout (doubling the wait) up to `retries` times, then fail with a connection-timeout
// error. The gateway's 0xB answer carries a code: 0 → join the session id halves, answer 0xB code 0, READY;
// 1 → authentication failed; 0xFF or anything else → handshake failed.
import type { KeyObject } from 'node:crypto';
import { SpiceError } from '../../errors';
import type { Clock } from './connection';
import { HANDSHAKE_AUTH_FAILED, HANDSHAKE_OK, encryptHello, handshakeFrame, helloFrame } from './handshake';
import { OPCODE_HANDSHAKE, clientHalf, type Frame } from './header';
import { IV_BYTES, type AeadAlgorithm, type SessionSecrets } from './protection';

export const DEFAULT_HANDSHAKE_RETRIES = 5;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 400;
export const MAX_HANDSHAKE_TIMEOUT_MS = 3200;

export interface ClientHandshakeOptions {
  publicKey: KeyObject;
  token: string;
  algorithm: AeadAlgorithm;
  /** Resends after the first attempt. */
  retries?: number;
  /** Wait for the first answer; doubles per retry up to MAX_HANDSHAKE_TIMEOUT_MS. */
  timeoutMs?: number;
  clock: Clock;
  random(n: number): Uint8Array;
  send(datagram: Uint8Array): void;
  /** "host:port" of the gateway, for messages. */
  gatewayLabel: string;
}

export interface HandshakeResult {
  sessionId: number;
  secrets: SessionSecrets;
  /** Hello → answer time when the first hello was answered (undefined after a retry: ambiguous). */
  rttMs: number | undefined;
  /** The confirmation datagram (0xB code 0) already sent; kept so a repeated answer can be confirmed again. */
  confirm: Uint8Array;
}

export class ClientHandshake {
  readonly clientHalf: number;
  private readonly secrets: SessionSecrets;
  private readonly hello: Uint8Array;
  private attempts = 0;
  private firstSentAt = 0;
  private cancelTimer: (() => void) | undefined;
  private settle: { resolve: (r: HandshakeResult) => void; reject: (e: SpiceError) => void } | undefined;
  private done = false;

  constructor(private readonly options: ClientHandshakeOptions) {
    const half = options.random(2);
    this.clientHalf = ((half[0]! << 8) | half[1]!) >>> 0;
    this.secrets = {
      algorithm: options.algorithm,
      key: options.random(options.algorithm.keyBytes),
      iv: options.random(IV_BYTES),
    };
    // One ciphertext for every attempt: the gateway recognises a resent hello and answers it the same way.
    const ciphertext = encryptHello(options.publicKey, { ...this.secrets, token: options.token });
    this.hello = helloFrame(this.clientHalf, Math.floor(options.clock.wallMs()), ciphertext);
  }

  /** Sends the hello and resolves once READY. */
  start(): Promise<HandshakeResult> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.firstSentAt = this.options.clock.now();
      this.attempt();
    });
  }

  private attempt(): void {
    if (this.done) return;
    const retries = this.options.retries ?? DEFAULT_HANDSHAKE_RETRIES;
    const base = this.options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (this.attempts > retries) {
      const seconds = ((this.options.clock.now() - this.firstSentAt) / 1000).toFixed(1);
      this.fail(
        new SpiceError(
          'udpack',
          `no answer from the UDPack gateway ${this.options.gatewayLabel} after ${this.attempts} attempts in ${seconds} s ` +
            '(connection timeout) — is the gateway running, is its UDP port open in firewalls and NATs, and is ' +
            'this its address?',
        ),
      );
      return;
    }
    const wait = Math.min(base * 2 ** this.attempts, Math.max(base, MAX_HANDSHAKE_TIMEOUT_MS));
    this.attempts++;
    this.options.send(this.hello);
    this.cancelTimer = this.options.clock.setTimer(wait, () => this.attempt());
  }

  /** A frame from the gateway's address while the handshake runs. Anything not for us is ignored. */
  onFrame(frame: Frame): void {
    if (this.done || frame.header.opcode !== OPCODE_HANDSHAKE) return;
    if (clientHalf(frame.header.sessionId) !== this.clientHalf || frame.payload.length !== 1) return;
    const code = frame.payload[0]!;
    const label = this.options.gatewayLabel;
    if (code === HANDSHAKE_OK) {
      const sessionId = frame.header.sessionId >>> 0;
      if ((sessionId & 0xffff) === 0) return; // the gateway's half is never 0
      const confirm = handshakeFrame(sessionId, Math.floor(this.options.clock.wallMs()), HANDSHAKE_OK);
      this.options.send(confirm);
      const rttMs = this.attempts === 1 ? this.options.clock.now() - this.firstSentAt : undefined;
      this.finish();
      this.settle?.resolve({ sessionId, secrets: this.secrets, rttMs, confirm });
      return;
    }
    if (code === HANDSHAKE_AUTH_FAILED) {
      this.fail(
        new SpiceError(
          'auth-failed',
          `the UDPack gateway ${label} refused the token (authentication failed) — check --udpack-token, ` +
            "SAFFRON_UDPACK_TOKEN or the connection file's x-udpack-token",
        ),
      );
      return;
    }
    this.fail(
      new SpiceError(
        'udpack',
        `the UDPack gateway ${label} refused the handshake (code ${code}) — the public key given ` +
          "(--udpack-public-key or x-udpack-public-key) is probably not this gateway's, or the gateway is full",
      ),
    );
  }

  /** Gives up (socket error, cancellation). */
  abort(error: SpiceError): void {
    this.fail(error);
  }

  private fail(error: SpiceError): void {
    if (this.done) return;
    this.finish();
    this.settle?.reject(error);
  }

  private finish(): void {
    this.done = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
