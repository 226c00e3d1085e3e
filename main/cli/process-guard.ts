// The last line of defence of the `saffron` process: an unhandled promise rejection or uncaught exception (a bug
// somewhere, or a path nobody foresaw) becomes one logged line and the documented exit code — never a stack
// trace. A long-running command (`saffron web`) switches the guard to keep running and report instead.
import { errorLine, exitCodeOf } from './errors';

export interface ProcessGuard {
  /** Until the returned function is called, stray errors go to `onError` and the process keeps running. */
  keepRunning(onError: (e: unknown) => void): () => void;
}

export interface GuardedProcess {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (e: unknown) => void): unknown;
  exit(code: number): never;
}

export function installProcessGuard(proc: GuardedProcess, stderr: (line: string) => void): ProcessGuard {
  const keepers: ((e: unknown) => void)[] = [];
  const handle = (e: unknown): void => {
    const keeper = keepers[keepers.length - 1];
    if (keeper) {
      try {
        keeper(e);
      } catch {
        // reporting must never bring the process down
      }
      return;
    }
    stderr(errorLine(e));
    proc.exit(exitCodeOf(e));
  };
  proc.on('unhandledRejection', handle);
  proc.on('uncaughtException', handle);
  return {
    keepRunning(onError) {
      keepers.push(onError);
      return () => {
        const i = keepers.lastIndexOf(onError);
        if (i >= 0) keepers.splice(i, 1);
      };
    },
  };
}
