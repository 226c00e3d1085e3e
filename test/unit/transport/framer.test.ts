import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../main/spice/errors';
import { MessageFramer, frameMessage, type SpiceMessage } from '../../../main/spice/transport/framer';

function sample(mini: boolean): { bytes: Uint8Array; expected: { type: number; body: number[] }[] } {
  const expected = [
    { type: 101, body: [1, 2, 3] },
    { type: 4, body: [] },
    { type: 304, body: Array.from({ length: 70 }, (_, i) => i) },
    { type: 7, body: [9] },
  ];
  const parts = expected.map((m, i) => frameMessage(mini, i + 1, m.type, Uint8Array.from(m.body)));
  return { bytes: Buffer.concat(parts), expected };
}

function drain(f: MessageFramer): SpiceMessage[] {
  const out: SpiceMessage[] = [];
  for (let m = f.next(); m; m = f.next()) out.push({ ...m, body: Uint8Array.from(m.body) });
  return out;
}

for (const mini of [true, false]) {
  test(`framer (${mini ? 'mini' : 'full'} header) yields the same messages at every split offset`, () => {
    const { bytes, expected } = sample(mini);
    for (let split = 0; split <= bytes.length; split++) {
      const f = new MessageFramer(mini);
      f.push(bytes.subarray(0, split));
      const got = drain(f);
      f.push(bytes.subarray(split));
      got.push(...drain(f));
      assert.deepEqual(
        got.map((m) => ({ type: m.type, body: [...m.body] })),
        expected,
        `split at ${split}`,
      );
      assert.deepEqual(
        got.map((m) => m.serial),
        [1, 2, 3, 4],
      );
      assert.equal(f.pendingBytes, 0);
    }
  });

  test(`framer (${mini ? 'mini' : 'full'} header) handles byte-by-byte delivery`, () => {
    const { bytes, expected } = sample(mini);
    const f = new MessageFramer(mini);
    const got: SpiceMessage[] = [];
    for (const b of bytes) {
      f.push(Uint8Array.of(b));
      got.push(...drain(f));
    }
    assert.equal(got.length, expected.length);
  });
}

test('framer returns a view, not a copy, for a message inside one chunk', () => {
  const bytes = frameMessage(true, 1, 5, Uint8Array.of(1, 2, 3, 4));
  const f = new MessageFramer(true);
  f.push(bytes);
  const m = f.next()!;
  assert.equal(m.body.buffer, bytes.buffer);
});

test('framer rejects a declared size over the limit before buffering it', () => {
  const f = new MessageFramer(true, 1024);
  const header = new Uint8Array(6);
  new DataView(header.buffer).setUint16(0, 5, true);
  new DataView(header.buffer).setUint32(2, 4096, true);
  f.push(header);
  assert.throws(() => f.next(), ProtocolError);
});

test('framer rejects a sub-message list offset outside the body', () => {
  const out = new Uint8Array(18 + 4);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, 1n, true);
  v.setUint16(8, 304, true);
  v.setUint32(10, 4, true);
  v.setUint32(14, 9, true);
  const f = new MessageFramer(false);
  f.push(out);
  assert.throws(() => f.next(), /sub-message list/);
});

test('message bodies are plain Uint8Array views, so slice() copies (never a Buffer view of socket memory)', () => {
  const f = new MessageFramer(true);
  f.push(Buffer.from(frameMessage(true, 1, 5, Uint8Array.of(1, 2, 3, 4))));
  const body = f.next()!.body;
  assert.equal(Buffer.isBuffer(body), false);
  const copy = body.slice();
  assert.notEqual(copy.buffer, body.buffer);
});
