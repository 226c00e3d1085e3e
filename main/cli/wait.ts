// Waiting helpers for CLI commands: settle on session events with an overall deadline. The deadline is hard:
// whatever the server does (nothing, one byte a second, no link result), the command ends when it fires, and
// its message says where the session was stuck.
import { SpiceError } from '../spice/errors';
import type { SpiceSession } from '../spice/session';

/** Longest delay setTimeout honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Where a session that timed out was stuck, for the timeout message (empty when nothing useful is known). */
export function stallDetail(session: SpiceSession): string {
  const progress = session.mainChannel?.linkProgress;
  if (!progress) return '';
  if (!progress.connected) return ' (the connection to the server was not established)';
  if (progress.bytesReceived === 0)
    return ' (the server accepted the connection but never answered the SPICE link: the port may be wrong — is it the SPICE port?)';
  return ' (the server started the SPICE link but did not finish it)';
}

/** Rejects when the session closes with an error, or after `timeoutMs`. */
export function sessionDeadline(
  session: SpiceSession,
  timeoutMs: number,
  what: string,
  /** The timeout as the user gave it (seconds), when the deadline is what is left of it. */
  shownSeconds: number = Math.round(timeoutMs / 100) / 10,
): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SpiceError(
            'timeout',
            `gave up after ${shownSeconds} s waiting for ${what}${stallDetail(session)}`,
          ),
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
