// The display channel's monitor layout (the core owns it, as spice-gtk's display channel does): the whole primary
// surface without usable heads; heads on the primary surface, sorted, clipped; display ids per channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorLayout, sameMonitor } from '../../../main/spice/channels/display-monitors';

const primary = { surfaceId: 0, width: 128, height: 32 };
const head = (id: number, x: number, width: number, surfaceId = 0) => ({
  id,
  surfaceId,
  x,
  y: 0,
  width,
  height: 32,
});

void test('no primary surface: no monitor; no usable head: the whole primary surface', () => {
  assert.deepEqual(monitorLayout(0, undefined, [head(0, 0, 64)]), []);
  const whole = [
    { channelId: 0, surfaceId: 0, displayId: 0, area: { left: 0, top: 0, right: 128, bottom: 32 } },
  ];
  assert.deepEqual(monitorLayout(0, primary, []), whole);
  assert.deepEqual(
    monitorLayout(0, primary, [head(0, 0, 64, 5), head(1, 0, 0)]),
    whole,
    'other surface, empty',
  );
});

void test('heads are sorted by id, clipped to the surface, and dropped when nothing is left', () => {
  const got = monitorLayout(0, primary, [head(2, 100, 64), head(0, 0, 64), head(3, 500, 64)]);
  assert.deepEqual(got, [
    { channelId: 0, surfaceId: 0, displayId: 0, area: { left: 0, top: 0, right: 64, bottom: 32 } },
    { channelId: 0, surfaceId: 0, displayId: 2, area: { left: 100, top: 0, right: 128, bottom: 32 } },
    // x beyond the surface is clamped to its last column: a one-pixel-wide head, as before the move
    { channelId: 0, surfaceId: 0, displayId: 3, area: { left: 127, top: 0, right: 128, bottom: 32 } },
  ]);
});

void test('on display channels other than 0 the display id is the channel id', () => {
  const [m] = monitorLayout(2, primary, [head(0, 0, 64)]);
  assert.equal(m?.displayId, 2);
  assert.ok(m && sameMonitor(m, { ...m, area: { ...m.area } }));
  assert.ok(m && !sameMonitor(m, { ...m, displayId: 0 }));
});
