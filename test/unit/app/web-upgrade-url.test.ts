// Any web page can open a WebSocket to a loopback port, with any path. A path that does not parse as a URL
// (`//`, `///`, `//[`) must be refused like any other bad upgrade — not throw inside the server's upgrade
// handler, which took the whole `saffron web` process (and the VM session) down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebHarness } from '../../../main/web/harness';
import type { WebHarness } from '../../../main/web/harness';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

let dir: string;
let harness: WebHarness;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saffron-web-url-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app.js'), '/* app */');
  harness = await startWebHarness({
    rendererDir: dir,
    logger: silentLogger,
    env: {},
    sessionDeps: {
      createSession: () => new FakeSession(),
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
});

after(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends a raw WebSocket upgrade for `path` and returns the status line of the answer. */
function rawUpgrade(path: string): Promise<string> {
  const url = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let data = '';
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data.split('\r\n', 1)[0] || 'no answer');
    });
    socket.on('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

void test('unparsable upgrade paths are refused and the server keeps running', async () => {
  for (const path of ['//', '///', '//[', '//:99999']) {
    assert.match(await rawUpgrade(path), /^HTTP\/1\.1 40\d /, path);
  }
  // Still serving.
  assert.match(await rawUpgrade('/ws?monitor=0'), /^HTTP\/1\.1 403 /);
});
