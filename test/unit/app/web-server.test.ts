// The `saffron web` server's edges: static files without path escapes, CSP on every page, WebSocket upgrades
// refused for foreign origins / Host names (DNS rebinding), invalid requests (text or binary) dropped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebHarness } from '../../../main/web/harness';
import type { WebHarness } from '../../../main/web/harness';
import { readStaticFile } from '../../../main/web/static-files';
import { CONTENT_SECURITY_POLICY } from '../../../shared/csp';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

let dir: string;
let harness: WebHarness;
const sessions: FakeSession[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saffron-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app.js'), '/* app */');
  writeFileSync(join(dir, 'secret.txt'), 'no');
  harness = await startWebHarness({
    rendererDir: dir,
    logger: silentLogger,
    env: {},
    sessionDeps: {
      createSession: () => {
        const s = new FakeSession();
        sessions.push(s);
        return s;
      },
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
});

after(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(
  path: string,
  host?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function openSocket(
  origin: string | undefined,
  token: string | null = new URLSearchParams(new URL(harness.url).hash.slice(1)).get('token'),
): Promise<{ ws: WebSocket; opened: boolean; status?: number }> {
  const page = new URL(harness.url);
  const url = `ws://${page.host}/ws?monitor=0${token === null ? '' : `&token=${encodeURIComponent(token)}`}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => resolve({ ws, opened: true }));
    ws.on('unexpected-response', (_req, res) => resolve({ ws, opened: false, status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ ws, opened: false }));
  });
}

void test('listens on loopback and serves the renderer with a CSP; nothing else', async () => {
  assert.match(harness.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-security-policy']), /default-src 'none'/);
  assert.equal(index.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal((await get('/app.js')).status, 200);
  assert.equal((await get('/secret.txt')).status, 404);
  assert.equal((await get('/../../etc/passwd')).status, 404);
  assert.equal((await get('/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  assert.equal((await get('/', 'evil.example:80')).status, 421);
  assert.equal(readStaticFile(dir, '/%00.js'), undefined);
});

void test('WebSocket: foreign origins are refused; the page origin gets the contract', async () => {
  const foreign = await openSocket('http://evil.example');
  assert.equal(foreign.opened, false);
  assert.equal(foreign.status, 403);
  const none = await openSocket(undefined);
  assert.equal(none.opened, false);
  const origin = new URL(harness.url).origin;
  const noToken = await openSocket(origin, null);
  assert.equal(noToken.opened, false, 'the page origin without the access token is refused');
  assert.equal(noToken.status, 403);
  const wrongToken = await openSocket(origin, 'guess');
  assert.equal(wrongToken.opened, false);
  const { ws, opened } = await openSocket(origin);
  assert.equal(opened, true);
  const messages: unknown[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary && Buffer.isBuffer(data)) messages.push(JSON.parse(data.toString('utf8')));
  });
  ws.send(JSON.stringify({ method: 'viewReady', payload: {} }));
  ws.send('{"method":"key","payload":{"scancode":30,"down":true,"evil":1}}'); // invalid: dropped
  ws.send(JSON.stringify({ method: 'connect', payload: { host: '127.0.0.1', port: 5999, tls: false } }));
  for (let i = 0; i < 100 && sessions.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(sessions.length, 1);
  for (let i = 0; i < 100 && !messages.some((m) => (m as { state?: string }).state === 'connected'); i++)
    await new Promise((r) => setTimeout(r, 10));
  ws.send(JSON.stringify({ method: 'key', payload: { scancode: 30, down: true } }));
  for (let i = 0; i < 100 && sessions[0]?.calls.length === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(sessions[0]?.calls, [{ op: 'keyDown', code: 30 }]);
  // Binary frames are data requests (file blocks, clipboard pieces): a malformed one is dropped, the tab stays.
  ws.send(Buffer.from([3, 0, 0, 0, 255, 255, 0, 0]), { binary: true });
  ws.send(JSON.stringify({ method: 'viewReady', payload: {} }));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ws.readyState, ws.OPEN);
  assert.equal(sessions[0]?.calls.length, 1);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.close(1000);
  assert.equal(await closed, 1000);
  // The tab went away: its held key was released.
  for (let i = 0; i < 100 && (sessions[0]?.calls.length ?? 0) < 2; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(sessions[0]?.calls[1], { op: 'keyUp', code: 30 });
});

void test('one CSP: the page carries no <meta> policy of its own (both shells send shared/csp.ts)', () => {
  const html = readFileSync('renderer/static/index.html', 'utf8');
  assert.doesNotMatch(html, /http-equiv\s*=\s*["']?content-security-policy/i);
});
