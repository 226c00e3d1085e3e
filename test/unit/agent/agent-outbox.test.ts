// The outbox against a recording sink: chunk sizes at every boundary around 2048, one token per chunk, queueing when
// tokens run out, control messages first at message boundaries, never two messages in one chunk, cancel, and the
// agent leaving mid-message (the tail still goes out, the rest is dropped).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentOutbox } from '../../../main/spice/agent/agent-outbox';
import { VD_AGENT_MAX_DATA_SIZE, VD_AGENT_MESSAGE_HEADER_BYTES } from '../../../main/spice/agent/vd-agent';
import { silentLogger } from '../../../main/spice/logger';
import { prng } from '../../support/prng';

function payload(n: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
}

function recorder(): { chunks: Uint8Array[]; sink: { sendAgentData(c: Uint8Array): void } } {
  const chunks: Uint8Array[] = [];
  return { chunks, sink: { sendAgentData: (c) => chunks.push(Uint8Array.from(c)) } };
}

/** Splits the chunk stream back into agent messages (type, payload), checking each header. */
function parse(chunks: Uint8Array[]): { type: number; data: Uint8Array; chunkCount: number }[] {
  const out: { type: number; data: Uint8Array; chunkCount: number }[] = [];
  let i = 0;
  while (i < chunks.length) {
    const first = chunks[i]!;
    const v = new DataView(first.buffer, first.byteOffset, first.byteLength);
    assert.equal(v.getUint32(0, true), 1, 'protocol');
    const type = v.getUint32(4, true);
    const size = v.getUint32(16, true);
    const all = new Uint8Array(VD_AGENT_MESSAGE_HEADER_BYTES + size);
    let filled = 0;
    let count = 0;
    while (filled < all.length) {
      const c = chunks[i++];
      assert.ok(c, 'message continues');
      assert.ok(c.length <= VD_AGENT_MAX_DATA_SIZE, 'chunk within 2048');
      assert.ok(filled + c.length <= all.length, 'a chunk never carries bytes of the next message');
      all.set(c, filled);
      filled += c.length;
      count++;
    }
    out.push({ type, data: all.subarray(VD_AGENT_MESSAGE_HEADER_BYTES), chunkCount: count });
  }
  return out;
}

test('chunking at every boundary around 2048 bytes: sizes, counts and bytes', { timeout: 10_000 }, () => {
  const sizes = [0, 1, 2027, 2028, 2029, 4075, 4076, 4077, 6124, 100_000];
  for (const size of sizes) {
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(1_000);
    const data = payload(size, size);
    box.enqueue({ type: 9, parts: [data] }, 'bulk');
    const [m] = parse(chunks);
    assert.deepEqual(m!.data, data, `payload of ${size} bytes intact`);
    assert.equal(m!.chunkCount, Math.max(1, Math.ceil((size + 20) / 2048)), `chunks for ${size}`);
    for (const c of chunks.slice(0, -1)) assert.equal(c.length, 2048, 'every chunk but the last is full');
    assert.equal(box.stats.chunksSent, chunks.length);
  }
});

test('payload parts split anywhere are sent as one contiguous message', { timeout: 10_000 }, () => {
  const rnd = prng(42);
  for (let round = 0; round < 200; round++) {
    const total = Math.floor(rnd() * 9000);
    const data = payload(total, round);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < total;) {
      const n = Math.min(total - at, Math.floor(rnd() * 3000));
      parts.push(data.subarray(at, at + n));
      at += n;
    }
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(100);
    box.enqueue({ type: 4, parts }, 'bulk');
    assert.deepEqual(parse(chunks)[0]!.data, data);
  }
});

