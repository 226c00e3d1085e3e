// The page's playback jitter buffer (renderer/audio/jitter-buffer.ts), driven as the AudioWorklet drives it: it fills
// to its target before playing, plays samples in order with per-channel gains, reports when each frame's first sample
// is played, goes silent and refills on an underrun, cuts a burst back to the target, and taps its output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JitterBuffer, MIN_TARGET_MS } from '../../../renderer/audio/jitter-buffer';

const RATE = 48000;
const QUANTUM = 128;

function frame(start: number, frames: number): Float32Array[] {
  const left = new Float32Array(frames).map((_, i) => (start + i) / 1e6);
  return [left, left.map((v) => -v)];
}

function render(buffer: JitterBuffer): { out: Float32Array[]; mark: ReturnType<JitterBuffer['render']> } {
  const out = [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];
  return { out, mark: buffer.render(out, QUANTUM) };
}

void test('fills to the target, then plays in order with gains and marks each frame', () => {
  const buffer = new JitterBuffer(2, RATE);
  buffer.setGains([1, 0.5]);
  let pushed = 0;
  // 20 ms (below the 30 ms floor): still silent.
  for (let i = 0; i < 2; i++, pushed += 480) buffer.push(frame(pushed, 480), 480, 1000 + i * 10, 5000 + i);
  assert.ok(render(buffer).out[0]!.every((v) => v === 0));
  buffer.push(frame(pushed, 480), 480, 1020, 5002);
  pushed += 480;
  const first = render(buffer);
  assert.deepEqual(first.mark, { timeMs: 1000, sentAtMs: 5000, offsetFrames: 0 });
  assert.equal(first.out[0]![5], Math.fround(5 / 1e6));
  assert.equal(first.out[1]![5], Math.fround(-2.5 / 1e6));
  // Frame 2 starts at sample 480: in the fourth quantum (384..511), at offset 96.
  render(buffer);
  render(buffer);
  assert.deepEqual(render(buffer).mark, { timeMs: 1010, sentAtMs: 5001, offsetFrames: 96 });
  const stats = buffer.stats();
  assert.equal(stats.receivedMs, 30);
  assert.equal(stats.bufferedMs, ((1440 - 512) * 1000) / RATE);
  assert.equal(stats.underruns, 0);
  assert.equal(MIN_TARGET_MS, 30);
});

void test('an underrun plays what is left, then silence, and refills before playing again', () => {
  const buffer = new JitterBuffer(2, RATE);
  buffer.push(frame(0, 1500), 1500, 0, 0);
  for (let i = 0; i < 11; i++) render(buffer);
  const short = render(buffer); // 1408..1499 then silence
  assert.equal(short.out[0]![91], Math.fround(1499 / 1e6));
  assert.equal(short.out[0]![92], 0);
  assert.equal(buffer.stats().underruns, 1);
  buffer.push(frame(2000, 480), 480, 40, 0);
  assert.ok(
    render(buffer).out[0]!.every((v) => v === 0),
    'refilling: 10 ms is below the target',
  );
});

void test('a burst far above the target is cut back to it (the newest audio kept); the server target raises it', () => {
  const buffer = new JitterBuffer(2, RATE);
  buffer.push(frame(0, 48000 * 0.2), 48000 * 0.2, 0, 0);
  assert.equal(buffer.stats().overruns, 1);
  assert.equal(buffer.stats().bufferedMs, MIN_TARGET_MS);
  assert.equal(render(buffer).out[0]![0], Math.fround((9600 - 1440) / 1e6));
  buffer.reset();
  buffer.setTarget(150);
  buffer.push(frame(0, 48000 * 0.2), 48000 * 0.2, 0, 0);
  assert.equal(buffer.stats().overruns, 0, '200 ms is within 150 + slack');
  // Junk sizes are ignored, not thrown on.
  buffer.push([], 0, 0, 0);
  buffer.push([new Float32Array(1)], 10_000_000, 0, 0);
});

void test('the tap records the samples as they arrive, with the gains', () => {
  const buffer = new JitterBuffer(2, RATE);
  buffer.setGains([1, 0.5]);
  buffer.startTap(600);
  buffer.push(frame(0, 480), 480, 0, 0);
  assert.equal(buffer.takeTap(), undefined);
  buffer.push(frame(480, 480), 480, 10, 0);
  const tap = buffer.takeTap()!;
  assert.equal(tap[0]!.length, 600);
  assert.equal(tap[0]![599], Math.fround(599 / 1e6));
  assert.equal(tap[1]![599], Math.fround(-599 / 1e6) * 0.5);
});

void test('a steady excess over the target is trimmed after a window (delay does not stay after a burst)', () => {
  const buffer = new JitterBuffer(2, RATE);
  // 100 ms arrive at once (within target + slack, no overrun), then the stream flows at the rate it plays.
  buffer.push(frame(0, 4800), 4800, 0, 0);
  let pushed = 4800;
  for (let q = 0; q < 400; q++) {
    render(buffer);
    if ((q * QUANTUM) % 480 < QUANTUM) {
      buffer.push(frame(pushed, 480), 480, 0, 0);
      pushed += 480;
    }
  }
  const stats = buffer.stats();
  assert.ok(stats.bufferedMs < MIN_TARGET_MS + 20, `buffered ${stats.bufferedMs.toFixed(1)} ms`);
  assert.ok(stats.overruns >= 1, 'the trim is counted');
  assert.equal(stats.underruns, 0);
});
