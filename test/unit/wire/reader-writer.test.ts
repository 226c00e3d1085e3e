import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../main/spice/errors';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';

test('writer and reader round-trip every field type, little-endian', () => {
  const w = new SpiceWriter(1);
  w.u8(0xfe)
    .i8(-2)
    .u16(0xbeef)
    .i16(-300)
    .u32(0xdeadbeef)
    .i32(-5)
    .u32be(0x01020304)
    .u64(2n ** 63n + 5n)
    .i64(-7n);
  const bytes = w.finish();
  assert.deepEqual([...bytes.subarray(2, 4)], [0xef, 0xbe], 'u16 is little-endian');
  const r = new SpiceReader(bytes);
  assert.deepEqual(
    [r.u8(), r.i8(), r.u16(), r.i16(), r.u32(), r.i32(), r.u32be(), r.u64(), r.i64()],
    [0xfe, -2, 0xbeef, -300, 0xdeadbeef, -5, 0x01020304, 2n ** 63n + 5n, -7n],
  );
  assert.equal(r.remaining, 0);
});

test('writer grows for large byte arrays and zero runs written after small fields', () => {
  const big = Uint8Array.from({ length: 100_000 }, (_, i) => i & 255);
  const bytes = new SpiceWriter(4).u32(7).bytes(big).zeros(70_000).u8(9).finish();
  assert.equal(bytes.length, 4 + 100_000 + 70_000 + 1);
  assert.deepEqual([...bytes.subarray(4, 8)], [0, 1, 2, 3]);
  assert.equal(bytes[4 + 99_999], 99_999 & 255);
  assert.ok(bytes.subarray(4 + 100_000, 4 + 170_000).every((b) => b === 0));
  assert.equal(bytes[bytes.length - 1], 9);
});

test('reader: every read past the end, bad pointer or oversized count is a ProtocolError', () => {
  const r = new SpiceReader(Uint8Array.of(1, 2, 3));
  assert.throws(() => r.u32(), ProtocolError);
  assert.equal(r.pos, 0, 'a failed read consumes nothing');
  assert.throws(() => r.fork(4), ProtocolError);
  assert.throws(() => r.count(2, 2, 'things'), ProtocolError);
  assert.throws(() => r.bytesView(4), ProtocolError);
  const big = new SpiceReader(new SpiceWriter().u64(2n ** 60n).finish());
  assert.throws(() => big.u64n(), ProtocolError);
  const nested = new SpiceReader(Uint8Array.of(9, 2, 0xaa, 0xbb, 0xcc), 1);
  const sub = nested.sub(3);
  assert.equal(sub.u8(), 2);
  assert.equal(sub.fork(2).u8(), 0xbb, 'fork is relative to the body start');
  assert.throws(() => sub.fork(4), ProtocolError);
});
