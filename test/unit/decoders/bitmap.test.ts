import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBitmap } from '../../../main/spice/decoders/bitmap';
import { ProtocolError } from '../../../main/spice/errors';
import {
  SPICE_BITMAP_FLAGS_TOP_DOWN,
  SPICE_BITMAP_FMT_16BIT,
  SPICE_BITMAP_FMT_1BIT_BE,
  SPICE_BITMAP_FMT_1BIT_LE,
  SPICE_BITMAP_FMT_24BIT,
  SPICE_BITMAP_FMT_32BIT,
  SPICE_BITMAP_FMT_4BIT_BE,
  SPICE_BITMAP_FMT_4BIT_LE,
  SPICE_BITMAP_FMT_8BIT,
  SPICE_BITMAP_FMT_8BIT_A,
  SPICE_BITMAP_FMT_RGBA,
} from '../../../main/spice/protocol/enums';

// 3x2 image; rows given top row first; data is built bottom-up unless TOP_DOWN.
function rows(top: number[], bottom: number[], topDown: boolean): Uint8Array {
  return new Uint8Array(topDown ? [...top, ...bottom] : [...bottom, ...top]);
}

const palette = new Uint32Array([0x000000, 0xff0000, 0x00ff00, 0x0000ff, 0x123456]);
const P = (i: number): number[] => {
  const x = palette[i]!;
  return [(x >> 16) & 255, (x >> 8) & 255, x & 255, 255];
};

for (const topDown of [true, false]) {
  const flags = topDown ? SPICE_BITMAP_FLAGS_TOP_DOWN : 0;
  const tag = topDown ? 'top-down' : 'bottom-up';

  void test(`BITMAP 32BIT / RGBA / 24BIT / 16BIT / 8BIT_A (${tag})`, () => {
    const dec = (format: number, stride: number, top: number[], bottom: number[]): number[] => [
      ...decodeBitmap({
        format,
        flags,
        width: 3,
        height: 2,
        stride,
        palette: null,
        data: rows(top, bottom, topDown),
      }).pixels,
    ];
    // 32BIT: B,G,R,x with 4 bytes of row padding
    assert.deepEqual(
      dec(
        SPICE_BITMAP_FMT_32BIT,
        16,
        [1, 2, 3, 9, 4, 5, 6, 9, 7, 8, 9, 9, 0, 0, 0, 0],
        [10, 11, 12, 0, 13, 14, 15, 0, 16, 17, 18, 0, 0, 0, 0, 0],
      ),
      [3, 2, 1, 255, 6, 5, 4, 255, 9, 8, 7, 255, 12, 11, 10, 255, 15, 14, 13, 255, 18, 17, 16, 255],
    );
    assert.deepEqual(
      dec(
        SPICE_BITMAP_FMT_RGBA,
        12,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
      ),
      [3, 2, 1, 4, 7, 6, 5, 8, 11, 10, 9, 12, 15, 14, 13, 16, 19, 18, 17, 20, 23, 22, 21, 24],
    );
    assert.deepEqual(
      dec(
        SPICE_BITMAP_FMT_24BIT,
        10,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 0],
        [10, 11, 12, 13, 14, 15, 16, 17, 18, 0],
      ),
      [3, 2, 1, 255, 6, 5, 4, 255, 9, 8, 7, 255, 12, 11, 10, 255, 15, 14, 13, 255, 18, 17, 16, 255],
    );
    // 16BIT x555 LE: 0x7c00 red, 0x03e0 green, 0x001f blue, 0x4210 = (16,16,16) → 132
    assert.deepEqual(
      dec(SPICE_BITMAP_FMT_16BIT, 6, [0x00, 0x7c, 0xe0, 0x03, 0x1f, 0x00], [0x10, 0x42, 0, 0, 0xff, 0x7f]),
      [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 132, 132, 132, 255, 0, 0, 0, 255, 255, 255, 255, 255],
    );
    assert.deepEqual(
      dec(SPICE_BITMAP_FMT_8BIT_A, 4, [1, 2, 3, 0], [4, 5, 6, 0]),
      [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6],
    );
  });

  void test(`BITMAP palette formats, both bit orders (${tag})`, () => {
    const dec = (format: number, stride: number, top: number[], bottom: number[]): number[] => [
      ...decodeBitmap({
        format,
        flags,
        width: 3,
        height: 2,
        stride,
        palette,
        data: rows(top, bottom, topDown),
      }).pixels,
    ];
    assert.deepEqual(dec(SPICE_BITMAP_FMT_8BIT, 4, [1, 2, 3, 0], [4, 0, 200, 0]), [
      ...P(1),
      ...P(2),
      ...P(3),
      ...P(4),
      ...P(0),
      0,
      0,
      0,
      255,
    ]);
    // 4BIT_BE: high nibble first; 4BIT_LE: low nibble first
    assert.deepEqual(dec(SPICE_BITMAP_FMT_4BIT_BE, 2, [0x12, 0x30], [0x40, 0x10]), [
      ...P(1),
      ...P(2),
      ...P(3),
      ...P(4),
      ...P(0),
      ...P(1),
    ]);
    assert.deepEqual(dec(SPICE_BITMAP_FMT_4BIT_LE, 2, [0x21, 0x03], [0x04, 0x01]), [
      ...P(1),
      ...P(2),
      ...P(3),
      ...P(4),
      ...P(0),
      ...P(1),
    ]);
    // 1BIT_BE: MSB first; 1BIT_LE: LSB first
    assert.deepEqual(dec(SPICE_BITMAP_FMT_1BIT_BE, 1, [0b10100000], [0b01000000]), [
      ...P(1),
      ...P(0),
      ...P(1),
      ...P(0),
      ...P(1),
      ...P(0),
    ]);
    assert.deepEqual(dec(SPICE_BITMAP_FMT_1BIT_LE, 1, [0b00000101], [0b00000010]), [
      ...P(1),
      ...P(0),
      ...P(1),
      ...P(0),
      ...P(1),
      ...P(0),
    ]);
  });
}

void test('BITMAP rejects bad sizes, formats and missing palettes', () => {
  const base = { format: SPICE_BITMAP_FMT_32BIT, flags: 0, width: 3, height: 2, stride: 12, palette: null };
  assert.throws(() => decodeBitmap({ ...base, data: new Uint8Array(23) }), ProtocolError);
  assert.throws(() => decodeBitmap({ ...base, stride: 8, data: new Uint8Array(64) }), ProtocolError);
  assert.throws(() => decodeBitmap({ ...base, format: 0, data: new Uint8Array(64) }), ProtocolError);
  assert.throws(() => decodeBitmap({ ...base, format: 11, data: new Uint8Array(64) }), ProtocolError);
  assert.throws(() => decodeBitmap({ ...base, width: 0, data: new Uint8Array(64) }), ProtocolError);
  assert.throws(
    () => decodeBitmap({ ...base, width: 1 << 16, height: 1 << 16, data: new Uint8Array(64) }),
    ProtocolError,
  );
  assert.throws(
    () => decodeBitmap({ ...base, format: SPICE_BITMAP_FMT_8BIT, data: new Uint8Array(64) }),
    ProtocolError,
  );
  // an unaligned source buffer takes the byte path and still decodes
  const buf = new Uint8Array(25).subarray(1);
  buf.set([1, 2, 3, 4], 0);
  const img = decodeBitmap({ ...base, flags: SPICE_BITMAP_FLAGS_TOP_DOWN, data: buf });
  assert.deepEqual([...img.pixels.subarray(0, 4)], [3, 2, 1, 255]);
});
