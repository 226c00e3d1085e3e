// HTTP CONNECT tunnelling (RFC 9110 §9.3.6) for `proxy=` / SPICE_PROXY / --proxy: connect to the proxy, ask
// for `CONNECT host:port`, read a bounded reply, and hand back the raw socket (TLS, if any, runs inside).
// The target may be an opaque token (Proxmox `pvespiceproxy:…`); only IPv6 literals are bracketed.
import type net from 'node:net';
import { SpiceError } from '../errors';
import type { ProxyConfig } from '../connect/config';
import { hostPort } from '../connect/config';
import { connectSocket } from './socket-connect';

/** Largest proxy reply header we accept. */
export const MAX_PROXY_REPLY_BYTES = 16 * 1024;

export interface TunnelOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Builds the CONNECT request (exported for tests). Throws SpiceError('config') for a target that would
 * break the request line (spaces, control characters: CR/LF would inject headers). */
export function buildConnectRequest(proxy: ProxyConfig, target: string): string {
  if (/[\x00-\x20\x7f]/.test(target))
    throw new SpiceError(
      'config',
      `the host ${JSON.stringify(target)} contains spaces or control characters — check the host in the connection file or address`,
    );
  let request = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n`;
  if (proxy.username !== undefined) {
    const credentials = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString('base64');
    request += `Proxy-Authorization: Basic ${credentials}\r\n`;
  }
  return `${request}\r\n`;
}

function explainStatus(
  status: number,
  reason: string,
  proxyLabel: string,
  target: string,
  proxy: ProxyConfig,
): string {
  const answer = `${status}${reason ? ` ${reason}` : ''}`;
  switch (status) {
    case 407:
      return proxy.username !== undefined
        ? `proxy ${proxyLabel} rejected the user name or password (${answer}) — check the credentials in the proxy address`
        : `proxy ${proxyLabel} requires authentication (${answer}) — give it as http://USER:PASSWORD@${proxyLabel}`;
    case 403:
      return `proxy ${proxyLabel} refused the target ${target} (${answer}) — the proxy does not allow it; connection files with a one-time ticket (Proxmox) expire within seconds: download a fresh one`;
    case 400:
    case 404:
      return `proxy ${proxyLabel} did not accept the target ${target} (${answer}) — the connection file may be stale or for another proxy`;
    case 405:
    case 501:
      return `proxy ${proxyLabel} does not support CONNECT tunnels (${answer})`;
    case 502:
    case 503:
    case 504:
      return `proxy ${proxyLabel} could not reach the SPICE server ${target} (${answer}) — is the VM running?`;
    default:
      return `proxy ${proxyLabel} refused CONNECT ${target} (${answer})`;
  }
}

/** Opens a tunnel through `proxy` to `host:port`. Rejects with SpiceError 'proxy' (or 'cancelled'). */
export async function openProxyTunnel(
  proxy: ProxyConfig,
  host: string,
  port: number,
  options: TunnelOptions,
): Promise<net.Socket> {
  const proxyLabel = hostPort(proxy.host, proxy.port);
  const target = hostPort(host, port);
  // Built before connecting, so a target that cannot be sent fails without opening a socket.
  const request = buildConnectRequest(proxy, target);
  const connectOptions = {
    timeoutMs: options.timeoutMs,
    label: `proxy ${proxyLabel}`,
    hint: 'is the proxy running, and is the address right (.vv proxy=, --proxy, SPICE_PROXY)?',
  };
  let socket: net.Socket;
  try {
    socket = await connectSocket(
      { host: proxy.host, port: proxy.port },
      options.signal ? { ...connectOptions, signal: options.signal } : connectOptions,
    );
  } catch (e) {
    if (e instanceof SpiceError && e.code === 'unreachable')
      throw new SpiceError('proxy', e.message, { cause: e });
    throw e;
  }

  return new Promise<net.Socket>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('close', onClose);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: SpiceError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    // 'readable' + read() rather than 'data': once the listener is removed the socket is back in its initial
    // (non-flowing) state, so nothing is lost before the caller attaches its own reader.
    const onReadable = (): void => {
      for (;;) {
        if (settled) return;
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) return;
        onData(chunk);
      }
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      const data = Buffer.concat(chunks, received);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received > MAX_PROXY_REPLY_BYTES)
          fail(
            new SpiceError(
              'proxy',
              `proxy ${proxyLabel} sent a reply header larger than ${MAX_PROXY_REPLY_BYTES} bytes`,
            ),
          );
        else if (received >= 5 && !data.subarray(0, 5).toString('latin1').startsWith('HTTP/'))
          fail(
            new SpiceError(
              'proxy',
              `proxy ${proxyLabel} did not answer with HTTP — is it really an HTTP proxy?`,
            ),
          );
        return;
      }
      const head = data.subarray(0, end).toString('latin1');
      const statusLine = head.split('\r\n', 1)[0] ?? '';
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!match) {
        fail(
          new SpiceError(
            'proxy',
            `proxy ${proxyLabel} sent a malformed status line — is it really an HTTP proxy?`,
          ),
        );
        return;
      }
      const status = Number(match[1]);
      if (status < 200 || status > 299) {
        fail(
          new SpiceError(
            'proxy',
            explainStatus(
              status,
              // The reason phrase is the proxy's text: no control characters (terminal escapes) in our message.
              (match[2] ?? '')
                .replace(/[\x00-\x1f\x7f-\x9f]/g, '?')
                .trim()
                .slice(0, 100),
              proxyLabel,
              target,
              proxy,
            ),
          ),
        );
        return;
      }
      settled = true;
      cleanup();
      const rest = data.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (err: Error): void =>
      fail(
        new SpiceError('proxy', `proxy ${proxyLabel} failed during CONNECT ${target}: ${err.message}`, {
          cause: err,
        }),
      );
    const onClose = (): void =>
      fail(
        new SpiceError(
          'proxy',
          `proxy ${proxyLabel} closed the connection without answering CONNECT ${target}`,
        ),
      );
    const onAbort = (): void =>
      fail(new SpiceError('cancelled', `connecting through proxy ${proxyLabel} was cancelled`));
    const timer = setTimeout(() => {
      fail(
        new SpiceError(
          'proxy',
          `proxy ${proxyLabel} did not answer CONNECT ${target} within ${Math.round(options.timeoutMs / 100) / 10} s`,
        ),
      );
    }, options.timeoutMs);
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('close', onClose);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.write(request);
  });
}
