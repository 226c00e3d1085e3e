// The UDPack data phase over a deterministic lossy in-process link (virtual time, seeded loss, duplication and
// reordering): reliable ordered streams, no head-of-line blocking across streams, selective ACK and loss recovery,
// FRAG units, flow control, congestion control against a bottleneck, interactive redundancy, close and reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRIORITY_DEFAULT, PRIORITY_INTERACTIVE } from '../../../main/spice/transport/udpack/connection';
import {
  INITIAL_STREAM_WINDOW_BYTES,
  RESET_TARGET_UNREACHABLE,
} from '../../../main/spice/transport/udpack/codes';
import { makePair, openClientStream, patternBytes, type LinkProfile } from '../../support/udpack-sim';

const lossy = (delayMs: number, loss: number): Record<'up' | 'down', LinkProfile> => ({
  up: { delayMs, loss, duplicate: 0.01, reorder: 0.02, reorderExtraMs: 7 },
  down: { delayMs, loss, duplicate: 0.01, reorder: 0.02, reorderExtraMs: 7 },
});

for (const seed of [1, 2, 3]) {
  test(`streams are reliable and ordered both ways at 5% loss with duplication and reordering (seed ${seed})`, () => {
    const pair = makePair({ seed, profile: lossy(50, 0.05) });
    const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
    const up = patternBytes(200_000, seed);
    for (let i = 0; i < up.length; i += 7000) handle.write(up.subarray(i, i + 7000));
    handle.end();
    assert.ok(
      pair.clock.run(() => pair.accepted.get(0)?.sink.ended === true, 60_000),
      'upload finished',
    );
    const remote = pair.accepted.get(0)!;
    assert.ok(remote.sink.data().equals(up), 'upload byte-exact');
    const down = patternBytes(600_000, seed + 100);
    remote.handle.write(down);
    remote.handle.end();
    assert.ok(
      pair.clock.run(() => sink.ended, 60_000),
      'download finished',
    );
    assert.ok(sink.data().equals(down), 'download byte-exact');
    assert.ok(pair.gateway.stats.packetsLost > 0, 'losses happened and were repaired');
    assert.ok(pair.link.counts.duplicated > 0, 'duplicates were sent');
    // Both sides retire the stream once both directions ended and were acknowledged.
    assert.ok(
      pair.clock.run(() => pair.client.streamCount === 0 && pair.gateway.streamCount === 0, 10_000),
      'waited for: () => pair.client.streamCount === 0 && pair.gateway.streamCount === 0',
    );
  });
}

test('a loss on one stream does not hold back another (no head-of-line blocking)', () => {
  const pair = makePair({ seed: 9, profile: lossy(40, 0) });
  const display = openClientStream(pair, PRIORITY_DEFAULT);
  const inputs = openClientStream(pair, PRIORITY_INTERACTIVE);
  display.handle.write(Buffer.from('hello'));
  inputs.handle.write(Buffer.from('hi'));
  assert.ok(
    pair.clock.run(() => pair.accepted.size === 2, 1000),
    'waited for: () => pair.accepted.size === 2',
  );
  const gwDisplay = pair.accepted.get(display.handle.id)!;
  const gwInputs = pair.accepted.get(inputs.handle.id)!;
  // The gateway streams a large update on the display stream; drop one of its datagrams.
  let dropped = -1;
  pair.link.filter = (direction, _d, index) => {
    if (direction !== 'down' || dropped >= 0 || index < 5) return false;
    dropped = index;
    return true;
  };
  gwDisplay.handle.write(patternBytes(60_000, 1));
  pair.clock.run(() => dropped >= 0, 1000);
  const afterDrop = pair.clock.now();
  gwInputs.handle.write(Buffer.from('modifiers'));
  assert.ok(
    pair.clock.run(() => inputs.sink.bytes === 9, 1000),
    'waited for: () => inputs.sink.bytes === 9',
  );
  const inputsAt = pair.clock.now();
  assert.ok(
    pair.clock.run(() => display.sink.bytes === 60_000, 5000),
    'waited for: () => display.sink.bytes === 60_000',
  );
  const displayDoneAt = pair.clock.now();
  assert.ok(
    inputsAt - afterDrop <= 45,
    `inputs arrived after one one-way delay (${inputsAt - afterDrop} ms)`,
  );
  assert.ok(displayDoneAt - afterDrop > 80, 'the display stream waited for its retransmission');
});

