// decodeQuic against real and reference-encoder data (corpus, a real capture, spice-common's encoder for
// every image type; see test/fixtures/quic/PROVENANCE.md) and against malformed input: truncation, bad
// headers, absurd sizes and a bounded, fixed-seed mutation fuzz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeQuic } from '../../../main/spice/decoders/quic';
import type { DecodedImage } from '../../../main/spice/decoders/types';
import { MAX_IMAGE_PIXELS } from '../../../main/spice/decoders/types';
import { ProtocolError } from '../../../main/spice/errors';
import { CORPUS_DIR } from '../../support/fixture-paths';

const CORPUS = CORPUS_DIR;
const FIXTURES = join(import.meta.dirname, '../../fixtures/quic');

interface CorpusBlob {
  file: string;
  format: string;
  width: number;
  height: number;
  decoded_sha256_rgba: string;
}

interface Fixture {
  file: string;
  type: number;
  width: number;
  height: number;
  sha256_rgba: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fixtureBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, file)));
const fixtures = (): Fixture[] =>
  (JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { images: Fixture[] }).images;

function header(type: number, width: number, height: number, bodyWords: number): Uint8Array {
  const b = new Uint8Array(20 + bodyWords * 4);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x43495551, true);
  v.setUint32(4, 0, true);
  v.setUint32(8, type, true);
  v.setUint32(12, width, true);
  v.setUint32(16, height, true);
  return b;
}

function assertProtocolError(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError, what);
}

