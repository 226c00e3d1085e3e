// Reassembly of agent messages from AGENT_DATA bodies split at every offset, with per-type size caps (an oversized
// message is skipped without being stored, and the stream stays in step), and a malformed header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentInbox } from '../../../main/spice/agent/agent-inbox';
import { encodeVdAgentMessageHeader } from '../../../main/spice/agent/agent-messages';
import { prng } from '../../support/prng';

function message(type: number, data: Uint8Array): Uint8Array {
  const header = encodeVdAgentMessageHeader(type, data.length);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function bytes(n: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
}

function collector(limit = (_type: number) => 1 << 20) {
  const got: { type: number; data: number[] }[] = [];
  const oversized: { type: number; size: number; head: number[] }[] = [];
  const malformed: string[] = [];
  const inbox = new AgentInbox(limit, {
    message: (type, p) => got.push({ type, data: [...p] }),
    oversized: (type, size, _limit, head) => oversized.push({ type, size, head: [...head] }),
    malformed: (r) => malformed.push(r),
  });
  return { inbox, got, oversized, malformed };
}

test(
  'a stream of messages split at every offset (and into 1-byte pieces) reassembles exactly',
  { timeout: 30_000 },
  () => {
    const msgs = [
      { type: 6, data: bytes(8, 1) },
      { type: 4, data: new Uint8Array(0) },
      { type: 4, data: bytes(3000, 2) },
      { type: 11, data: bytes(8, 3) },
      { type: 4, data: bytes(2028, 4) },
    ];
    const stream = new Uint8Array(msgs.reduce((n, m) => n + 20 + m.data.length, 0));
    let at = 0;
    for (const m of msgs) {
      stream.set(message(m.type, m.data), at);
      at += 20 + m.data.length;
    }
    const expected = msgs.map((m) => ({ type: m.type, data: [...m.data] }));
    for (let cut = 0; cut <= stream.length; cut++) {
      const { inbox, got } = collector();
      inbox.push(stream.subarray(0, cut));
      inbox.push(stream.subarray(cut));
      assert.deepEqual(got, expected, `split at ${cut}`);
    }
    const { inbox, got } = collector();
    for (let i = 0; i < stream.length; i++) inbox.push(stream.subarray(i, i + 1));
    assert.deepEqual(got, expected, 'byte by byte');
  },
);

test('payloads belong to the receiver (not views of the pushed buffer)', { timeout: 10_000 }, () => {
  const kept: Uint8Array[] = [];
  const inbox = new AgentInbox(() => 1 << 20, {
    message: (_t, p) => kept.push(p),
    oversized: () => {},
    malformed: () => {},
  });
  const buffer = message(4, bytes(100, 5));
  inbox.push(buffer);
  buffer.fill(0);
  assert.deepEqual([...kept[0]!], [...bytes(100, 5)]);
});

test(
  'an oversized message is skipped at any split, reported once with its head, and later ones still arrive',
  { timeout: 30_000 },
  () => {
    const big = bytes(5000, 6);
    const after = bytes(30, 7);
    const stream = new Uint8Array([...message(4, big), ...message(8, after)]);
    for (let cut = 0; cut <= stream.length; cut += 37) {
      const { inbox, got, oversized } = collector((t) => (t === 4 ? 1000 : 1 << 20));
      inbox.push(stream.subarray(0, cut));
      assert.ok(inbox.bufferedBytes <= after.length, 'nothing of the oversized message is stored');
      inbox.push(stream.subarray(cut));
      assert.deepEqual(
        oversized,
        [{ type: 4, size: 5000, head: [...big.subarray(0, 8)] }],
        `split at ${cut}`,
      );
      assert.deepEqual(got, [{ type: 8, data: [...after] }]);
    }
  },
);

test('a declared size of 4 GiB costs nothing: skipped as it streams in', { timeout: 10_000 }, () => {
  const { inbox, got, oversized } = collector(() => 64 * 1024);
  const header = new Uint8Array(20);
  const v = new DataView(header.buffer);
  v.setUint32(0, 1, true);
  v.setUint32(4, 4, true);
  v.setUint32(16, 0xffffffff, true);
  inbox.push(header);
  for (let i = 0; i < 100; i++) inbox.push(new Uint8Array(2048));
  assert.equal(oversized.length, 1);
  assert.equal(inbox.bufferedBytes, 0);
  assert.equal(got.length, 0);
});

test(
  'a wrong protocol number drops the rest of that AGENT_DATA and restarts at the next one',
  { timeout: 10_000 },
  () => {
    const { inbox, got, malformed } = collector();
    const bad = message(4, bytes(10, 8));
    bad[0] = 2;
    inbox.push(new Uint8Array([...bad, ...message(6, bytes(8, 9))]));
    assert.equal(malformed.length, 1);
    assert.equal(got.length, 0, 'the rest of the body is not trusted');
    inbox.push(message(6, bytes(8, 10)));
    assert.deepEqual(got, [{ type: 6, data: [...bytes(8, 10)] }]);
  },
);

test('reset drops a partial message', { timeout: 10_000 }, () => {
  const { inbox, got } = collector();
  const m = message(4, bytes(4000, 11));
  inbox.push(m.subarray(0, 2048));
  inbox.reset();
  inbox.push(message(6, bytes(8, 12)));
  assert.deepEqual(got, [{ type: 6, data: [...bytes(8, 12)] }]);
});