test('a write larger than a datagram arrives as one unit (FRAG); separate writes stay separate', () => {
  const pair = makePair({ seed: 4, profile: lossy(10, 0.05) });
  const { handle } = openClientStream(pair, PRIORITY_DEFAULT);
  const big = patternBytes(50_000, 2);
  handle.write(Buffer.from('link'));
  handle.write(big);
  handle.write(Buffer.from('tail'));
  assert.ok(
    pair.clock.run(() => (pair.accepted.get(0)?.sink.bytes ?? 0) === 50_008, 10_000),
    'waited for: () => (pair.accepted.get(0)?.sink.bytes ?? 0) === 50_008',
  );
  const chunks = pair.accepted.get(0)!.sink.chunks;
  // Units may arrive together, but the reader never sees a chunk end inside the 50 kB write.
  let end = 0;
  for (const c of chunks) {
    end += c.length;
    assert.ok(end <= 4 || end >= 4 + 50_000, `a delivery ended inside the large write (at ${end})`);
  }
  assert.ok(Buffer.concat(chunks).equals(Buffer.concat([Buffer.from('link'), big, Buffer.from('tail')])));
});

test('flow control: a reader that stops bounds what the sender may send; resuming drains the rest', () => {
  const windowBytes = 128 * 1024;
  const pair = makePair({
    seed: 5,
    profile: lossy(20, 0.01),
    limits: { streamWindowBytes: windowBytes, sessionWindowBytes: 4 * windowBytes },
  });
  const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(Buffer.from('x'));
  assert.ok(
    pair.clock.run(() => pair.accepted.size === 1, 1000),
    'waited for: () => pair.accepted.size === 1',
  );
  sink.paused = true;
  const remote = pair.accepted.get(0)!;
  const total = 2 * 1024 * 1024;
  remote.handle.write(patternBytes(total, 3));
  remote.handle.end();
  pair.clock.advance(3000);
  // The initial window is a protocol constant, so the first delivery may reach it; no more.
  assert.ok(
    sink.bytes <= INITIAL_STREAM_WINDOW_BYTES,
    `stopped at the window (${sink.bytes} bytes delivered)`,
  );
  assert.ok(sink.bytes > 0, 'something arrived before the window closed');
  sink.resume();
  assert.ok(
    pair.clock.run(() => sink.ended, 30_000),
    'the rest arrived after the reader resumed',
  );
  assert.equal(sink.bytes, total);
});

test('congestion control: at a 10 Mbit/s bottleneck with 3% random loss the session keeps most of the rate and a short queue', () => {
  const rate = 1250; // bytes per ms = 10 Mbit/s
  const profile: LinkProfile = { delayMs: 50, loss: 0.03, rateBytesPerMs: rate, queueMs: 200 };
  const pair = makePair({ seed: 6, profile: { up: { delayMs: 50, loss: 0.03 }, down: profile } });
  const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(Buffer.from('go'));
  assert.ok(
    pair.clock.run(() => pair.accepted.size === 1, 1000),
    'waited for: () => pair.accepted.size === 1',
  );
  const total = 8 * 1024 * 1024;
  const start = pair.clock.now();
  pair.accepted.get(0)!.handle.write(patternBytes(total, 4));
  assert.ok(
    pair.clock.run(() => sink.bytes === total, 60_000),
    'waited for: () => sink.bytes === total',
  );
  const seconds = (pair.clock.now() - start) / 1000;
  const goodput = total / seconds / 1000; // bytes per ms
  assert.ok(goodput > 0.6 * rate, `goodput ${goodput.toFixed(0)} B/ms of a ${rate} B/ms bottleneck`);
  assert.ok(pair.gateway.cc.stats.slowSignals > 0, 'the receiver signalled SLOW when the queue built up');
  assert.ok(pair.client.recovery.rtt.smoothed < 400, 'no bufferbloat collapse');
});

