import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STRIP_BLOCK,
  STRIP_HEIGHT,
  STRIP_SAMPLE_ROW,
  STRIP_WIDTH,
  decodeStripRow,
  paintStrip,
} from '../../../scripts/bench-interactive/frame-code';

const WIDTH = STRIP_WIDTH + 16;

function stripImage(frame: number, shift = 0): Uint8Array {
  const rgba = new Uint8Array(WIDTH * STRIP_HEIGHT * 4);
  const strip = new Uint8Array(STRIP_WIDTH * STRIP_HEIGHT * 4);
  paintStrip(strip, STRIP_WIDTH, frame);
  for (let y = 0; y < STRIP_HEIGHT; y++) {
    rgba.set(strip.subarray(y * STRIP_WIDTH * 4, (y + 1) * STRIP_WIDTH * 4), (y * WIDTH + shift) * 4);
  }
  return rgba;
}

const sampleRow = (img: Uint8Array): Uint8Array =>
  img.subarray(STRIP_SAMPLE_ROW * WIDTH * 4, (STRIP_SAMPLE_ROW + 1) * WIDTH * 4);

void test('every frame number survives paint then decode, at every shift the server uses', () => {
  for (const frame of [1, 2, 3, 255, 256, 4095, 65536, 0xfffff - 1]) {
    for (let shift = 0; shift < 8; shift++) {
      assert.equal(
        decodeStripRow(sampleRow(stripImage(frame, shift))),
        frame,
        `frame ${frame} shift ${shift}`,
      );
    }
  }
});

void test('a black screen, a row that is too short and a corrupted block are not frames', () => {
  assert.equal(decodeStripRow(new Uint8Array(WIDTH * 4)), -1);
  assert.equal(decodeStripRow(sampleRow(stripImage(77)).subarray(0, 400)), -1);
  const img = stripImage(77);
  const row = sampleRow(img);
  // flip one data bit but not its inverted copy
  const block = 10;
  const x = (block * STRIP_BLOCK + STRIP_BLOCK / 2) * 4;
  for (let c = 0; c < 3; c++) row[x + c] = 255 - row[x + c]!;
  assert.equal(decodeStripRow(row), -1);
});

void test('channel order does not matter and lossy noise within a block is tolerated', () => {
  const row = sampleRow(stripImage(0x5a5a5));
  const noisy = row.map((v, i) => (i % 4 === 3 ? v : v > 128 ? v - 40 : v + 40));
  assert.equal(decodeStripRow(noisy), 0x5a5a5);
  // BGRX as the X server gives it: same bytes, different order
  const bgrx = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i += 4) {
    bgrx[i] = row[i + 2]!;
    bgrx[i + 1] = row[i + 1]!;
    bgrx[i + 2] = row[i]!;
    bgrx[i + 3] = 0;
  }
  assert.equal(decodeStripRow(bgrx), 0x5a5a5);
});
