// The desktop app's drop path below Electron: what main sends the session process when files are dropped on a window
// (main/ipc/dropped-files.ts turns the preload's payload into `dropped`), through a real session process (the Node
// child saffron web and the app both run) connected to the test server's vdagent: a file and a folder (expanded)
// reach the guest's transfer directory byte for byte; a payload from a foreign page or with a relative path never
// reaches the session; a dropped .vv is opened from disk, and its delete-this-file=1 deletes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeDroppedFiles } from '../../main/ipc/dropped-files';
import { spawnSessionProcess, type SocketProcessLink } from '../../main/ipc/socket-process-link';
import type { ProcessMessage } from '../../main/ipc/host-protocol';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { startTestServer, type TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

const APP_PAGE = 'saffron-app://app/index.html';
let server: TestServer;
let link: SocketProcessLink;
let guestDir: string;
let hostDir: string;
const messages: ProcessMessage[] = [];

async function until(what: () => boolean, timeoutMs: number, label: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  guestDir = mkdtempSync(join(tmpdir(), 'saffron-drop-guest-'));
  hostDir = mkdtempSync(join(tmpdir(), 'saffron-drop-host-'));
  server = await startTestServer({ width: 320, height: 240, agent: true, xferDir: guestDir });
  link = spawnSessionProcess();
  link.onMessage((m) => messages.push(m));
  link.send({ t: 'init', shell: 'electron', debug: false });
  link.send({ t: 'connect', config: parseSpiceUri(`spice://127.0.0.1:${server.port}`) });
  await until(() => messages.some((m) => m.t === 'agent-settings' && m.connected), 30_000, 'the guest agent');
});

after(async () => {
  link?.kill();
  await server?.stop();
  for (const dir of [guestDir, hostDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

void test(
  'a dropped file and folder reach the guest through the session process',
  { timeout: 60_000 },
  async () => {
    const file = join(hostDir, 'notes.txt');
    writeFileSync(file, 'dropped by path\n');
    const folder = join(hostDir, 'photos');
    mkdirSync(folder);
    const picture = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 17) & 255));
    writeFileSync(join(folder, 'one.bin'), picture);

    const action = routeDroppedFiles({ purpose: 'guest', paths: [file, folder] }, APP_PAGE, 0);
    assert.equal(action.kind, 'guest');
    if (action.kind !== 'guest') return;
    const from = server.eventCount;
    link.send(action.message);
    const done = (name: string) =>
      server.waitFor((e) => e.event === 'file_xfer_done' && e.name === name, {
        after: from,
        timeoutMs: 30_000,
      });
    const [a, b] = await Promise.all([done('notes.txt'), done('one.bin')]);
    assert.equal(a.status, 'success');
    assert.equal(b.status, 'success');
    assert.equal(readFileSync(join(guestDir, 'notes.txt'), 'utf8'), 'dropped by path\n');
    assert.ok(readFileSync(String(b.path)).equals(picture));
  },
);

void test('drops from a foreign page, relative paths and several .vv files are refused before the session', () => {
  const payload = { purpose: 'guest', paths: ['/etc/passwd'] };
  assert.equal(routeDroppedFiles(payload, 'https://evil.example/', 0).kind, 'refused');
  assert.equal(routeDroppedFiles(payload, undefined, 0).kind, 'refused');
  assert.equal(routeDroppedFiles({ purpose: 'guest', paths: ['rel/x'] }, APP_PAGE, 0).kind, 'refused');
  assert.equal(routeDroppedFiles({ purpose: 'guest', paths: [] }, APP_PAGE, 0).kind, 'refused');
  assert.equal(routeDroppedFiles({ purpose: 'guest', paths: ['/a'], x: 1 }, APP_PAGE, 0).kind, 'refused');
  assert.equal(
    routeDroppedFiles({ purpose: 'open', paths: ['/a.vv', '/b.vv'] }, APP_PAGE, 0).kind,
    'refused',
  );
  assert.equal(routeDroppedFiles({ purpose: 'open', paths: ['/a.txt'] }, APP_PAGE, 0).kind, 'refused');
  assert.deepEqual(routeDroppedFiles({ purpose: 'open', paths: ['/vm/A.VV'] }, APP_PAGE, 2), {
    kind: 'open',
    vvPath: '/vm/A.VV',
  });
  assert.deepEqual(routeDroppedFiles({ purpose: 'guest', paths: ['/x'] }, APP_PAGE, 2), {
    kind: 'guest',
    message: { t: 'dropped', monitor: 2, paths: ['/x'] },
  });
});

void test('a dropped .vv is opened from disk and honours delete-this-file', { timeout: 60_000 }, async () => {
  const vv = join(hostDir, 'once.vv');
  writeFileSync(
    vv,
    `[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=${server.port}\ntitle=Dropped once\ndelete-this-file=1\n`,
  );
  const action = routeDroppedFiles({ purpose: 'open', paths: [vv] }, APP_PAGE, 0);
  assert.deepEqual(action, { kind: 'open', vvPath: vv });
  if (action.kind !== 'open') return;
  const from = messages.length;
  link.send({ t: 'open', target: action.vvPath });
  await until(
    () => messages.slice(from).some((m) => m.t === 'state' && m.state === 'connected'),
    30_000,
    'the connection from the dropped .vv',
  );
  assert.equal(existsSync(vv), false, 'delete-this-file=1 deleted the dropped .vv');
});
