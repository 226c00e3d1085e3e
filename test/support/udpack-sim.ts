// Deterministic UDPack test bed: a virtual clock and a lossy, delaying, duplicating, reordering in-process link
// between a client and a gateway Connection, all seeded, so a loss-recovery test replays exactly.
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../main/spice/logger';
import {
  Connection,
  type Clock,
  type ConnectionLimits,
  type StreamHandle,
  type StreamSink,
} from '../../main/spice/transport/udpack/connection';
import { decodeFrame } from '../../main/spice/transport/udpack/header';
import type { PeerAddress } from '../../main/spice/transport/udpack/path';
import {
  AEAD_AES_128_GCM,
  PacketProtection,
  type SessionSecrets,
} from '../../main/spice/transport/udpack/protection';
import { prng as mulberry32 } from './prng';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private deferred: (() => void)[] = [];
  readonly wallBase = 1_700_000_000_000;

  now(): number {
    return this.t;
  }
  wallMs(): number {
    return this.wallBase + this.t;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  private runDeferred(): void {
    while (this.deferred.length > 0) this.deferred.shift()!();
  }

  /** Runs events until `until` returns true or `limitMs` of virtual time passed. Returns true when `until` held. */
  run(until: () => boolean, limitMs: number): boolean {
    const end = this.t + limitMs;
    this.runDeferred();
    for (;;) {
      if (until()) return true;
      this.timers = this.timers.filter((x) => !x.cancelled);
      if (this.timers.length === 0) return until();
      let next = this.timers[0]!;
      for (const x of this.timers) if (x.at < next.at || (x.at === next.at && x.seq < next.seq)) next = x;
      if (next.at > end) {
        this.t = end;
        return until();
      }
      this.t = Math.max(this.t, next.at);
      next.cancelled = true;
      next.fn();
      this.runDeferred();
    }
  }

  /** Advances time by `ms`, running whatever falls due. */
  advance(ms: number): void {
    this.run(() => false, ms);
  }
}

export interface LinkProfile {
  /** One-way delay. */
  delayMs: number;
  /** Probability of losing a datagram (0..1). */
  loss?: number;
  duplicate?: number;
  /** Probability that a datagram takes `reorderExtraMs` longer. */
  reorder?: number;
  reorderExtraMs?: number;
  /** Bottleneck rate in bytes per ms (undefined: unlimited) and its queue limit in ms. */
  rateBytesPerMs?: number;
  queueMs?: number;
}

export type Direction = 'up' | 'down';

/** Decides per datagram; return true to drop it (on top of the profile's random loss). */
export type DropFilter = (direction: Direction, datagram: Uint8Array, index: number) => boolean;

export class LossyLink {
  private readonly random: () => number;
  private freeAt: Record<Direction, number> = { up: 0, down: 0 };
  readonly counts = { up: 0, down: 0, dropped: 0, duplicated: 0 };
  filter: DropFilter | undefined;
  /** Every datagram that entered the link, for replay tests. */
  readonly captured: { direction: Direction; datagram: Uint8Array }[] = [];

  constructor(
    private readonly clock: VirtualClock,
    public profile: Record<Direction, LinkProfile>,
    seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  send(direction: Direction, datagram: Uint8Array, deliver: (d: Uint8Array) => void): void {
    const index = this.counts[direction]++;
    if (this.captured.length < 100_000)
      this.captured.push({ direction, datagram: Uint8Array.from(datagram) });
    const p = this.profile[direction];
    if (this.filter?.(direction, datagram, index) || this.random() < (p.loss ?? 0)) {
      this.counts.dropped++;
      return;
    }
    const now = this.clock.now();
    let at = now;
    if (p.rateBytesPerMs !== undefined) {
      const start = Math.max(now, this.freeAt[direction]);
      if (start - now > (p.queueMs ?? 100)) {
        this.counts.dropped++;
        return;
      }
      this.freeAt[direction] = start + datagram.length / p.rateBytesPerMs;
      at = this.freeAt[direction];
    }
    let delay = at - now + p.delayMs;
    if (this.random() < (p.reorder ?? 0)) delay += p.reorderExtraMs ?? 5;
    const copy = Uint8Array.from(datagram);
    this.clock.setTimer(delay, () => deliver(copy));
    if (this.random() < (p.duplicate ?? 0)) {
      this.counts.duplicated++;
      this.clock.setTimer(delay + 1, () => deliver(Uint8Array.from(copy)));
    }
  }
}

export const CLIENT_ADDR: PeerAddress = { address: '10.0.0.2', port: 40000 };
export const GATEWAY_ADDR: PeerAddress = { address: '10.0.1.1', port: 4433 };

export interface Pair {
  clock: VirtualClock;
  link: LossyLink;
  client: Connection;
  gateway: Connection;
  /** Streams the gateway accepted, by id. */
  accepted: Map<number, { handle: StreamHandle; sink: CollectingSink }>;
  /** The client's current source address (change it to migrate). */
  clientAddress: PeerAddress;
  closed: { client?: string; gateway?: string };
  secrets: SessionSecrets;
}

/** A sink that collects data; `paused` holds back flow-control credit like a slow reader. */
export class CollectingSink implements StreamSink {
  chunks: Uint8Array[] = [];
  bytes = 0;
  ended = false;
  resetWith: { code: number; reason: string } | undefined;
  writable = 0;
  paused = false;
  private owed = 0;
  handle: StreamHandle | undefined;
  /** Virtual time of each delivery. */
  times: number[] = [];
  constructor(private readonly clock?: VirtualClock) {}

