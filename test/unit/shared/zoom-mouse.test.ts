import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cssToGuest, geometryFor, stepZoom } from '../../../shared/zoom';
import { WheelAccumulator, spiceButtonFromDom, spiceButtonsFromDom } from '../../../shared/mouse-buttons';

void test('100% is one guest pixel per device pixel, at any devicePixelRatio', () => {
  const guest = { width: 1024, height: 768 };
  for (const dpr of [1, 1.25, 1.5, 2]) {
    const g = geometryFor({ kind: 'fixed', scale: 1 }, guest, { width: 800, height: 600 }, dpr);
    assert.equal(g.cssWidth * dpr, 1024);
    assert.equal(g.cssHeight * dpr, 768);
    assert.equal(g.pixelated, true);
  }
});

void test('fit keeps the aspect ratio and fills the limiting side; smooth filtering when not integer', () => {
  const g = geometryFor({ kind: 'fit' }, { width: 1024, height: 768 }, { width: 800, height: 800 }, 1);
  assert.equal(g.cssWidth, 800);
  assert.equal(g.cssHeight, 600);
  assert.equal(g.pixelated, false);
  const g2 = geometryFor({ kind: 'fit' }, { width: 640, height: 480 }, { width: 1280, height: 960 }, 1);
  assert.equal(g2.scale, 2);
  assert.equal(g2.pixelated, true);
});

void test('zoom steps and pointer mapping', () => {
  assert.equal(stepZoom(1, 1), 1.1);
  assert.equal(stepZoom(1, -1), 0.9);
  assert.equal(stepZoom(0.95, 1), 1);
  assert.equal(stepZoom(4, 1), 4);
  assert.equal(stepZoom(0.25, -1), 0.25);
  const geometry = geometryFor(
    { kind: 'fixed', scale: 2 },
    { width: 100, height: 50 },
    { width: 10, height: 10 },
    1,
  );
  assert.deepEqual(cssToGuest(21, 11, geometry, { width: 100, height: 50 }), { x: 10, y: 5 });
  assert.deepEqual(cssToGuest(-5, 1000, geometry, { width: 100, height: 50 }), { x: 0, y: 49 });
});

void test('DOM buttons map to SPICE buttons and masks', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(spiceButtonFromDom), [1, 2, 3, 6, 7, undefined]);
  assert.equal(spiceButtonsFromDom(1), 1);
  assert.equal(spiceButtonsFromDom(2), 4); // DOM right → SPICE mask bit 2
  assert.equal(spiceButtonsFromDom(4), 2); // DOM middle → SPICE mask bit 1
  assert.equal(spiceButtonsFromDom(8 | 16), 32 | 64);
});

void test('wheel deltas accumulate into notches', () => {
  const w = new WheelAccumulator(100);
  assert.equal(w.add(40, 0), 0);
  assert.equal(w.add(60, 0), 1);
  assert.equal(w.add(-250, 0), -2);
  assert.equal(w.add(3, 1), 0); // -50 px pending + 100 = 50
  assert.equal(w.add(3, 1), 1);
  assert.equal(w.add(1e9, 0), 10); // bounded burst
  assert.equal(w.add(NaN, 0), 0);
});
