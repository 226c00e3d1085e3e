// The peer's address and its validation (docs/udpack.md §7), after QUIC's connection migration: a session is
// found by its session id, not by address, so an authenticated packet from a new address (the client's Wi-Fi
// became LTE, a NAT rebound its port) moves the session there. Only the newest packet (largest packet number)
// may move it, so a replayed or delayed packet cannot. Until the new address answers a PATH_CHALLENGE with the
// same 8 random bytes, at most 3× what it sent may be sent to it (anti-amplification: a spoofed source address
// cannot turn the gateway into a flood cannon); if it never answers, the session goes back to the old address.

export interface PeerAddress {
  address: string;
  port: number;
}

export function addressKey(peer: PeerAddress): string {
  return `${peer.address}|${peer.port}`;
}

export function formatAddress(peer: PeerAddress): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

export const AMPLIFICATION_FACTOR = 3;
export const MAX_CHALLENGES = 4;

interface Path {
  peer: PeerAddress;
  key: string;
  validated: boolean;
  bytesReceived: number;
  bytesSent: number;
  challenge?: { data: Uint8Array; sentAt: number | undefined; tries: number };
}

export type PathEvent =
  | { type: 'migrated'; from: PeerAddress; to: PeerAddress }
  | { type: 'returned'; from: PeerAddress; to: PeerAddress }
  | { type: 'validated'; peer: PeerAddress }
  | { type: 'abandoned'; failed: PeerAddress; back: PeerAddress };

export class PathManager {
  private current: Path;
  private previous: Path | undefined;

  constructor(
    peer: PeerAddress,
    private readonly random: (n: number) => Uint8Array,
  ) {
    this.current = { peer, key: addressKey(peer), validated: true, bytesReceived: 0, bytesSent: 0 };
  }

  get peer(): PeerAddress {
    return this.current.peer;
  }

  get validated(): boolean {
    return this.current.validated;
  }

  /**
   * An authenticated packet of `size` bytes from `from`. `newest` is true when its packet number is the largest
   * received so far. Returns a migration event when the session moved.
   */
  onPacket(from: PeerAddress, size: number, newest: boolean): PathEvent | undefined {
    const key = addressKey(from);
    if (key === this.current.key) {
      this.current.bytesReceived += size;
      return undefined;
    }
    if (this.previous && key === this.previous.key) {
      this.previous.bytesReceived += size;
      if (!newest) return undefined;
      // The newest packet comes from the address validated before: back there at once (the move was a NAT
      // glitch or an attacker's copy that will never answer its challenge).
      const left = this.current.peer;
      this.current = this.previous;
      this.previous = undefined;
      return { type: 'returned', from: left, to: this.current.peer };
    }
    if (!newest) return undefined;
    const from_ = this.current.peer;
    this.previous = this.current.validated ? this.current : this.previous;
    this.current = {
      peer: from,
      key,
      validated: false,
      bytesReceived: size,
      bytesSent: 0,
      challenge: { data: this.random(8), sentAt: undefined, tries: 0 },
    };
    return { type: 'migrated', from: from_, to: from };
  }

  /** May `size` more bytes go to the current address? */
  canSend(size: number): boolean {
    return size <= this.allowance();
  }

  /** Bytes that may still go to the current address before it is validated (Infinity once it is). */
  allowance(): number {
    const p = this.current;
    return p.validated ? Infinity : Math.max(0, AMPLIFICATION_FACTOR * p.bytesReceived - p.bytesSent);
  }

  onSent(size: number): void {
    this.current.bytesSent += size;
  }

  /** The challenge to send now (first time, or again after `retryMs`), or undefined. */
  challengeDue(now: number, retryMs: number): Uint8Array | undefined {
    const c = this.current.challenge;
    if (!c || this.current.validated || c.tries >= MAX_CHALLENGES) return undefined;
    if (c.sentAt !== undefined && now - c.sentAt < retryMs) return undefined;
    return c.data;
  }

  /** When the pending challenge needs attention next. */
  challengeDeadline(retryMs: number): number | undefined {
    const c = this.current.challenge;
    if (!c || this.current.validated) return undefined;
    return c.sentAt === undefined ? 0 : c.sentAt + retryMs;
  }

  onChallengeSent(now: number): void {
    const c = this.current.challenge;
    if (!c) return;
    c.tries++;
    c.sentAt = now;
  }

  /** After MAX_CHALLENGES unanswered challenges, goes back to the previous (validated) address. */
  expire(now: number, retryMs: number): PathEvent | undefined {
    const c = this.current.challenge;
    if (!c || this.current.validated || c.tries < MAX_CHALLENGES || c.sentAt === undefined) return undefined;
    if (now - c.sentAt < retryMs || !this.previous) return undefined;
    const failed = this.current.peer;
    this.current = this.previous;
    this.previous = undefined;
    return { type: 'abandoned', failed, back: this.current.peer };
  }

  /** A PATH_RESPONSE arrived. */
  onResponse(data: Uint8Array): PathEvent | undefined {
    const c = this.current.challenge;
    if (!c || this.current.validated || !equalBytes(c.data, data)) return undefined;
    this.current.validated = true;
    delete this.current.challenge;
    this.previous = undefined;
    return { type: 'validated', peer: this.current.peer };
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
