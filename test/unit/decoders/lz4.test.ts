import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLz4Block, decodeLz4Image } from '../../../main/spice/decoders/lz4';
import { ProtocolError } from '../../../main/spice/errors';
import { H, LZ4_CASES, W, lz4Picture } from '../../fixtures/images/tools/make-lz4-linked';
import { FIXTURES } from './replay';

const widen5 = (v: number): number => (v << 3) | (v >> 2);

function expected(format: number, bpp: number, topDown: number): number[] {
  const raw = lz4Picture(format, bpp);
  const px: number[] = [];
  for (let y = 0; y < H; y++) {
    const row = topDown ? y : H - 1 - y;
    for (let x = 0; x < W; x++) {
      const o = (row * W + x) * bpp;
      if (bpp === 2) {
        const v = raw[o]! | (raw[o + 1]! << 8);
        px.push(widen5((v >> 10) & 31), widen5((v >> 5) & 31), widen5(v & 31), 255);
      } else {
        px.push(raw[o + 2]!, raw[o + 1]!, raw[o]!, format === 9 ? raw[o + 3]! : 255);
      }
    }
  }
  return px;
}

for (const [name, format, bpp, topDown] of LZ4_CASES) {
  void test(`LZ4 ${name}: linked blocks from liblz4 decode into one continuous output`, () => {
    const body = new Uint8Array(readFileSync(join(FIXTURES, 'lz4-cli', `${name}.lz4`)));
    const img = decodeLz4Image(body, W, H);
    assert.equal(img.hasAlpha, format === 9);
    assert.deepEqual([...img.pixels], expected(format, bpp, topDown));
  });
}

void test('LZ4 blocks really are linked: decoding a later block on its own fails', () => {
  const body = new Uint8Array(readFileSync(join(FIXTURES, 'lz4-cli', 'rgb32-topdown.lz4')));
  const view = new DataView(body.buffer, body.byteOffset);
  const firstLen = view.getUint32(2);
  const secondAt = 2 + 4 + firstLen;
  const secondLen = view.getUint32(secondAt);
  assert.throws(
    () => decodeLz4Block(body, secondAt + 4, secondAt + 4 + secondLen, new Uint8Array(1 << 20), 0),
    ProtocolError,
  );
});

void test('LZ4 block decoder: literals, overlapping matches, bounds', () => {
  // token 0x1F: 1 literal, match len 15+4 (+0 ext) at offset 1 → 20 x 'a'; then final literals "bc"
  const block = new Uint8Array([0x1f, 0x61, 0x01, 0x00, 0x00, 0x20, 0x62, 0x63]);
  const out = new Uint8Array(22);
  assert.equal(decodeLz4Block(block, 0, block.length, out, 0), 22);
  assert.equal(new TextDecoder().decode(out), 'a'.repeat(20) + 'bc');
  const bad: number[][] = [
    [0x10, 0x61, 0x02, 0x00], // offset beyond the output
    [0x10, 0x61, 0x00, 0x00, 0x00], // offset 0
    [0x30, 0x61], // literals past the block
    [0xf0], // truncated literal length
    [0x1f, 0x61, 0x01, 0x00], // truncated match length
    [0x10, 0x61, 0x01], // truncated offset
    [0x14, 0x61, 0x01, 0x00], // block ends after a match
  ];
  for (const b of bad) {
    assert.throws(
      () => decodeLz4Block(new Uint8Array(b), 0, b.length, new Uint8Array(64), 0),
      ProtocolError,
      b.join(','),
    );
  }
  // output limit
  assert.throws(() => decodeLz4Block(block, 0, block.length, new Uint8Array(64), 0, 10), ProtocolError);
});

void test('LZ4 image: header, format and size checks', () => {
  const one = (fmt: number, n: number): Uint8Array => {
    // a single block of n literal bytes
    const lits = Array.from({ length: n }, (_, i) => i & 0xff);
    const tok = n >= 15 ? [0xf0, ...(n - 15 >= 255 ? [] : [n - 15])] : [n << 4];
    const block = [...tok, ...lits];
    return new Uint8Array([1, fmt, 0, 0, 0, block.length, ...block]);
  };
  assert.equal(decodeLz4Image(one(8, 16), 2, 2).width, 2);
  assert.throws(() => decodeLz4Image(one(8, 12), 2, 2), ProtocolError); // too few bytes
  assert.throws(() => decodeLz4Image(one(8, 20), 2, 2), ProtocolError); // too many
  assert.throws(() => decodeLz4Image(one(5, 4), 2, 2), ProtocolError); // 8BIT is not an LZ4 format
  assert.throws(() => decodeLz4Image(new Uint8Array([1]), 2, 2), ProtocolError);
  assert.throws(() => decodeLz4Image(new Uint8Array([1, 8, 0, 0, 0, 9, 0]), 2, 2), ProtocolError); // block overruns
  assert.throws(() => decodeLz4Image(new Uint8Array([1, 8, 0, 0]), 2, 2), ProtocolError); // truncated length
  assert.throws(() => decodeLz4Image(one(8, 16), 0, 2), ProtocolError);
});