test('interactive writes: a second copy makes a lost keystroke cost milliseconds, not an RTT', () => {
  const pair = makePair({ seed: 7, profile: lossy(50, 0.03) });
  const { handle } = openClientStream(pair, PRIORITY_INTERACTIVE);
  handle.write(Buffer.from([0]));
  assert.ok(
    pair.clock.run(() => pair.accepted.size === 1, 1000),
    'waited for: () => pair.accepted.size === 1',
  );
  const remote = pair.accepted.get(0)!;
  const latencies: number[] = [];
  for (let i = 1; i <= 400; i++) {
    const before = remote.sink.bytes;
    const sentAt = pair.clock.now();
    handle.write(Buffer.from([i & 0xff, 1, 2, 3]));
    assert.ok(
      pair.clock.run(() => remote.sink.bytes >= before + 4, 2000),
      'waited for: () => remote.sink.bytes >= before + 4',
    );
    latencies.push(pair.clock.now() - sentAt);
    pair.clock.advance(30);
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
  assert.ok(p99 <= 100, `p99 ${p99} ms ≤ 2 × one-way delay (RTT 100 ms)`);
  assert.ok(pair.client.stats.redundantCopies > 0, 'second copies were sent');
});

test('a stream reset travels with its code and reason; a session close ends every stream', () => {
  const pair = makePair({ seed: 8, profile: lossy(10, 0.02) });
  const a = openClientStream(pair, PRIORITY_DEFAULT);
  const b = openClientStream(pair, PRIORITY_DEFAULT);
  a.handle.write(Buffer.from('a'));
  b.handle.write(Buffer.from('b'));
  assert.ok(
    pair.clock.run(() => pair.accepted.size === 2, 1000),
    'waited for: () => pair.accepted.size === 2',
  );
  pair.accepted.get(a.handle.id)!.handle.reset(RESET_TARGET_UNREACHABLE, 'connection refused\x1b[2J');
  assert.ok(
    pair.clock.run(() => a.sink.resetWith !== undefined, 2000),
    'waited for: () => a.sink.resetWith !== undefined',
  );
  assert.equal(a.sink.resetWith!.code, RESET_TARGET_UNREACHABLE);
  assert.equal(a.sink.resetWith!.reason, 'connection refused?[2J', 'control characters are replaced');
  pair.gateway.close(4, 'shutting down');
  assert.ok(
    pair.clock.run(() => pair.closed.client !== undefined, 2000),
    'waited for: () => pair.closed.client !== undefined',
  );
  assert.match(pair.closed.client!, /^peer:4:shutting down/);
  assert.ok(b.sink.resetWith, 'the open stream learnt that the session ended');
});

test('idle timeout: a dead link ends the session; keep-alives keep an idle one open', () => {
  const pair = makePair({
    seed: 10,
    profile: lossy(20, 0),
    limits: { idleTimeoutMs: 5000, keepAliveMs: 1000 },
  });
  openClientStream(pair, PRIORITY_DEFAULT).handle.write(Buffer.from('x'));
  pair.clock.advance(20_000);
  assert.equal(pair.closed.client, undefined, 'keep-alives kept the idle session open');
  assert.equal(pair.closed.gateway, undefined);
  pair.link.filter = () => true; // the path dies
  assert.ok(
    pair.clock.run(() => pair.closed.client !== undefined, 10_000),
    'waited for: () => pair.closed.client !== undefined',
  );
  assert.match(pair.closed.client!, /^idle:/);
});
