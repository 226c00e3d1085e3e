// `saffron send-file` end to end against the test server's agent: files and folders arrive intact with progress
// lines (or a bar on a terminal), and every failure has its message and exit code: a missing file (2), no agent
// (12), the guest refusing (12, with its reason), a partial failure (12), an agent that stops answering (8), an
// unreachable server (3).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../main/cli/index';
import { freePort } from '../support/ports';
import { runCli } from '../support/run-cli';
import { startTestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * seed + (i >> 9)) & 0xff;
  return b;
}

void test('saffron send-file', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-send-file-'));
  const incoming = join(dir, 'incoming');
  const src = join(dir, 'src');
  mkdirSync(incoming);
  mkdirSync(join(src, 'folder', 'deeper'), { recursive: true });
  const server = await startTestServer({ width: 64, height: 48, agent: true, xferDir: incoming });
  const uri = `spice://127.0.0.1:${server.port}`;
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const big = bytes(3_000_000, 7);
  writeFileSync(join(src, 'big.bin'), big);
  writeFileSync(join(src, 'folder', 'a.txt'), 'alpha\n');
  writeFileSync(join(src, 'folder', 'deeper', 'b.txt'), 'beta\n');
  writeFileSync(join(src, 'folder', 'deeper', 'empty'), '');

  await t.test('a file and a folder (recursively): exit 0, every file intact, progress lines', async () => {
    const r = await runCli(['send-file', uri, join(src, 'big.bin'), join(src, 'folder')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(incoming).sort(), ['a.txt', 'b.txt', 'big.bin', 'empty']);
    assert.ok(readFileSync(join(incoming, 'big.bin')).equals(big));
    assert.equal(readFileSync(join(incoming, 'b.txt'), 'utf8'), 'beta\n');
    assert.match(r.stderr, /saffron: send-file: \d+% \(/);
    assert.match(r.stderr, /saffron: sent 4 of 4 files \(2\.9 MB\) in [\d.]+ s, [\d.]+ MB\/s/);
    assert.equal(r.stdout, '');
  });

  await t.test('on a terminal: a progress bar redrawn in place', async () => {
    const writes: string[] = [];
    const lines: string[] = [];
    const code = await main(['send-file', uri, join(src, 'big.bin')], {
      stdout: () => {},
      stderr: (l) => lines.push(l),
      env: {},
      progress: { columns: 60, write: (text) => writes.push(text) },
    });
    assert.equal(code, 0, lines.join('\n'));
    assert.ok(writes.length >= 2);
    for (const w of writes.filter((x) => x !== '\n')) {
      assert.ok(w.startsWith('\r\x1b[2K'), 'redrawn in place');
      assert.ok(w.length - 5 <= 59, `fits the terminal: ${JSON.stringify(w)}`);
    }
    assert.match(writes.at(-2)!, /\[=+\] 100%/);
    assert.equal(writes.at(-1), '\n');
    assert.ok(!lines.some((l) => /send-file: \d+%/.test(l)), 'no progress lines on a terminal');
  });

  await t.test('a missing file: exit 2 before connecting', async () => {
    const r = await runCli(['send-file', uri, join(src, 'nope.bin')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read '.*nope\.bin': ENOENT/);
    const usage = await runCli(['send-file', uri]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: saffron send-file/);
  });

  await t.test('the guest fails one file: exit 12 with the reason, the others still sent', async () => {
    await server.sendOk({ cmd: 'xfer_policy', status: 'no_space', free: 1024 * 1024 });
    try {
      const r = await runCli(['send-file', uri, join(src, 'big.bin')]);
      assert.equal(r.code, 12, r.stderr);
      assert.match(
        r.stderr,
        /saffron: big\.bin: not enough free space in the guest \(1\.0 MB free, 2\.9 MB needed\)/,
      );
      assert.match(r.stderr, /sent 0 of 1 file/);
    } finally {
      await server.sendOk({ cmd: 'xfer_policy', status: 'ok' });
    }
  });

  await t.test('an agent that stops answering: exit 8 after --timeout', async () => {
    await server.sendOk({ cmd: 'agent_stall', stalled: true });
    try {
      const r = await runCli(['send-file', uri, join(src, 'folder', 'a.txt'), '--timeout', '1']);
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /the guest agent did not answer within 1 s/);
    } finally {
      await server.sendOk({ cmd: 'agent_stall', stalled: false });
    }
    await server.sendOk({ cmd: 'xfer_policy', status: 'silent' });
    try {
      const r = await runCli(['send-file', uri, join(src, 'folder', 'a.txt'), '--timeout', '1']);
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /stopped answering for 1 s; transfers cancelled/);
    } finally {
      await server.sendOk({ cmd: 'xfer_policy', status: 'ok' });
    }
  });

  await t.test('no agent in the guest: exit 12 with what to install', async () => {
    await server.sendOk({ cmd: 'agent_disconnect' });
    try {
      const r = await runCli(['send-file', uri, join(src, 'folder', 'a.txt'), '--timeout', '1']);
      assert.equal(r.code, 12, r.stderr);
      assert.match(r.stderr, /no guest agent within 1 s: .*install spice-vdagent/);
    } finally {
      await server.sendOk({ cmd: 'agent_connect' });
    }
  });

  await t.test('an unreachable server: exit 3', async () => {
    const port = await freePort();
    const r = await runCli([
      'send-file',
      `spice://127.0.0.1:${port}`,
      join(src, 'folder', 'a.txt'),
      '--timeout',
      '5',
    ]);
    assert.equal(r.code, 3, r.stderr);
  });
});

void test(
  'saffron send-file to a guest without a transfer folder: exit 12, "disabled"',
  { timeout: 60_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-send-file-off-'));
    const server = await startTestServer({ width: 64, height: 48, agent: true });
    t.after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'x.txt'), 'x');
    const r = await runCli(['send-file', `spice://127.0.0.1:${server.port}`, join(dir, 'x.txt')]);
    assert.equal(r.code, 12, r.stderr);
    assert.match(r.stderr, /saffron: x\.txt: file transfer is disabled in the guest/);
  },
);

void test(
  'saffron send-file when the server goes away mid-transfer: exit 6',
  { timeout: 60_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-send-file-gone-'));
    mkdirSync(join(dir, 'in'));
    const server = await startTestServer({ width: 64, height: 48, agent: true, xferDir: join(dir, 'in') });
    t.after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'x.bin'), bytes(100_000, 3));
    await server.sendOk({ cmd: 'xfer_policy', status: 'silent' });
    const run = runCli(['send-file', `spice://127.0.0.1:${server.port}`, join(dir, 'x.bin')]);
    await server.waitFor((e) => e.event === 'file_xfer_start');
    await server.stop();
    const r = await run;
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /saffron: the server closed the main channel/);
  },
);
