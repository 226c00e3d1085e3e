// VDAgentMonitorsConfig bytes for 1-4 monitors (sparse and dense, positions, physical size), input checks, and the
// debounce policy with injected timers (no sleeping).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMonitorsConfig, type GuestMonitor } from '../../../main/spice/agent/monitors-config';
import {
  MonitorsScheduler,
  type MonitorsSchedulerTimers,
} from '../../../main/spice/agent/monitors-scheduler';
import { SpiceError } from '../../../main/spice/errors';
import { SpiceReader } from '../../../main/spice/wire/reader';

interface Decoded {
  count: number;
  flags: number;
  heads: { height: number; width: number; depth: number; x: number; y: number }[];
  mm: { height: number; width: number }[];
}

function decode(bytes: Uint8Array): Decoded {
  const r = new SpiceReader(bytes);
  const count = r.u32();
  const flags = r.u32();
  const heads = Array.from({ length: count }, () => ({
    height: r.u32(),
    width: r.u32(),
    depth: r.u32(),
    x: r.i32(),
    y: r.i32(),
  }));
  const mm = flags & 2 ? Array.from({ length: count }, () => ({ height: r.u16(), width: r.u16() })) : [];
  assert.equal(r.remaining, 0, 'no trailing bytes');
  return { count, flags, heads, mm };
}

const head = (id: number, width: number, height: number, x: number, y = 0): GuestMonitor => ({
  id,
  enabled: true,
  width,
  height,
  x,
  y,
});

test('1 to 4 monitors side by side: height before width, depth 32, USE_POS', { timeout: 10_000 }, () => {
  for (let n = 1; n <= 4; n++) {
    const monitors = Array.from({ length: n }, (_, i) =>
      head(i, 1000 + i * 2, 700 + i, i * 1100, i === 3 ? -50 : 0),
    );
    for (const sparse of [false, true]) {
      const d = decode(encodeMonitorsConfig(monitors, { sparse, usePositions: true }));
      assert.equal(d.count, n);
      assert.equal(d.flags, 1);
      assert.deepEqual(
        d.heads,
        monitors.map((m) => ({ height: m.height, width: m.width, depth: 32, x: m.x, y: m.y })),
      );
    }
  }
});

test('a disabled monitor: a 0x0 slot when sparse, left out when not', { timeout: 10_000 }, () => {
  const monitors = [head(0, 800, 600, 0), { ...head(1, 0, 0, 0), enabled: false }, head(2, 640, 480, 800)];
  const sparse = decode(encodeMonitorsConfig(monitors, { sparse: true, usePositions: true }));
  assert.equal(sparse.count, 3);
  assert.deepEqual(sparse.heads[1], { height: 0, width: 0, depth: 0, x: 0, y: 0 });
  assert.equal(sparse.heads[2]!.width, 640);
  const dense = decode(encodeMonitorsConfig(monitors, { sparse: false, usePositions: false }));
  assert.equal(dense.count, 2);
  assert.equal(dense.flags, 0);
  assert.deepEqual(
    dense.heads.map((h) => h.width),
    [800, 640],
  );
  // Listed out of order: slots still by id.
  const shuffled = decode(
    encodeMonitorsConfig([monitors[2]!, monitors[0]!], { sparse: true, usePositions: true }),
  );
  assert.deepEqual(
    shuffled.heads.map((h) => h.width),
    [800, 0, 640],
  );
});

test('physical sizes add PHYSICAL_SIZE and one {height_mm, width_mm} per slot', { timeout: 10_000 }, () => {
  const monitors = [{ ...head(0, 1920, 1080, 0), widthMm: 527, heightMm: 296 }, head(1, 1280, 1024, 1920)];
  const d = decode(encodeMonitorsConfig(monitors, { sparse: true, usePositions: true }));
  assert.equal(d.flags, 3);
  assert.deepEqual(d.mm, [
    { height: 296, width: 527 },
    { height: 0, width: 0 },
  ]);
});

test('bad layouts are refused with the reason', { timeout: 10_000 }, () => {
  const wire = { sparse: true, usePositions: true };
  assert.throws(() => encodeMonitorsConfig([head(16, 10, 10, 0)], wire), SpiceError);
  assert.throws(() => encodeMonitorsConfig([head(0, 10, 10, 0), head(0, 20, 20, 0)], wire), /twice/);
  assert.throws(() => encodeMonitorsConfig([head(0, 0, 10, 0)], wire), /needs a size/);
  assert.throws(() => encodeMonitorsConfig([head(0, 20000, 10, 0)], wire), /width/);
  assert.throws(() => encodeMonitorsConfig([head(0, 10.5, 10, 0)], wire), /width/);
  assert.throws(() => encodeMonitorsConfig([head(0, 10, 10, 2 ** 31)], wire), /32-bit/);
});

function fakeTimers(): MonitorsSchedulerTimers & { fire(): void; pending: number } {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    set: (cb) => {
      callbacks.set(next, cb);
      return next++;
    },
    clear: (h) => callbacks.delete(h as number),
    fire: () => {
      const all = [...callbacks.values()];
      callbacks.clear();
      all.forEach((cb) => cb());
    },
    get pending() {
      return callbacks.size;
    },
  };
}

test(
  'debounce: a burst of sizes sends only the last; an unchanged layout is not re-sent',
  { timeout: 10_000 },
  () => {
    const sent: GuestMonitor[][] = [];
    const timers = fakeTimers();
    const s = new MonitorsScheduler((m) => (sent.push([...m]), true), 300, timers);
    s.setReady(true);
    for (let w = 800; w <= 1000; w += 20) s.request([head(0, w, 600, 0)]);
    assert.equal(sent.length, 0, 'nothing before the quiet period');
    assert.equal(timers.pending, 1, 'one timer, restarted on each request');
    timers.fire();
    assert.deepEqual(sent, [[head(0, 1000, 600, 0)]]);
    s.request([head(0, 1000, 600, 0)]);
    assert.equal(timers.pending, 0, 'the same layout needs no timer');
    timers.fire();
    assert.equal(sent.length, 1);
  },
);

test(
  'a layout asked for before the agent is ready goes out when it is, and again for a new agent',
  { timeout: 10_000 },
  () => {
    const sent: GuestMonitor[][] = [];
    const timers = fakeTimers();
    let canSend = true;
    const s = new MonitorsScheduler((m) => (canSend ? (sent.push([...m]), true) : false), 300, timers);
    s.request([head(0, 1024, 768, 0)]);
    timers.fire();
    assert.equal(sent.length, 0, 'not ready');
    s.setReady(true);
    assert.equal(sent.length, 1, 'sent at once when the agent is ready');
    s.setReady(false);
    s.setReady(true);
    assert.equal(sent.length, 2, 'a new agent gets the layout again');
    canSend = false;
    s.request([head(0, 640, 480, 0)]);
    timers.fire();
    canSend = true;
    s.flush();
    assert.deepEqual(sent.at(-1), [head(0, 640, 480, 0)], 'a failed send stays pending');
    s.dispose();
    assert.equal(timers.pending, 0);
  },
);