test(
  'one token per chunk: queued when tokens run out, resumed by AGENT_TOKEN, in order',
  { timeout: 10_000 },
  () => {
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(3);
    const a = payload(10_000, 1); // 5 chunks
    const b = payload(100, 2);
    let aSent = false;
    box.enqueue({ type: 12, parts: [a], onSent: () => (aSent = true) }, 'bulk');
    box.enqueue({ type: 11, parts: [b] }, 'bulk');
    assert.equal(chunks.length, 3, 'no more chunks than tokens');
    assert.equal(box.tokens, 0);
    assert.equal(box.pendingMessages, 2);
    assert.equal(aSent, false);
    box.addTokens(1);
    assert.equal(chunks.length, 4);
    box.addTokens(10);
    assert.equal(chunks.length, 6);
    assert.equal(box.tokens, 8);
    assert.equal(aSent, true);
    const [m1, m2] = parse(chunks);
    assert.deepEqual(m1!.data, a);
    assert.deepEqual(m2!.data, b);
    box.setTokens(0);
    box.enqueue({ type: 1, parts: [b] }, 'control');
    assert.equal(chunks.length, 6, 'AGENT_CONNECTED_TOKENS 0 stops sending');
  },
);

test(
  'control messages overtake queued bulk ones at a message boundary, never inside one',
  { timeout: 10_000 },
  () => {
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(1);
    const bulk1 = payload(5000, 3);
    const bulk2 = payload(5000, 4);
    const control = payload(8, 5);
    box.enqueue({ type: 12, parts: [bulk1] }, 'bulk'); // first chunk goes out at once
    box.enqueue({ type: 12, parts: [bulk2] }, 'bulk');
    box.enqueue({ type: 11, parts: [control] }, 'control');
    box.addTokens(100);
    const order = parse(chunks).map((m) => m.data);
    assert.deepEqual(order, [bulk1, control, bulk2]);
  },
);

test(
  'cancel drops a message not yet started; one on the wire cannot be cancelled',
  { timeout: 10_000 },
  () => {
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(1);
    let dropped = 0;
    const first = box.enqueue({ type: 12, parts: [payload(5000, 6)], onDropped: () => dropped++ }, 'bulk');
    const second = box.enqueue({ type: 12, parts: [payload(10, 7)], onDropped: () => dropped++ }, 'bulk');
    assert.equal(first.cancel(), false, 'partly sent');
    assert.equal(second.cancel(), true);
    assert.equal(second.cancel(), false, 'only once');
    assert.equal(dropped, 1);
    box.addTokens(10);
    assert.equal(parse(chunks).length, 1);
  },
);

test(
  'agent gone mid-message: the tail goes out at once without tokens, queued messages are dropped',
  { timeout: 10_000 },
  () => {
    const { chunks, sink } = recorder();
    const box = new AgentOutbox(sink, silentLogger);
    box.setTokens(2);
    const big = payload(10_000, 8);
    const events: string[] = [];
    box.enqueue(
      {
        type: 12,
        parts: [big],
        onSent: () => events.push('big sent'),
        onDropped: () => events.push('big dropped'),
      },
      'bulk',
    );
    box.enqueue(
      { type: 11, parts: [payload(8, 9)], onDropped: () => events.push('next dropped') },
      'control',
    );
    assert.equal(chunks.length, 2);
    box.abandon();
    const messages = parse(chunks);
    assert.equal(messages.length, 1, 'the partial message was completed, nothing else sent');
    assert.deepEqual(messages[0]!.data, big);
    assert.deepEqual(events, ['big dropped', 'next dropped']);
    assert.equal(box.pendingMessages, 0);
    box.addTokens(5);
    box.enqueue({ type: 6, parts: [payload(8, 10)] }, 'control');
    assert.equal(parse(chunks).length, 2, 'a new agent gets fresh messages');
  },
);

test('a channel closing drops everything, including a partly sent message', { timeout: 10_000 }, () => {
  const { chunks, sink } = recorder();
  const box = new AgentOutbox(sink, silentLogger);
  box.setTokens(1);
  let dropped = 0;
  box.enqueue({ type: 12, parts: [payload(5000, 11)], onDropped: () => dropped++ }, 'bulk');
  box.clear();
  assert.equal(chunks.length, 1);
  assert.equal(dropped, 1);
  assert.equal(box.tokens, 0);
});
