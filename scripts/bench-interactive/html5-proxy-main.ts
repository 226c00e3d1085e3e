// spice-html5's server side for the benchmark, as a child process: serves Debian's spice-html5 files
// (/usr/share/spice-html5) over HTTP and relays its WebSocket (subprotocol "binary") to the SPICE server's TCP port,
// as websockify does. Everything it does is part of the spice-html5 client's cost, so it is measured with it.
// Usage: node --import tsx scripts/bench-interactive/html5-proxy-main.ts SPICE_PORT [HTML5_DIR]
//   stdout: "listening PORT"
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer } from 'ws';

const spicePort = Number(process.argv[2]);
const root = normalize(process.argv[3] ?? '/usr/share/spice-html5');
if (!Number.isInteger(spicePort) || spicePort <= 0) {
  console.error('usage: html5-proxy-main.ts SPICE_PORT [HTML5_DIR]');
  process.exit(2);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
};

const http = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  const file = normalize(join(root, path === '/' ? 'spice_auto.html' : path));
  if (!file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  readFile(file).then(
    (body) =>
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
    () => res.writeHead(404).end(),
  );
});

const wss = new WebSocketServer({
  server: http,
  handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
});
wss.on('connection', (ws) => {
  const tcp = connect(spicePort, '127.0.0.1');
  tcp.setNoDelay(true);
  const pending: Buffer[] = [];
  tcp.on('connect', () => {
    for (const b of pending) tcp.write(b);
    pending.length = 0;
  });
  tcp.on('data', (data) => ws.send(data, { binary: true }));
  tcp.on('close', () => ws.close());
  tcp.on('error', () => ws.close());
  ws.on('message', (data: Buffer) => {
    if (tcp.connecting) pending.push(data);
    else tcp.write(data);
  });
  ws.on('close', () => tcp.destroy());
  ws.on('error', () => tcp.destroy());
});

http.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(http.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
