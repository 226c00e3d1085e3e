// Frames on the session process's socket: every frame comes back intact however the stream is split (fed at every
// offset), pixels stay views of the chunks read, and a malformed header ends the link instead of being guessed at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MUX_HEADER_BYTES,
  MuxReader,
  MuxType,
  allocMuxFrame,
  muxFrame,
  wholeFrames,
  type MuxFragment,
} from '../../../main/ipc/mux';

const frames = (): Buffer[] => [
  muxFrame(MuxType.control, 0, JSON.stringify({ t: 'init', shell: 'web', debug: false })),
  muxFrame(MuxType.text, 7, '{"kind":"frame-end","seq":1}'),
  muxFrame(
    MuxType.binary,
    7,
    new Uint8Array(300).map((_, i) => i),
  ),
  muxFrame(MuxType.text, 9, ''),
];

void test('split at every offset, the frames and their order come back exactly', () => {
  const stream = Buffer.concat(frames());
  for (let cut = 0; cut <= stream.length; cut++) {
    const got: [number, number, string][] = [];
    const reader = new MuxReader(
      wholeFrames(
        (type, viewId, payload) => got.push([type, viewId, payload.toString('hex')]),
        () => {},
        1 << 20,
      ),
      (m) => assert.fail(m),
    );
    reader.push(stream.subarray(0, cut));
    reader.push(stream.subarray(cut));
    assert.deepEqual(
      got,
      frames().map((f) => [f.readUInt8(4), f.readUInt32LE(8), f.subarray(MUX_HEADER_BYTES).toString('hex')]),
      `cut at ${cut}`,
    );
    assert.equal(reader.pending, undefined);
  }
});

void test('fragments are views of the chunks read (no copy), first/last marked, pending when cut off', () => {
  const frame = allocMuxFrame(MuxType.binary, 3, 1000);
  frame.fill(5, MUX_HEADER_BYTES);
  const seen: MuxFragment[] = [];
  const reader = new MuxReader(
    (f) => seen.push(f),
    (m) => assert.fail(m),
  );
  const a = frame.subarray(0, 400);
  reader.push(a);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.chunk.buffer, a.buffer, 'a view of the pushed chunk');
  assert.deepEqual([seen[0]!.first, seen[0]!.last, seen[0]!.chunk.length], [true, false, 388]);
  assert.deepEqual(reader.pending, { type: MuxType.binary, viewId: 3, payloadBytes: 1000, remaining: 612 });
  reader.push(frame.subarray(400));
  assert.deepEqual([seen[1]!.first, seen[1]!.last, seen[1]!.chunk.length], [false, true, 612]);
  assert.equal(reader.pending, undefined);
});

void test('a bad type or an oversized payload is an error, and frames over the join limit are refused', () => {
  const errors: string[] = [];
  const bad = muxFrame(MuxType.text, 1, 'x');
  bad.writeUInt8(9, 4);
  new MuxReader(
    () => {},
    (m) => errors.push(m),
  ).push(bad);
  const huge = Buffer.alloc(MUX_HEADER_BYTES);
  huge.writeUInt32LE(0xffffffff, 0);
  huge.writeUInt8(MuxType.binary, 4);
  new MuxReader(
    () => {},
    (m) => errors.push(m),
  ).push(huge);
  assert.equal(errors.length, 2);
  const tooBig: number[] = [];
  const reader = new MuxReader(
    wholeFrames(
      () => assert.fail('joined'),
      (_t, _v, bytes) => tooBig.push(bytes),
      10,
    ),
    (m) => assert.fail(m),
  );
  reader.push(muxFrame(MuxType.text, 1, 'x'.repeat(11)));
  assert.deepEqual(tooBig, [11]);
});
