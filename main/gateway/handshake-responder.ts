// The gateway's side of the UDPack handshake (docs/udpack.md §2, §10): decrypt the hello with the private key,
// check the token with the application's verifier, answer 0xB with a code and the gateway's half of the session id.
// Defences: hellos are rate-limited (globally and per source address) before the RSA decryption they cost; a
// resent hello (same ciphertext) is answered from a cache without decrypting again, and once its session moved on,
// a replayed hello is dropped; the answer (17 bytes) is far smaller than the hello (≥ 272), so it cannot amplify.
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import {
  HANDSHAKE_AUTH_FAILED,
  HANDSHAKE_FAILED,
  HANDSHAKE_OK,
  decodeHelloPayload,
  decryptHello,
  handshakeFrame,
} from '../spice/transport/udpack/handshake';
import { clientHalf, joinSessionId, type Frame } from '../spice/transport/udpack/header';
import type { SessionSecrets } from '../spice/transport/udpack/protection';

export type TokenVerifier = (token: string) => boolean | Promise<boolean>;

export interface ResponderOptions {
  privateKey: KeyObject;
  verifyToken: TokenVerifier;
  /** Is this session id taken (a live or pending session)? */
  sessionIdInUse(sessionId: number): boolean;
  /** May another session start (the gateway's session limit)? */
  canAcceptSession(): boolean;
  now(): number;
  wallMs(): number;
  random?(n: number): Uint8Array;
  /** Hellos per second accepted for decryption, all sources together (burst: twice that). */
  globalRatePerSecond?: number;
  /** Hellos per second per source address. */
  perSourceRatePerSecond?: number;
  /** How long a hello is remembered (answers for resends, refusal of replays). */
  memoryMs?: number;
}

export type HelloOutcome =
  | { kind: 'dropped'; why: 'rate-limited' | 'replay' | 'busy' }
  | { kind: 'refused'; reply: Uint8Array; code: number; why: string }
  | { kind: 'repeat'; reply: Uint8Array; sessionId: number }
  | { kind: 'accepted'; reply: Uint8Array; sessionId: number; secrets: SessionSecrets };

interface Remembered {
  at: number;
  reply: Uint8Array | undefined;
  sessionId: number;
  /** The session is past OPEN (READY or gone): a resend is now a replay. */
  settled: boolean;
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly ratePerMs: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const MAX_REMEMBERED = 16_384;
const MAX_SOURCES = 4096;

export class HandshakeResponder {
  private readonly remembered = new Map<string, Remembered>();
  private readonly global: TokenBucket;
  private readonly sources = new Map<string, TokenBucket>();
  private readonly options: ResponderOptions;
  private inFlight = 0;

  constructor(options: ResponderOptions) {
    this.options = options;
    const rate = options.globalRatePerSecond ?? 100;
    this.global = new TokenBucket(rate / 1000, rate * 2, options.now());
  }

  /** Handles a hello (opcode 0xA) from `source` ("address|port" is fine; rate limits use the address). */
  async onHello(frame: Frame, sourceAddress: string): Promise<HelloOutcome> {
    const now = this.options.now();
    this.forgetOld(now);
    const digest = createHash('sha256').update(frame.payload).digest('hex');
    const seen = this.remembered.get(digest);
    if (seen) {
      if (seen.settled || !seen.reply) return { kind: 'dropped', why: 'replay' };
      return { kind: 'repeat', reply: seen.reply, sessionId: seen.sessionId };
    }
    if (!this.sourceBucket(sourceAddress, now).take(now) || !this.global.take(now))
      return { kind: 'dropped', why: 'rate-limited' };
    if (this.inFlight >= 64) return { kind: 'dropped', why: 'busy' };
    const half = clientHalf(frame.header.sessionId);
    const wall = Math.floor(this.options.wallMs());
    const refuse = (code: number, why: string): HelloOutcome => {
      const reply = handshakeFrame(joinSessionId(half, 0), wall, code);
      this.remember(digest, { at: now, reply, sessionId: 0, settled: false });
      return { kind: 'refused', reply, code, why };
    };
    if ((frame.header.sessionId & 0xffff) !== 0)
      return refuse(HANDSHAKE_FAILED, 'the hello carries a gateway half');
    const plain = decryptHello(this.options.privateKey, frame.payload);
    if (!plain) return refuse(HANDSHAKE_FAILED, 'the hello does not decrypt with this gateway key');
    let hello;
    try {
      hello = decodeHelloPayload(plain);
    } catch (e) {
      return refuse(HANDSHAKE_FAILED, `malformed hello: ${(e as Error).message}`);
    }
    this.inFlight++;
    let valid: boolean;
    try {
      valid = await this.options.verifyToken(hello.token);
    } catch {
      valid = false;
    } finally {
      this.inFlight--;
    }
    if (!valid) return refuse(HANDSHAKE_AUTH_FAILED, 'token refused');
    if (!this.options.canAcceptSession()) return refuse(HANDSHAKE_FAILED, 'session limit reached');
    const sessionId = this.allocate(half);
    if (sessionId === undefined) return refuse(HANDSHAKE_FAILED, 'no free session id');
    const reply = handshakeFrame(sessionId, wall, HANDSHAKE_OK);
    this.remember(digest, { at: now, reply, sessionId, settled: false });
    return {
      kind: 'accepted',
      reply,
      sessionId,
      secrets: { algorithm: hello.algorithm, key: hello.key, iv: hello.iv },
    };
  }

  /** The session left OPEN (READY or abandoned): its hello, seen again, is a replay. */
  settle(sessionId: number): void {
    for (const entry of this.remembered.values()) if (entry.sessionId === sessionId) entry.settled = true;
  }

  private allocate(half: number): number | undefined {
    const random = (n: number): Uint8Array => this.options.random?.(n) ?? randomBytes(n);
    for (let attempt = 0; attempt < 32; attempt++) {
      const bytes = random(2);
      const gatewayHalf = (bytes[0]! << 8) | bytes[1]!;
      if (gatewayHalf === 0) continue;
      const id = joinSessionId(half, gatewayHalf);
      if (!this.options.sessionIdInUse(id)) return id;
    }
    return undefined;
  }

  private sourceBucket(address: string, now: number): TokenBucket {
    let bucket = this.sources.get(address);
    if (!bucket) {
      if (this.sources.size >= MAX_SOURCES) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      const rate = this.options.perSourceRatePerSecond ?? 10;
      bucket = new TokenBucket(rate / 1000, rate * 2, now);
      this.sources.set(address, bucket);
    }
    return bucket;
  }

  private remember(digest: string, entry: Remembered): void {
    if (this.remembered.size >= MAX_REMEMBERED) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(digest, entry);
  }

  private forgetOld(now: number): void {
    const memory = this.options.memoryMs ?? 10 * 60_000;
    for (const [digest, entry] of this.remembered) {
      if (now - entry.at < memory) break;
      this.remembered.delete(digest);
    }
  }
}
