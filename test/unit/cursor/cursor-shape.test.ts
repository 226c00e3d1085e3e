import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursorShape, type SpiceCursorHeader } from '../../../main/spice/cursor/cursor-shape';
import { ProtocolError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';

const header = (type: number, width: number, height: number): SpiceCursorHeader => ({
  unique: 1n,
  type,
  width,
  height,
  hot_spot_x: 1,
  hot_spot_y: 2,
});
const px = (s: { pixels: Uint8Array }, i: number): number[] => [...s.pixels.subarray(i * 4, i * 4 + 4)];

test('alpha cursor: BGRA bytes become RGBA, hot spot kept', () => {
  const data = Uint8Array.of(10, 20, 30, 40, 1, 2, 3, 255);
  const s = decodeCursorShape(header(E.SPICE_CURSOR_TYPE_ALPHA, 2, 1), data);
  assert.deepEqual(px(s, 0), [30, 20, 10, 40]);
  assert.deepEqual(px(s, 1), [3, 2, 1, 255]);
  assert.deepEqual([s.hotX, s.hotY], [1, 0]);
});

test('monochrome cursor: AND/XOR give transparent, black, white and a visible inverted pixel', () => {
  // 8x1: AND = 1100 0000, XOR = 1010 0000 → px0 invert, px1 transparent, px2 white, px3 black
  const s = decodeCursorShape(header(E.SPICE_CURSOR_TYPE_MONO, 8, 1), Uint8Array.of(0b11000000, 0b10100000));
  assert.equal(px(s, 0)[3], 255);
  assert.deepEqual(px(s, 1), [0, 0, 0, 0]);
  assert.deepEqual(px(s, 2), [255, 255, 255, 255]);
  assert.deepEqual(px(s, 3), [0, 0, 0, 255]);
});

test('colour cursors: 4, 8, 16, 24 and 32 bit with the AND mask', () => {
  const and = Uint8Array.of(0b01000000); // 2x1: pixel 1 transparent-or-invert
  const pal16 = new Uint8Array(64);
  new DataView(pal16.buffer).setUint32(4 * 3, 0x00112233, true);
  const c4 = decodeCursorShape(
    header(E.SPICE_CURSOR_TYPE_COLOR4, 2, 1),
    Uint8Array.from([0x30, ...pal16, ...and]),
  );
  assert.deepEqual(px(c4, 0), [0x11, 0x22, 0x33, 255]);
  assert.deepEqual(px(c4, 1), [0, 0, 0, 0]);
  const pal256 = new Uint8Array(1024);
  new DataView(pal256.buffer).setUint32(4 * 7, 0x00abcdef, true);
  const c8 = decodeCursorShape(
    header(E.SPICE_CURSOR_TYPE_COLOR8, 2, 1),
    Uint8Array.from([7, 0, ...pal256, ...and]),
  );
  assert.deepEqual(px(c8, 0), [0xab, 0xcd, 0xef, 255]);
  const c16 = decodeCursorShape(
    header(E.SPICE_CURSOR_TYPE_COLOR16, 2, 1),
    Uint8Array.from([0x00, 0x7c, 0, 0, ...and]),
  );
  assert.deepEqual(px(c16, 0), [255, 0, 0, 255]);
  const c24 = decodeCursorShape(
    header(E.SPICE_CURSOR_TYPE_COLOR24, 2, 1),
    Uint8Array.from([1, 2, 3, 0, 0, 0, ...and]),
  );
  assert.deepEqual(px(c24, 0), [3, 2, 1, 255]);
  const c32 = decodeCursorShape(
    header(E.SPICE_CURSOR_TYPE_COLOR32, 2, 1),
    Uint8Array.from([1, 2, 3, 0, 0, 0, 0, 0, ...and]),
  );
  assert.deepEqual(px(c32, 0), [3, 2, 1, 255]);
});

test('short data, zero or huge sizes, and unknown types are protocol errors', () => {
  assert.throws(
    () => decodeCursorShape(header(E.SPICE_CURSOR_TYPE_ALPHA, 4, 4), new Uint8Array(63)),
    ProtocolError,
  );
  assert.throws(
    () => decodeCursorShape(header(E.SPICE_CURSOR_TYPE_ALPHA, 0, 4), new Uint8Array(0)),
    ProtocolError,
  );
  assert.throws(
    () => decodeCursorShape(header(E.SPICE_CURSOR_TYPE_ALPHA, 60000, 60000), new Uint8Array(0)),
    ProtocolError,
  );
  assert.throws(() => decodeCursorShape(header(42, 1, 1), new Uint8Array(8)), ProtocolError);
});
