import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodeRgbPng } from '../../../main/cli/png';
import { prng } from '../../support/prng';

test('the PNG writer round-trips through libvips (sharp) pixel for pixel, alpha dropped', async () => {
  const rnd = prng(3);
  for (const [w, h] of [
    [1, 1],
    [7, 3],
    [64, 48],
    [333, 17],
  ] as const) {
    const rgba = Uint8Array.from({ length: w * h * 4 }, () => Math.floor(rnd() * 256));
    const png = encodeRgbPng(w, h, rgba);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [w, h, 3]);
    for (let i = 0; i < w * h; i++) {
      assert.deepEqual(
        [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]],
        [rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]],
      );
    }
  }
  assert.throws(() => encodeRgbPng(4, 4, new Uint8Array(10)), RangeError);
});
