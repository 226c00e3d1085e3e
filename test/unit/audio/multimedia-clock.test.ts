// The session multimedia clock on a fake monotonic source: syncs from the main channel and from playback,
// u32 wrap-around, reset notices for jumps (forward > 500 ms, backward > 100 ms), and the audio delay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMultimediaClock, mmTimeAdd, mmTimeDiff } from '../../../main/spice/multimedia-clock';

function fakeTime(): { now: number; monotonicMs: () => number } {
  const t = { now: 1000, monotonicMs: () => t.now };
  return t;
}

void test('clock: follows local time from the last sync', () => {
  const t = fakeTime();
  const clock = createMultimediaClock({ monotonicMs: t.monotonicMs });
  assert.equal(clock.synced, false);
  clock.sync(50_000, 'main');
  assert.equal(clock.synced, true);
  assert.equal(clock.nowMs(), 50_000);
  t.now += 1234.6;
  assert.equal(clock.nowMs(), 51_234);
  clock.sync(60_000, 'playback');
  t.now += 10;
  assert.equal(clock.nowMs(), 60_010);
});

void test('clock: mm-time wraps at 2^32 ms and differences stay signed', () => {
  const t = fakeTime();
  const clock = createMultimediaClock({ monotonicMs: t.monotonicMs });
  clock.sync(0xffff_ff00, 'main');
  t.now += 0x200;
  assert.equal(clock.nowMs(), 0x100);
  assert.equal(mmTimeDiff(0x100, 0xffff_ff00), 0x200);
  assert.equal(mmTimeDiff(0xffff_ff00, 0x100), -0x200);
  assert.equal(mmTimeAdd(0xffff_fff0, 0x20), 0x10);
  assert.equal(mmTimeAdd(5, -10), 0xffff_fffb);
});

void test('clock: big forward jumps and backward steps are resets; small corrections are not', () => {
  const t = fakeTime();
  const clock = createMultimediaClock({ monotonicMs: t.monotonicMs });
  const resets: unknown[] = [];
  const off = clock.onReset((r) => resets.push(r));
  clock.sync(10_000, 'main'); // first sync: never a reset
  clock.sync(10_400, 'main'); // +400 ms
  clock.sync(10_350, 'playback'); // −50 ms (playback delay jitter)
  assert.equal(resets.length, 0);
  clock.sync(11_000, 'playback'); // +650 ms
  clock.sync(10_800, 'main'); // −200 ms
  assert.deepEqual(resets, [
    { fromMs: 10_350, toMs: 11_000, source: 'playback' },
    { fromMs: 11_000, toMs: 10_800, source: 'main' },
  ]);
  off();
  clock.sync(0, 'main');
  assert.equal(resets.length, 2, 'unsubscribed');
});

void test('clock: audio delay is null unless playback set one', () => {
  const clock = createMultimediaClock();
  assert.equal(clock.audioDelayMs, null);
  clock.setAudioDelay(41.6);
  assert.equal(clock.audioDelayMs, 42);
  clock.setAudioDelay(-5);
  assert.equal(clock.audioDelayMs, 0);
  clock.setAudioDelay(null);
  assert.equal(clock.audioDelayMs, null);
});
