// Raw TCP / UNIX-socket connect with a connect timeout, cancellation and user-facing error messages
// ("cannot reach HOST:PORT: connection refused — is the VM running …"). Used directly and for proxies.
import net from 'node:net';
import { SpiceError } from '../errors';

export type SocketTarget = { host: string; port: number } | { path: string };

export interface ConnectOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** How the target is named in messages ("127.0.0.1:5900", "proxy proxy.example:3128"). */
  label: string;
  /** What to suggest when the target refuses or cannot be found; defaults to the SPICE server hint. */
  hint?: string;
}

const SPICE_HINT = 'is the VM running and is SPICE listening there?';

/** Turns a socket error into the reason part of a message ("connection refused — …"). */
export function explainSocketError(err: unknown, hint: string = SPICE_HINT): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused — ${hint}`;
    case 'ENOTFOUND':
      return 'host name not found — check the spelling, or your DNS/VPN';
    case 'EAI_AGAIN':
      return 'host name lookup failed temporarily — check your DNS/network and try again';
    case 'ETIMEDOUT':
      return 'the connection timed out — check the address, a firewall, or that the host is up';
    case 'EHOSTUNREACH':
      return 'no route to host — check the network, VPN or firewall';
    case 'ENETUNREACH':
      return 'network unreachable — check the network connection or VPN';
    case 'ECONNRESET':
      return 'connection reset by the peer — the server or a firewall closed it';
    case 'ENOENT':
      return `no such socket — ${hint}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied — check the socket permissions or run as a user allowed to use it';
    case 'ENOTSOCK':
    case 'ECONNABORTED':
      return 'not a listening socket';
    case 'EADDRNOTAVAIL':
      return 'address not available — check the address';
    default: {
      const text = err instanceof Error ? err.message : String(err);
      return code ? `${text} (${code})` : text;
    }
  }
}

/** Connects; resolves once connected. Rejects with SpiceError 'unreachable' or 'cancelled'. */
export function connectSocket(target: SocketTarget, options: ConnectOptions): Promise<net.Socket> {
  const { signal, label, timeoutMs } = options;
  const hint = options.hint ?? SPICE_HINT;
  return new Promise<net.Socket>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
      return;
    }
    const socket =
      'path' in target
        ? net.connect({ path: target.path })
        : net.connect({ host: target.host, port: target.port });
    let settled = false;
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: SpiceError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.on('error', () => {}); // late errors after we gave up are expected
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (!('path' in target)) socket.setNoDelay(true);
      resolve(socket);
    };
    const onError = (err: Error): void =>
      fail(
        new SpiceError('unreachable', `cannot reach ${label}: ${explainSocketError(err, hint)}`, {
          cause: err,
        }),
      );
    const onAbort = (): void => fail(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
    const timer = setTimeout(() => {
      const seconds = Math.round(timeoutMs / 100) / 10;
      fail(
        new SpiceError(
          'unreachable',
          `cannot reach ${label}: no answer within ${seconds} s — check the address, a firewall, or that the host is up`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
