// A tiny HTTP CONNECT proxy for tests: `route(target)` decides where a CONNECT goes (or which error status
// to answer), optional Basic auth, and it records every request line. Like Proxmox's spiceproxy it can map
// an opaque target token to a real host:port.
import net from 'node:net';

export type Route = { host: string; port: number } | { status: number; reason: string };

export interface ConnectProxy {
  port: number;
  /** Every CONNECT target seen, in order. */
  targets: string[];
  /** Raw request heads (for header assertions). */
  heads: string[];
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  route: (target: string) => Route;
  /** Require `Proxy-Authorization: Basic base64(user:password)`. */
  auth?: { user: string; password: string };
}

export async function startConnectProxy(options: ConnectProxyOptions): Promise<ConnectProxy> {
  const targets: string[] = [];
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > 8192) client.destroy();
        return;
      }
      client.off('data', onData);
      const head = buffered.subarray(0, end).toString('latin1');
      const rest = buffered.subarray(end + 4);
      heads.push(head);
      const [method, target] = (head.split('\r\n')[0] ?? '').split(' ');
      if (method !== 'CONNECT' || target === undefined) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      targets.push(target);
      if (options.auth) {
        const expected = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
        const given = /\r\nproxy-authorization: *([^\r\n]*)/i.exec(head)?.[1];
        if (given !== expected) {
          client.end(
            'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
          );
          return;
        }
      }
      const route = options.route(target);
      if ('status' in route) {
        client.end(`HTTP/1.1 ${route.status} ${route.reason}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const upstream = net.connect(route.port, route.host);
      track(upstream);
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once('error', () => {
        if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      });
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    targets,
    heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