  onData(data: Uint8Array): void {
    this.chunks.push(Uint8Array.from(data));
    this.bytes += data.length;
    this.times.push(this.clock?.now() ?? 0);
    if (this.paused) this.owed += data.length;
    else this.handle?.consumed(data.length);
  }
  onEnd(): void {
    this.ended = true;
  }
  onReset(code: number, reason: string): void {
    this.resetWith = { code, reason };
  }
  onWritable(): void {
    this.writable++;
  }
  resume(): void {
    this.paused = false;
    const n = this.owed;
    this.owed = 0;
    if (n > 0) this.handle?.consumed(n);
  }
  data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function makePair(options: {
  seed: number;
  profile: Record<Direction, LinkProfile>;
  limits?: Partial<ConnectionLimits>;
  gatewayLimits?: Partial<ConnectionLimits>;
}): Pair {
  const clock = new VirtualClock();
  const link = new LossyLink(clock, options.profile, options.seed);
  const rng = mulberry32(options.seed ^ 0x5eed);
  const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
  const secrets: SessionSecrets = {
    algorithm: AEAD_AES_128_GCM,
    key: Uint8Array.from(randomBytes(16)),
    iv: Uint8Array.from(randomBytes(12)),
  };
  const sessionId = 0x1234abcd;
  const pair = {
    clock,
    link,
    accepted: new Map(),
    clientAddress: { ...CLIENT_ADDR },
    closed: {},
  } as unknown as Pair;
  pair.secrets = secrets;
  pair.gateway = new Connection({
    role: 'gateway',
    sessionId,
    protection: new PacketProtection(secrets, sessionId, 'gateway'),
    peer: CLIENT_ADDR,
    send: (datagram, to) =>
      link.send('down', datagram, (d) => {
        // Delivered only if the client still has the address the packet was sent to.
        if (to.address === pair.clientAddress.address && to.port === pair.clientAddress.port)
          pair.client.receive(decodeFrame(d), GATEWAY_ADDR);
      }),
    clock,
    random,
    logger: silentLogger,
    limits: { keepAliveMs: 0, idleTimeoutMs: 60_000, ...options.limits, ...options.gatewayLimits },
    onPeerStream: (handle) => {
      const sink = new CollectingSink(clock);
      sink.handle = handle;
      pair.accepted.set(handle.id, { handle, sink });
      return sink;
    },
    onClosed: (info) => {
      pair.closed.gateway = `${info.by}:${info.code}:${info.reason}`;
    },
  });
  pair.client = new Connection({
    role: 'client',
    sessionId,
    protection: new PacketProtection(secrets, sessionId, 'client'),
    peer: GATEWAY_ADDR,
    send: (datagram) => {
      const from = { ...pair.clientAddress };
      link.send('up', datagram, (d) => pair.gateway.receive(decodeFrame(d), from));
    },
    clock,
    random,
    logger: silentLogger,
    limits: { ...options.limits },
    onClosed: (info) => {
      pair.closed.client = `${info.by}:${info.code}:${info.reason}`;
    },
  });
  return pair;
}

/** Opens a client stream with a collecting sink. */
export function openClientStream(
  pair: Pair,
  priority: number,
): { handle: StreamHandle; sink: CollectingSink } {
  const sink = new CollectingSink(pair.clock);
  const handle = pair.client.openStream(priority, sink);
  sink.handle = handle;
  return { handle, sink };
}

/** Deterministic pseudo-random bytes. */
export function patternBytes(length: number, seed: number): Buffer {
  const rng = mulberry32(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
  return out;
}
