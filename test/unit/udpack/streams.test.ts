// The halves of a UDPack stream on their own: chunking at write-unit boundaries (FRAG), acknowledgement and loss
// bookkeeping (including ranges acknowledged twice), FIN, flow-control limits, reassembly of pieces in any order
// with duplicates, and the bound on out-of-order pieces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../main/spice/errors';
import {
  FlowControlError,
  MAX_OUT_OF_ORDER_PIECES,
  RecvStream,
} from '../../../main/spice/transport/udpack/recv-stream';
import { RangeSet } from '../../../main/spice/transport/udpack/range-set';
import { SendStream } from '../../../main/spice/transport/udpack/send-stream';
import { prng } from '../../support/prng';

test('chunks never span two write units; FRAG marks a chunk that does not end its unit', () => {
  const s = new SendStream(0, 2, 1 << 20);
  s.write(Buffer.alloc(10, 1));
  s.write(Buffer.alloc(2500, 2));
  s.write(Buffer.alloc(3, 3));
  const chunks = [];
  for (let c = s.nextChunk(1000, Infinity); c; c = s.nextChunk(1000, Infinity)) chunks.push(c);
  assert.deepEqual(
    chunks.map((c) => [c.offset, c.data.length, c.frag]),
    [
      [0, 10, false],
      [10, 1000, true],
      [1010, 1000, true],
      [2010, 500, false],
      [2510, 3, false],
    ],
  );
});

test('acknowledgements release memory even when a range is acknowledged twice', () => {
  const s = new SendStream(0, 2, 1 << 20);
  s.write(Buffer.alloc(3000, 1));
  const a0 = s.nextChunk(500, Infinity)!;
  const a = s.nextChunk(500, Infinity)!;
  const b = s.nextChunk(1000, Infinity)!;
  const c = s.nextChunk(1000, Infinity)!;
  s.onAcked(a0.offset, a0.data.length, false);
  s.onAcked(a.offset, a.data.length, false);
  s.onLost(b.offset, b.data.length, false);
  const again = s.nextChunk(1000, Infinity)!;
  assert.equal(again.offset, b.offset, 'the lost range goes first');
  s.onAcked(a0.offset, a0.data.length, false); // a duplicate acknowledgement well below the released point
  s.onAcked(c.offset, c.data.length, false);
  s.onAcked(b.offset, b.data.length, false);
  s.onAcked(again.offset, again.data.length, false);
  assert.equal(s.bufferedBytes, 0, 'everything released');
  s.finish();
  const fin = s.nextChunk(1000, Infinity)!;
  assert.equal(fin.fin, true);
  assert.equal(fin.data.length, 0);
  s.onLost(fin.offset, 0, true);
  assert.equal(s.nextChunk(1000, Infinity)?.fin, true, 'a lost FIN goes again');
  s.onAcked(3000, 0, true);
  assert.equal(s.isDone, true);
});

test('the peer limit and the session credit cap new data; lost data ignores both', () => {
  const s = new SendStream(0, 2, 1500);
  s.write(Buffer.alloc(4000));
  assert.equal(s.nextChunk(1000, 700)?.data.length, 700, 'session credit');
  assert.equal(s.nextChunk(1000, Infinity)?.data.length, 800, 'stream limit');
  assert.equal(s.nextChunk(1000, Infinity), undefined);
  assert.equal(s.blockedByPeer, true);
  s.onLost(0, 700, false);
  assert.equal(s.nextChunk(1000, 0)?.data.length, 700, 'a retransmission needs no new credit');
});

test('reassembly: any order, duplicates and overlaps give the bytes once, in order, units whole', () => {
  const rnd = prng(3);
  for (let round = 0; round < 50; round++) {
    const total = 5000;
    const data = Buffer.from(Array.from({ length: total }, (_, i) => i & 0xff));
    const pieces: [number, number, boolean][] = [];
    for (let at = 0; at < total;) {
      const n = Math.min(total - at, 1 + Math.floor(rnd() * 700));
      pieces.push([at, n, at + n !== total && rnd() < 0.7]);
      at += n;
    }
    const order = [...pieces, ...pieces.filter(() => rnd() < 0.3)].sort(() => rnd() - 0.5);
    const r = new RecvStream(0, 1 << 20);
    const out: Buffer[] = [];
    for (const [at, n, frag] of order) {
      r.receive(at, data.subarray(at, at + n), at + n === total, frag);
      for (let t = r.take(); t.data; t = r.take()) out.push(Buffer.from(t.data));
    }
    assert.ok(Buffer.concat(out).equals(data), `round ${round}`);
  }
});

test('flow control and a hostile peer: past the limit, a changed final size, too many pieces', () => {
  const r = new RecvStream(0, 1000);
  assert.throws(() => r.receive(900, Buffer.alloc(200), false, false), FlowControlError);
  r.receive(0, Buffer.alloc(10), true, false);
  assert.throws(
    () => r.receive(0, Buffer.alloc(20), false, false),
    FlowControlError,
    'beyond the final size',
  );
  const big = new RecvStream(1, 1 << 30);
  big.maxAllowed = 1 << 30;
  assert.throws(() => {
    for (let i = 0; i <= MAX_OUT_OF_ORDER_PIECES; i++) big.receive(10 + 2 * i, Buffer.alloc(1), false, false);
  }, ProtocolError);
});

test('range sets merge, split and answer membership', () => {
  const r = new RangeSet();
  r.add(10, 20);
  r.add(30, 40);
  r.add(20, 30);
  assert.deepEqual(r.all(), [{ start: 10, end: 40 }]);
  r.remove(15, 25);
  assert.deepEqual(r.all(), [
    { start: 10, end: 15 },
    { start: 25, end: 40 },
  ]);
  assert.equal(r.contains(14), true);
  assert.equal(r.contains(15), false);
  assert.equal(r.covers(26, 40), true);
  assert.equal(r.covers(14, 26), false);
  r.dropBelow(30);
  assert.deepEqual(r.all(), [{ start: 30, end: 40 }]);
});
