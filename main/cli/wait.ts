// Waiting helpers for CLI commands: settle on session events with an overall deadline.
import { SpiceError } from '../spice/errors';
import type { SpiceSession } from '../spice/session';

/** Longest delay setTimeout honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Rejects when the session closes with an error, or after `timeoutMs`. */
export function sessionDeadline(
  session: SpiceSession,
  timeoutMs: number,
  what: string,
): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SpiceError('timeout', `gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`),
        ),
      // setTimeout fires at once for delays beyond 2^31-1 ms; a longer --timeout waits the longest it can.
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    off = session.on('closed', ({ error }) =>
      reject(error ?? new SpiceError('closed', `the session closed while waiting for ${what}`)),
    );
  });
  promise.catch(() => {});
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      off?.();
    },
  };
}

/** Resolves `quietMs` after the last `poke()` (the first poke starts it, unless `startNow`). */
export function quietTimer(
  quietMs: number,
  startNow = true,
): { promise: Promise<void>; poke: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const poke = (): void => {
    clearTimeout(timer);
    timer = setTimeout(resolve, Math.min(quietMs, MAX_TIMER_MS));
  };
  if (startNow) poke();
  return { promise, poke, cancel: () => clearTimeout(timer) };
}
