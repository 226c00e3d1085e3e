import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { DamageRegion } from '../../../main/session/display-stream/damage-region';
import {
  MonitorStream,
  copyRectInto,
  damageAsMessage,
  type ViewSink,
} from '../../../main/session/display-stream/monitor-stream';
import type { SurfacePixels } from '../../../main/session/session-like';

/** A sink that records messages (damage as a 'damage' message with its own buffer). */
function sink(sent: ViewMessage[]): ViewSink {
  const send = (m: ViewMessage) => sent.push(m);
  return { send, sendDamage: damageAsMessage(send) };
}

function manualScheduler() {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => {
      queue.push(cb);
      return { cancel: () => queue.splice(queue.indexOf(cb), 1) };
    },
    run: () => {
      for (const cb of queue.splice(0)) cb();
    },
  };
}

function surface(width: number, height: number): SurfacePixels {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i & 0xff;
  return { width, height, pixels };
}

void test('DamageRegion merges touching rects, drops contained ones, and stays bounded', () => {
  const r = new DamageRegion(4);
  r.add({ left: 0, top: 0, right: 10, bottom: 10 });
  r.add({ left: 2, top: 2, right: 5, bottom: 5 }); // contained
  assert.equal(r.count, 1);
  r.add({ left: 10, top: 0, right: 20, bottom: 10 }); // touching → merged
  assert.deepEqual(r.take(), [{ left: 0, top: 0, right: 20, bottom: 10 }]);
  assert.equal(r.isEmpty, true);
  for (let i = 0; i < 100; i++) r.add({ left: i * 20, top: i * 20, right: i * 20 + 5, bottom: i * 20 + 5 });
  assert.ok(r.count <= 4);
  const all = r.take();
  const covers = (x: number, y: number) =>
    all.some((b) => x >= b.left && y >= b.top && x < b.right && y < b.bottom);
  for (let i = 0; i < 100; i++) assert.ok(covers(i * 20 + 2, i * 20 + 2), `rect ${i} still covered`);
  r.add({ left: 0, top: 0, right: 0, bottom: 5 });
  assert.equal(r.isEmpty, true);
});

void test('copyRectInto copies rows of the rectangle and forces alpha to 255, aligned or not', () => {
  const s = surface(4, 3);
  const out = new Uint8Array(16);
  copyRectInto(s, { left: 1, top: 1, right: 3, bottom: 3 }, out);
  const unaligned = new Uint8Array(17).subarray(1);
  copyRectInto(s, { left: 1, top: 1, right: 3, bottom: 3 }, unaligned);
  assert.deepEqual([...unaligned], [...out]);
  // An opaque surface (the core's xRGB surfaces keep alpha 255) is copied row by row as it is.
  const opaque = { ...surface(4, 3), alphaRule: 'opaque' };
  for (let i = 3; i < opaque.pixels.length; i += 4) opaque.pixels[i] = 255;
  const rows = new Uint8Array(16);
  copyRectInto(opaque, { left: 1, top: 1, right: 3, bottom: 3 }, rows);
  assert.deepEqual([...rows], [...out]);
  const expect = (x: number, y: number) => {
    const i = (y * 4 + x) * 4;
    return [i & 0xff, (i + 1) & 0xff, (i + 2) & 0xff, 255];
  };
  assert.deepEqual([...out], [...expect(1, 1), ...expect(2, 1), ...expect(1, 2), ...expect(2, 2)]);
});

void test('MonitorStream: batches end with frame-end; a slow renderer gets coalesced damage, not a queue', () => {
  const sent: ViewMessage[] = [];
  const s = surface(100, 100);
  const sched = manualScheduler();
  const stream = new MonitorStream(sink(sent), () => s, {
    schedule: sched.schedule,
    maxInFlight: 2,
  });
  stream.setArea({
    channelId: 0,
    surfaceId: 0,
    displayId: 0,
    area: { left: 0, top: 0, right: 100, bottom: 100 },
  });
  assert.deepEqual(sent.shift(), { kind: 'surface', width: 100, height: 100 });
  sched.run();
  assert.deepEqual(
    sent.map((m) => m.kind),
    ['damage', 'frame-end'],
  );
  sent.length = 0;
  stream.damage(0, 0, { left: 0, top: 0, right: 10, bottom: 10 });
  sched.run();
  assert.equal(stream.inFlight, 2);
  sent.length = 0;
  // The renderer acked nothing: 1000 updates arrive and nothing is sent; the region stays bounded.
  for (let i = 0; i < 1000; i++) {
    stream.damage(0, 0, {
      left: (i * 7) % 90,
      top: (i * 13) % 90,
      right: ((i * 7) % 90) + 10,
      bottom: ((i * 13) % 90) + 10,
    });
    sched.run();
  }
  assert.equal(sent.length, 0);
  stream.ack(1);
  sched.run();
  const damages = sent.filter((m) => m.kind === 'damage');
  assert.ok(damages.length >= 1 && damages.length <= 16, `${damages.length} rects after coalescing`);
  assert.deepEqual(sent[sent.length - 1], { kind: 'frame-end', seq: 3 });
  // Damage of another surface or channel is ignored; stale acks are harmless.
  sent.length = 0;
  stream.ack(3);
  stream.damage(1, 0, { left: 0, top: 0, right: 5, bottom: 5 });
  stream.damage(0, 7, { left: 0, top: 0, right: 5, bottom: 5 });
  stream.ack(99);
  sched.run();
  assert.equal(sent.length, 0);
  stream.dispose();
});

void test('MonitorStream: a head of a larger surface gets translated, clipped damage', () => {
  const sent: ViewMessage[] = [];
  const s = surface(200, 100);
  const sched = manualScheduler();
  const stream = new MonitorStream(sink(sent), () => s, { schedule: sched.schedule });
  stream.setArea({
    channelId: 0,
    surfaceId: 0,
    displayId: 1,
    area: { left: 100, top: 0, right: 200, bottom: 100 },
  });
  sched.run();
  stream.ack(1);
  sent.length = 0;
  stream.damage(0, 0, { left: 90, top: 10, right: 110, bottom: 15 });
  sched.run();
  const d = sent.find((m) => m.kind === 'damage');
  assert.ok(d && d.kind === 'damage');
  assert.deepEqual(d.rect, { left: 0, top: 10, right: 10, bottom: 15 });
  const px = new Uint8Array(d.pixels);
  const i = (10 * 200 + 100) * 4;
  assert.deepEqual([...px.subarray(0, 4)], [i & 0xff, (i + 1) & 0xff, (i + 2) & 0xff, 255]);
  stream.dispose();
});
