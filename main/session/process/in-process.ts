// A session process without the process: run.ts on one end of an in-memory socket pair, the shell's
// socketProcessLink on the other — the same frames, guards and forwarding as the real child, in this process. For
// tests that script a fake session (they must reach into it), and nothing else: `saffron web` uses the real child.
import { Duplex } from 'node:stream';
import { socketProcessLink, type SocketProcessLink } from '../../ipc/socket-process-link';
import { runSessionProcess, type SessionProcessOptions } from './run';
import { socketParentLink } from './socket-link';

/** Two connected in-memory duplex streams (what one end writes, the other reads). */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        other().push(chunk);
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
      destroy(error, callback) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        callback(error);
      },
    });
  const a = make(() => ends[1]!);
  const b = make(() => ends[0]!);
  ends.push(a, b);
  return [a, b];
}

export function inProcessSessionLauncher(
  options: Pick<SessionProcessOptions, 'sessionDeps'>,
): () => SocketProcessLink {
  return () => {
    const [shellEnd, processEnd] = duplexPair();
    const exitListeners: ((reason: string) => void)[] = [];
    let exited = false;
    const finish = (reason: string): void => {
      if (exited) return;
      exited = true;
      for (const listener of exitListeners) listener(reason);
    };
    runSessionProcess(socketParentLink(processEnd), {
      env: {},
      ...options,
      onExit: () => finish('exited with code 0'),
    });
    return socketProcessLink(shellEnd, {
      kill: () => {
        shellEnd.destroy();
        processEnd.destroy();
        finish('killed');
      },
      onExit: (listener) => (exited ? listener('exited') : exitListeners.push(listener)),
    });
  };
}
