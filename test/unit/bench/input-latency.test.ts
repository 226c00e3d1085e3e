import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairInputs, serverInputKind } from '../../../scripts/bench-interactive/input-latency';
import { quantile, spread } from '../../../scripts/bench-interactive/stats';

void test('server events map to input kinds; prefixes and untimed events are ignored', () => {
  assert.deepEqual(serverInputKind({ event: 'key', scancode: 0x1e, t_us: 5 }), { kind: 'keydown', tUs: 5 });
  assert.deepEqual(serverInputKind({ event: 'key', scancode: 0x9e, t_us: 6 }), { kind: 'keyup', tUs: 6 });
  assert.equal(serverInputKind({ event: 'key', scancode: 0xe0, t_us: 7 }), undefined);
  assert.equal(serverInputKind({ event: 'key', scancode: 0x1e }), undefined);
  assert.deepEqual(serverInputKind({ event: 'tablet_position', x: 1, y: 2, t_us: 8 }), {
    kind: 'move',
    tUs: 8,
  });
  assert.equal(serverInputKind({ event: 'leds', t_us: 9 }), undefined);
});

void test('each send pairs with the first arrival before the next send; a lost event is not paired', () => {
  const sent = [
    { kind: 'keydown' as const, tUs: 1_000_000 },
    { kind: 'keydown' as const, tUs: 1_030_000 },
    { kind: 'keydown' as const, tUs: 1_060_000 },
    { kind: 'move' as const, tUs: 2_000_000 },
  ];
  const arrived = [
    { kind: 'keydown' as const, tUs: 1_002_000 }, // 2 ms
    // the second press never arrived
    { kind: 'keydown' as const, tUs: 1_061_500 }, // 1.5 ms
    { kind: 'move' as const, tUs: 2_000_500 }, // 0.5 ms
  ];
  const r = pairInputs(sent, arrived);
  assert.equal(r.matched, 3);
  assert.equal(r.sent, 4);
  assert.deepEqual([r.keyMs.count, r.keyMs.median, r.keyMs.p99], [2, 1.5, 2]);
  assert.equal(r.pointerMs.median, 0.5);
});

void test('when every event arrived they pair in order, even one later than the gap between sends', () => {
  const sent = [0, 30_000, 60_000].map((tUs) => ({ kind: 'keydown' as const, tUs }));
  const arrived = [45_000, 50_000, 61_000].map((tUs) => ({ kind: 'keydown' as const, tUs }));
  const r = pairInputs(sent, arrived);
  assert.equal(r.matched, 3);
  assert.deepEqual([r.keyMs.median, r.keyMs.p99], [20, 45]);
});

void test('quantiles use the nearest rank', () => {
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(hundred, 0.99), 99);
  assert.ok(Number.isNaN(spread([]).median));
});
