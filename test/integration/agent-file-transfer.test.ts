// File transfer from a real SpiceSession to the test server's vdagent through libspice-server: sizes at every block
// boundary, several files at once (more than run in parallel), duplicate names, cancel, "disabled" both ways,
// every detailed error (and the plain one without FILE_XFER_DETAILED_ERRORS), an unknown status, and the agent
// leaving mid-transfer with a message half on the wire (the next transfer to the new agent must still work).
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFileSource } from '../../main/spice/agent/file-source';
import { FILE_XFER_BLOCK_BYTES, type TransferResult } from '../../main/spice/agent/file-transfer';
import * as V from '../../main/spice/agent/vd-agent';
import { agentState, startAgentSession } from '../support/agent-session';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

function content(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

void test('file transfer through libspice-server', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-agent-xfer-'));
  const src = join(dir, 'src');
  const incoming = join(dir, 'incoming');
  mkdirSync(src);
  mkdirSync(incoming);
  const s = await startAgentSession({ agent: true, xferDir: incoming }, { maxActiveTransfers: 2 });
  const { server, session } = s;
  const agent = session.agent;
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, data: Buffer): string => {
    const path = join(src, name);
    writeFileSync(path, data);
    return path;
  };

  await t.test('sizes at every block boundary arrive intact; progress reaches the size', async () => {
    const B = FILE_XFER_BLOCK_BYTES;
    const sizes = [0, 1, 2027, B - 1, B, B + 1, 3 * B + 17];
    for (const size of sizes) {
      const data = content(size, size + 1);
      const progress: number[] = [];
      const off = agent.on('transfer-progress', (p) => progress.push(p.sentBytes));
      const batch = agent.sendFiles([await openFileSource(write(`f${size}.bin`, data))]);
      const [result] = await batch.done;
      off();
      assert.deepEqual(result, { ok: true }, `${size} bytes`);
      assert.ok(readFileSync(join(incoming, `f${size}.bin`)).equals(data), `${size} bytes intact`);
      assert.equal(progress.at(-1), size);
      assert.equal(batch.sentBytes(), size);
    }
  });

  await t.test('five files at once, two at a time; duplicate names become "name (1).ext"', async () => {
    const files = [1, 2, 3, 4, 5].map((i) => ({
      name: i <= 3 ? 'same.txt' : `other${i}.bin`,
      data: content(50_000 * i, i),
    }));
    const sources = await Promise.all(
      files.map((f, i) => openFileSource(write(`${i}-${f.name}`, f.data), f.name)),
    );
    let maxRunning = 0;
    const off = agent.on('transfer-progress', () => {
      maxRunning = Math.max(maxRunning, agent.pendingTransfers.filter((x) => x.state !== 'queued').length);
    });
    const batch = agent.sendFiles(sources);
    assert.equal(
      batch.totalBytes,
      files.reduce((n, f) => n + f.data.length, 0),
    );
    const results = await batch.done;
    off();
    assert.deepEqual(
      results,
      files.map(() => ({ ok: true })),
    );
    assert.equal(maxRunning, 2, 'maxActiveTransfers respected');
    const names = readdirSync(incoming).filter((n) => n.startsWith('same') || n.startsWith('other'));
    assert.deepEqual(names.sort(), ['other4.bin', 'other5.bin', 'same (1).txt', 'same (2).txt', 'same.txt']);
    const sameContents = ['same.txt', 'same (1).txt', 'same (2).txt'].map((n) =>
      readFileSync(join(incoming, n)),
    );
    for (const f of files.slice(0, 3)) assert.ok(sameContents.some((c) => c.equals(f.data)));
  });

  await t.test('cancel mid-transfer: the guest deletes the partial file', async () => {
    const data = content(3_000_000, 7);
    const mark = server.eventCount;
    const batch = agent.sendFiles([await openFileSource(write('cancel.bin', data))]);
    // Cancel as soon as data moves: synchronously in the first progress event, long before 3 MB are through.
    const off = agent.on('transfer-progress', (p) => {
      if (p.sentBytes > 0) batch.cancel();
    });
    assert.deepEqual(await batch.done, [{ ok: false, code: 'cancelled', message: 'cancelled' }]);
    off();
    const done = await server.waitFor((e) => e.event === 'file_xfer_done' && e.name === 'cancel.bin', {
      after: mark,
    });
    assert.equal(done.status, 'cancelled');
    assert.ok(Number(done.received) < data.length);
    assert.equal(existsSync(join(incoming, 'cancel.bin')), false);
    // The stream is in step: the next file goes through.
    const [ok] = await agent.sendFiles([await openFileSource(write('after-cancel.bin', content(70_000, 8)))])
      .done;
    assert.deepEqual(ok, { ok: true });
  });

  const failWith = async (
    policy: Parameters<typeof server.sendOk>[0],
    size = 10_000,
  ): Promise<TransferResult> => {
    await server.sendOk(policy);
    try {
      const [r] = await agent.sendFiles([await openFileSource(write('x.bin', content(size, 9)))]).done;
      return r!;
    } finally {
      await server.sendOk({ cmd: 'xfer_policy', status: 'ok' });
    }
  };

  await t.test('detailed errors from the agent become clear reasons', async () => {
    assert.deepEqual(
      await failWith({ cmd: 'xfer_policy', status: 'no_space', free: 5 * 1024 * 1024 }, 8 * 1024 * 1024),
      {
        ok: false,
        code: 'no-space',
        message: 'not enough free space in the guest (5.0 MB free, 8.0 MB needed)',
        freeBytes: 5 * 1024 * 1024,
      },
    );
    const denied = await failWith({
      cmd: 'xfer_policy',
      status: 'error',
      io_error: V.G_IO_ERROR_PERMISSION_DENIED,
    });
    assert.equal(
      denied.ok ? '' : denied.message,
      "the guest's agent may not write there (permission denied)",
    );
    const full = await failWith(
      { cmd: 'xfer_policy', status: 'error', io_error: V.G_IO_ERROR_NO_SPACE, after_bytes: 100_000 },
      400_000,
    );
    assert.equal(full.ok ? '' : full.message, "there is no space left on the guest's disk", 'mid-transfer');
    for (const [status, code, text] of [
      ['locked', 'session-locked', /unlock/],
      ['not_connected', 'no-session-agent', /log in/],
      ['disabled', 'disabled', /disabled in the guest/],
      ['cancelled', 'agent-cancelled', /cancelled the transfer/],
      ['unknown', 'protocol', /unknown status 99/],
    ] as const) {
      const r = await failWith({ cmd: 'xfer_policy', status });
      assert.equal(r.ok ? '' : r.code, code, status);
      assert.match(r.ok ? '' : r.message, text);
    }
  });

  await t.test('an agent without detailed errors: the plain reason', async () => {
    const linux = (await server.sendOk({ cmd: 'agent_announce' })).caps as number[];
    await server.sendOk({
      cmd: 'agent_announce',
      caps: linux.filter((c) => c !== V.VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS),
    });
    await agentState(session, (st) => !st.caps.includes('FILE_XFER_DETAILED_ERRORS'));
    assert.deepEqual(await failWith({ cmd: 'xfer_policy', status: 'no_space', free: 1 }), {
      ok: false,
      code: 'agent-error',
      message: 'the guest agent reported an error',
    });
    await server.sendOk({ cmd: 'agent_announce', caps: linux });
    await agentState(session, (st) => st.caps.includes('FILE_XFER_DETAILED_ERRORS'));
  });

  await t.test('a guest that announces FILE_XFER_DISABLED: refused at once, nothing sent', async () => {
    const linux = (await server.sendOk({ cmd: 'agent_announce' })).caps as number[];
    await server.sendOk({ cmd: 'agent_announce', caps: [...linux, V.VD_AGENT_CAP_FILE_XFER_DISABLED] });
    await agentState(session, (st) => !st.fileTransfer);
    const mark = server.eventCount;
    const [r] = await agent.sendFiles([await openFileSource(write('y.bin', content(10, 1)))]).done;
    assert.deepEqual(r, { ok: false, code: 'disabled', message: 'file transfer is disabled in the guest' });
    await server.sendOk({ cmd: 'agent_announce', caps: linux });
    await agentState(session, (st) => st.fileTransfer);
    assert.equal(server.events.slice(mark).filter((e) => e.event === 'file_xfer_start').length, 0);
  });

  await t.test(
    'the agent leaves mid-message: transfers fail with the reason; the next agent gets clean data',
    async () => {
      const data = content(20_000_000, 11);
      const batch = agent.sendFiles([
        await openFileSource(write('gone1.bin', data)),
        await openFileSource(write('gone2.bin', data)),
      ]);
      await new Promise<void>((resolve) => {
        const off = agent.on('transfer-progress', (p) => {
          if (p.sentBytes === 0) return;
          off();
          resolve();
        });
      });
      // Stop the agent taking data until the outbox is stuck with a data message half on the wire: queued data
      // messages are 64 KiB each, so a remainder that is not a multiple of that is a message partly sent.
      const halfSent = (): boolean =>
        agent.transport.tokens === 0 && agent.transport.pendingBytes % 65536 !== 0;
      for (let attempt = 0; attempt < 20 && !halfSent(); attempt++) {
        await server.sendOk({ cmd: 'agent_stall', stalled: true });
        for (let i = 0; i < 50 && agent.transport.tokens > 0; i++)
          await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        if (!halfSent()) await server.sendOk({ cmd: 'agent_stall', stalled: false });
      }
      assert.ok(halfSent(), 'a data message is half on the wire');
      await server.sendOk({ cmd: 'agent_disconnect' });
      const results = await batch.done;
      for (const r of results) assert.equal(r.ok ? '' : r.code, 'agent-gone');
      assert.match(results[0]!.ok ? '' : results[0]!.message, /disconnected/);
      await server.sendOk({ cmd: 'agent_connect' }); // a new agent (not stalled)
      await agentState(session, (st) => st.ready);
      const fresh = content(500_000, 12);
      const [ok] = await agent.sendFiles([await openFileSource(write('fresh.bin', fresh))]).done;
      assert.deepEqual(ok, { ok: true });
      assert.ok(readFileSync(join(incoming, 'fresh.bin')).equals(fresh));
      assert.equal(session.isClosed, false);
    },
  );
});

void test(
  'without --xfer-dir the guest answers DISABLED; with no agent the transfer fails at once',
  { timeout: 60_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-agent-xfer-off-'));
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'hello');
    const s = await startAgentSession({ agent: true });
    t.after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const [r] = await s.session.agent.sendFiles([await openFileSource(file)]).done;
    assert.deepEqual(r, { ok: false, code: 'disabled', message: 'file transfer is disabled in the guest' });
    await s.server.sendOk({ cmd: 'agent_disconnect' });
    await agentState(s.session, (st) => !st.connected);
    const [none] = await s.session.agent.sendFiles([await openFileSource(file)]).done;
    assert.deepEqual(none, { ok: false, code: 'no-agent', message: 'the guest agent is not connected' });
  },
);