/** Mulberry32: a small fixed-seed PRNG for the fuzz cases. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void test('every QUIC corpus blob decodes bit-exactly', () => {
  const m = JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as { blobs: CorpusBlob[] };
  const blobs = m.blobs.filter((b) => b.format === 'quic');
  assert.equal(blobs.length, 7);
  for (const b of blobs) {
    const img = decodeQuic(new Uint8Array(readFileSync(`${CORPUS}/${b.file}`)));
    assert.equal(img.width, b.width);
    assert.equal(img.height, b.height);
    assert.equal(img.hasAlpha, false);
    assert.equal(img.pixels.length, b.width * b.height * 4);
    assert.equal(sha256(img.pixels), b.decoded_sha256_rgba, b.file);
  }
});

void test("the real server's QUIC image equals spice-gtk's decoded output", async () => {
  const img = decodeQuic(fixtureBytes('cap-quic-720x400.quic'));
  const { data, info } = await sharp(join(FIXTURES, 'cap-quic-720x400.expected.png'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal(img.width, 720);
  assert.equal(img.height, 400);
  assert.equal(info.width, 720);
  assert.equal(info.height, 400);
  let differing = 0;
  for (let p = 0; p < 720 * 400; p++) {
    for (let c = 0; c < 3; c++) if (img.pixels[p * 4 + c] !== data[p * info.channels + c]) differing++;
    assert.equal(img.pixels[p * 4 + 3], 255);
  }
  assert.equal(differing, 0);
});

void test('every image type from spice-common’s encoder decodes bit-exactly (GRAY, RGB16, RGB24, RGB32, RGBA)', () => {
  const list = fixtures();
  assert.equal(list.length, 25);
  assert.deepEqual([...new Set(list.map((f) => f.type))].sort(), [1, 2, 3, 4, 5]);
  for (const f of list) {
    const img = decodeQuic(fixtureBytes(f.file));
    assert.equal(img.width, f.width, f.file);
    assert.equal(img.height, f.height, f.file);
    assert.equal(img.hasAlpha, f.type === 5, f.file);
    assert.equal(sha256(img.pixels), f.sha256_rgba, f.file);
    for (let p = 0; p < f.width * f.height; p++) {
      if (f.type !== 5) assert.equal(img.pixels[p * 4 + 3], 255, f.file);
      if (f.type === 1) {
        assert.equal(img.pixels[p * 4 + 1], img.pixels[p * 4]);
        assert.equal(img.pixels[p * 4 + 2], img.pixels[p * 4]);
      }
    }
  }
  // RGB16 widens 5-bit channels as (v << 3) | (v >> 2): every channel byte is of that form.
  const rgb16 = decodeQuic(fixtureBytes('rgb16-131x101.quic'));
  for (let p = 0; p < rgb16.pixels.length; p++) {
    if (p % 4 === 3) continue;
    const v = rgb16.pixels[p]! >> 3;
    assert.equal(rgb16.pixels[p], (v << 3) | (v >> 2));
  }
  // The RGBA fixture really carries varied alpha.
  const rgba = decodeQuic(fixtureBytes('rgba-131x101.quic'));
  const alphas = new Set<number>();
  for (let p = 3; p < rgba.pixels.length; p += 4) alphas.add(rgba.pixels[p]!);
  assert.ok(alphas.size > 100);
});

void test('decodeQuic decodes into a caller buffer when it is big enough, else allocates', () => {
  const f = fixtures().find((x) => x.file === 'rgba-64x48.quic')!;
  const data = fixtureBytes(f.file);
  const size = f.width * f.height * 4;
  // Reused garbage-filled buffer: every byte must be overwritten.
  const out = new Uint8Array(size + 64).fill(0xa5);
  const img = decodeQuic(data, out);
  assert.equal(img.pixels.buffer, out.buffer);
  assert.equal(img.pixels.byteOffset, 0);
  assert.equal(img.pixels.length, size);
  assert.equal(sha256(img.pixels), f.sha256_rgba);
  assert.equal(out[size], 0xa5, 'bytes past the image are left alone');
  // Misaligned caller buffer (not a multiple of 4 bytes into its ArrayBuffer).
  const big = new Uint8Array(size + 3).fill(7);
  const odd = big.subarray(3);
  const img2 = decodeQuic(data, odd);
  assert.equal(img2.pixels.buffer, big.buffer);
  assert.equal(img2.pixels.byteOffset, 3);
  assert.equal(sha256(img2.pixels), f.sha256_rgba);
  // Too small: a fresh buffer, the caller's untouched.
  const small = new Uint8Array(size - 1).fill(9);
  const img3 = decodeQuic(data, small);
  assert.notEqual(img3.pixels.buffer, small.buffer);
  assert.equal(sha256(img3.pixels), f.sha256_rgba);
  assert.ok(small.every((b) => b === 9));
});

void test('input at any byte alignment, with trailing bytes, decodes the same', () => {
  for (const f of fixtures().filter((x) => x.width === 37)) {
    const data = fixtureBytes(f.file);
    for (let shift = 1; shift < 4; shift++) {
      const buf = new Uint8Array(data.length + shift + 7);
      buf.set(data, shift);
      // Trailing bytes after the words the stream needs are ignored (spice-common takes len >> 2 words).
      assert.equal(sha256(decodeQuic(buf.subarray(shift)).pixels), f.sha256_rgba, `${f.file} +${shift}`);
    }
  }
});

void test('truncated input is a ProtocolError at every length (no hang, no out-of-bounds read)', () => {
  // The encoder's final word is the last one the reader's 32-bit window needs: dropping anything fails.
  for (const file of [
    'rgb32-37x19.quic',
    'rgba-37x19.quic',
    'gray-37x19.quic',
    'rgb16-37x19.quic',
    'rgb24-2x3.quic',
  ]) {
    const data = fixtureBytes(file);
    for (let len = 0; len < data.length; len++) {
      assertProtocolError(() => decodeQuic(data.subarray(0, len)), `${file} cut to ${len}`);
    }
  }
  const cap = fixtureBytes('cap-quic-720x400.quic');
  for (let len = 0; len < cap.length; len += 997) {
    assertProtocolError(() => decodeQuic(cap.subarray(0, len)), `capture cut to ${len}`);
  }
  for (let len = cap.length - 8; len < cap.length; len++) {
    assertProtocolError(() => decodeQuic(cap.subarray(0, len)), `capture cut to ${len}`);
  }
});

void test('bad magic, version or image type is a ProtocolError', () => {
  const good = fixtureBytes('rgb32-37x19.quic');
  const patched = (off: number, value: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(off, value, true);
    return b;
  };
  assertProtocolError(() => decodeQuic(patched(0, 0x43495552)), 'magic');
  assertProtocolError(() => decodeQuic(patched(4, 1)), 'version 0.1');
  assertProtocolError(() => decodeQuic(patched(4, 0x10000)), 'version 1.0');
  for (const type of [0, 6, 7, 0xffffffff])
    assertProtocolError(() => decodeQuic(patched(8, type)), `type ${type}`);
  assertProtocolError(() => decodeQuic(new Uint8Array(0)), 'empty');
  assertProtocolError(() => decodeQuic(good.subarray(0, 19)), 'short header');
});

void test('zero, absurd or data-inconsistent sizes are rejected before allocating', () => {
  for (const [w, h] of [
    [0, 10],
    [10, 0],
    [0, 0],
  ] as const) {
    assertProtocolError(() => decodeQuic(header(4, w, h, 64)), `${w}x${h}`);
  }
  // Over MAX_IMAGE_PIXELS, including sizes whose product overflows 32 bits.
  assertProtocolError(() => decodeQuic(header(4, 16385, 16384, 64)), 'just over the limit');
  assertProtocolError(() => decodeQuic(header(4, 0xffffffff, 0xffffffff, 64)), '2^32-1 square');
  assertProtocolError(() => decodeQuic(header(5, 0x80000000, 2, 64)), 'width 2^31');
  // Within the limit but impossible for the data: every pixel of row 0 and three per later row cost a bit.
  assert.ok(16384 * 16384 <= MAX_IMAGE_PIXELS);
  assertProtocolError(() => decodeQuic(header(4, 16384, 16384, 64)), 'limit-sized image in 276 bytes');
  assertProtocolError(() => decodeQuic(header(1, 1, 100000, 3000)), 'tall gray image in 12 KB');
  assertProtocolError(() => decodeQuic(header(4, 4000, 1, 300)), 'wide row in 1.2 KB');
});

void test('random and mutated streams give a full-size image or a ProtocolError, nothing else', () => {
  const next = rng(0x51c0de);
  const seeds = [
    fixtureBytes('rgb32-64x48.quic'),
    fixtureBytes('rgba-64x48.quic'),
    fixtureBytes('gray-64x48.quic'),
    fixtureBytes('rgb16-64x48.quic'),
    fixtureBytes('rgb24-37x19.quic'),
    fixtureBytes('cap-quic-720x400.quic'),
  ];
  let images = 0;
  let errors = 0;
  const check = (data: Uint8Array, what: string): void => {
    let img: DecodedImage;
    try {
      img = decodeQuic(data);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw new Error(`${what}: ${String(e)}`, { cause: e });
      errors++;
      return;
    }
    const v = new DataView(data.buffer, data.byteOffset);
    assert.equal(img.width, v.getUint32(12, true), what);
    assert.equal(img.height, v.getUint32(16, true), what);
    assert.equal(img.pixels.length, img.width * img.height * 4, what);
    images++;
  };
  for (let n = 0; n < 300; n++) {
    const src = seeds[n % seeds.length]!;
    const data = src.slice();
    const kind = Math.floor(next() * 4);
    // Body mutations (the header stays, so sizes stay those of the seed), plus some header bytes on small seeds.
    const lo = src.length > 20000 || next() < 0.8 ? 20 : 0;
    const edits = 1 + Math.floor(next() * 8);
    for (let k = 0; k < edits; k++) {
      const at = lo + Math.floor(next() * (data.length - lo));
      if (kind === 0) data[at]! ^= 1 << Math.floor(next() * 8);
      else if (kind === 1) data[at] = Math.floor(next() * 256);
      else if (kind === 2) data[at] = next() < 0.5 ? 0 : 0xff;
    }
    if (kind === 3) {
      // Replace a slice of the body with random bytes.
      const at = 20 + Math.floor(next() * (data.length - 20));
      for (let k = at; k < Math.min(data.length, at + 64); k++) data[k] = Math.floor(next() * 256);
    }
    check(data, `mutation ${n} (kind ${kind})`);
  }
  // Valid headers of every type over random bodies.
  for (let n = 0; n < 60; n++) {
    const w = 1 + Math.floor(next() * 80);
    const h = 1 + Math.floor(next() * 40);
    const data = header(1 + (n % 5), w, h, 8 + Math.floor(next() * 2000));
    for (let k = 20; k < data.length; k++) data[k] = Math.floor(next() * 256);
    check(data, `random body ${n}`);
  }
  assert.ok(errors > 0);
  assert.ok(images > 0);
});
