// The `saffron web` server: serves the renderer over HTTP and carries the contract (shared/contract.ts) over a
// WebSocket per browser tab to the session process (web-views.ts) — JSON text frames for requests and most
// messages, binary frames for pixels, forwarded without being decoded here; the session process guards every
// request. Binds loopback by default and refuses WebSocket upgrades from other origins or Host names (cross-site
// WebSocket hijacking, DNS rebinding) and without the run's access token.
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { TabSocket, WebViews } from './web-views';
import { deflatingTabSocket } from './deflating-tab-socket';
import type { Logger } from '../spice/logger';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { readStaticFile } from './static-files';

export interface WebServerOptions {
  views: WebViews;
  rendererDir: string;
  listenHost: string;
  /** 0 = any free port. */
  listenPort: number;
  logger: Logger;
  /** The secret a page must present to drive the session (default: random per run). */
  accessToken?: string;
  /** Serve HTTPS (and WSS) with this certificate and key (PEM); web-tls.ts loads or generates them. */
  tls?: { cert: string; key: string };
}

export interface WebServer {
  /** The page address, with the access token in its fragment (`#token=…`): fragments never reach HTTP logs. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_MONITORS = 64;
/** Largest inbound frame: a .vv file (1 MiB of text) in a JSON envelope. */
const MAX_INBOUND_BYTES = 4 * 1024 * 1024;

function hostHeaderAllowed(header: string | undefined, port: number, listenHost: string): boolean {
  if (!header) return false;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (!['127.0.0.1', '::1', 'localhost'].includes(listenHost)) {
    allowed.add(`${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`);
  }
  return allowed.has(header.toLowerCase());
}

/** Constant-time comparison of the token a WebSocket upgrade presents. */
function tokenMatches(given: string | null, expected: Buffer): boolean {
  if (given === null) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { views, rendererDir, logger } = options;
  // Host/Origin checks stop other web sites; the token also stops other local programs and users, which can
  // reach a loopback port with any headers they like.
  const token = options.accessToken ?? randomBytes(18).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let port = 0;

  const onHttp = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostHeaderAllowed(req.headers.host, port, options.listenHost)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = readStaticFile(rendererDir, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.body.length,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  const scheme = options.tls ? 'https' : 'http';
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onHttp)
    : createServer(onHttp);
  // A client that never finishes its TLS handshake must not leave an error unhandled.
  server.on('tlsClientError', (e: Error) => logger.debug(`TLS handshake failed: ${e.message}`));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INBOUND_BYTES });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    // Any web page can ask for any path; one that is not a URL (`//`) must be refused, not throw here.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const origin = req.headers.origin;
    const hostOk = hostHeaderAllowed(req.headers.host, port, options.listenHost);
    const originOk =
      origin !== undefined &&
      origin.toLowerCase() === `${scheme}://${(req.headers.host ?? '').toLowerCase()}`;
    if (
      url.pathname !== '/ws' ||
      !hostOk ||
      !originOk ||
      !tokenMatches(url.searchParams.get('token'), tokenBytes)
    ) {
      logger.warn('refused a WebSocket upgrade', { path: url.pathname, origin });
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const monitor = Number(url.searchParams.get('monitor') ?? '0');
    if (!Number.isInteger(monitor) || monitor < 0 || monitor >= MAX_MONITORS) {
      socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, monitor));
  });

  const attach = (ws: WebSocket, monitor: number) => {
    const tabSocket: TabSocket = {
      send: (data, binary, fin) => {
        if (ws.readyState === ws.OPEN) ws.send(data, { binary, fin });
      },
      get bufferedBytes() {
        return ws.bufferedAmount;
      },
      close: (code, reason) => ws.close(code, reason),
    };
    const view = views.attach(
      monitor,
      deflatingTabSocket(tabSocket, {
        onError: (e) => logger.warn('could not compress a frame for a browser tab', { error: e.message }),
      }),
    );
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      // Binary frames are data requests (shared/data-frame.ts: file blocks, clipboard pieces); the session
      // process parses and guards both kinds.
      if (isBinary) view.fromTabBinary(bytes);
      else view.fromTab(bytes);
    });
    ws.on('close', () => view.detach());
    ws.on('error', (e) => logger.warn(`WebSocket error: ${e.message}`));
  };

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort, options.listenHost, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      const hostText = options.listenHost.includes(':') ? `[${options.listenHost}]` : options.listenHost;
      resolvePromise({
        url: `${scheme}://${hostText}:${port}/#token=${token}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
