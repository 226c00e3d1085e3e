// When a session ends, should the client connect again by itself? A plain decision module (no timers, no
// session): classifies how the session ended as retryable — the connection dropped without the server saying
// DISCONNECTING, a network error, the server restarting (refused or silent while the VM reboots) — or final —
// authentication failed, a one-time .vv ticket that has expired ("get a new connection file"), the server
// disconnecting this client on purpose, configuration, TLS and protocol errors. It also computes the backoff
// schedule (exponential, capped, with jitter whose randomness is injected so tests are exact).
// The connection controller wires it (countdown, Cancel, re-authentication with the password in memory).
import { isIPv6 } from 'node:net';
import { ServerDisconnectedError, type SpiceError, type SpiceErrorCode } from '../spice/errors';
import type { ConnectionConfig } from '../spice/connect/config';

export interface SessionEnd {
  /** Why the session ended: null for a local close (the user disconnected). */
  error: SpiceError | null;
  /** The session had been connected (MAIN_INIT received) before it ended. A first connect that fails is not retried. */
  wasConnected: boolean;
  /** The password is a one-time ticket (a .vv with delete-this-file, a proxy ticket) that cannot be reused. */
  oneTimeTicket: boolean;
}

export type ReconnectDecision =
  | { retry: true; reason: string }
  | {
      retry: false;
      reason: string;
      /** What to tell the user, when there is more to say than the error. */ message?: string;
    };

/** Codes that mean the connection went away, not that the server said no: worth another try. */
const TRANSIENT: ReadonlySet<SpiceErrorCode> = new Set<SpiceErrorCode>(['closed', 'unreachable', 'timeout']);

export function classifySessionEnd(end: SessionEnd): ReconnectDecision {
  const { error } = end;
  if (error === null) return { retry: false, reason: 'closed locally' };
  if (error instanceof ServerDisconnectedError)
    return { retry: false, reason: 'the server disconnected this client (DISCONNECTING)' };
  if (
    end.oneTimeTicket &&
    (error.code === 'auth-failed' || error.code === 'proxy' || error.code === 'password-required')
  )
    return {
      retry: false,
      reason: 'one-time ticket expired',
      message:
        'The one-time ticket of this connection file has expired: get a new connection file (download the .vv again) to connect.',
    };
  if (!end.wasConnected) return { retry: false, reason: `the first connection failed (${error.code})` };
  if (TRANSIENT.has(error.code)) return { retry: true, reason: `connection lost (${error.code})` };
  return { retry: false, reason: `final error (${error.code})` };
}

/** Whether a config's password is a one-time ticket (never re-usable after it was spent or expired). */
export function hasOneTimeTicket(config: ConnectionConfig): boolean {
  if (config.deleteThisFile) return true;
  // Proxmox: the host is an opaque proxy ticket (`pvespiceproxy:…`), valid for seconds.
  return config.host.includes(':') && !isIPv6(config.host.replace(/%.*$/, ''));
}

export interface BackoffOptions {
  /** Delay before the first retry (default 1000 ms). */
  initialDelayMs: number;
  /** Each retry waits this much longer than the one before (default 2). */
  multiplier: number;
  /** Longest delay between tries (default 8 s: with the jitter, a server that is back is reached within 10 s). */
  maxDelayMs: number;
  /** ± fraction of each delay drawn at random, so many clients do not retry in step (default 0.2). */
  jitter: number;
  /** Tries before giving up; 0 = never give up (default 0). */
  maxAttempts: number;
  /** Connected at least this long, the next outage starts again from the first delay (default 60 s). */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 8000,
  jitter: 0.2,
  maxAttempts: 0,
  healthyAfterMs: 60_000,
};

/**
 * The delay before retry number `attempt` (0 = the first), or null when the attempts are used up. `random()`
 * returns [0, 1): 0.5 gives the nominal delay.
 */
export function backoffDelayMs(
  attempt: number,
  options: Partial<BackoffOptions> = {},
  random: () => number = Math.random,
): number | null {
  const o = { ...DEFAULT_BACKOFF, ...options };
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt ${attempt}`);
  if (o.maxAttempts > 0 && attempt >= o.maxAttempts) return null;
  const nominal = Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** attempt);
  const jitter = Math.min(1, Math.max(0, o.jitter));
  const r = Math.min(1, Math.max(0, random()));
  const delay = nominal * (1 - jitter + 2 * jitter * r);
  return Math.round(Math.min(o.maxDelayMs * (1 + jitter), Math.max(0, delay)));
}

/** Successive retries of one outage; reset() once connected again. */
export class ReconnectSchedule {
  private attempt = 0;
  private connectedAtMs: number | undefined;
  constructor(
    private readonly options: Partial<BackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {}

  /** Tries made in this outage. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next try, or null when the schedule gave up. */
  next(): number | null {
    const delay = backoffDelayMs(this.attempt, this.options, this.random);
    if (delay !== null) this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
    this.connectedAtMs = undefined;
  }

  /** The session is connected (again) at `nowMs`. */
  connected(nowMs: number): void {
    this.connectedAtMs = nowMs;
  }

  /** The connection dropped at `nowMs`: after a healthy period of being connected, the count starts over. */
  dropped(nowMs: number): void {
    const healthyAfterMs = this.options.healthyAfterMs ?? DEFAULT_BACKOFF.healthyAfterMs;
    if (this.connectedAtMs !== undefined && nowMs - this.connectedAtMs >= healthyAfterMs) this.attempt = 0;
    this.connectedAtMs = undefined;
  }
}
