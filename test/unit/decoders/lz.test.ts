import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeLz, decodeLzAlphaInto } from '../../../main/spice/decoders/lz';
import { ProtocolError } from '../../../main/spice/errors';
import { CORPUS_DIR } from '../../support/fixture-paths';
import { encodeLzPass, lzHeader, rng32, testPicture, type UnitKind } from './lz-test-encoder';

const CORPUS = CORPUS_DIR;

interface Blob {
  file: string;
  format: string;
  width: number;
  height: number;
  top_down: boolean;
  decoded_sha256_rgba: string;
}

function corpusBlobs(format: string): Blob[] {
  const m = JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as { blobs: Blob[] };
  return m.blobs.filter((b) => b.format === format);
}

void test('every LZ corpus blob decodes bit-exactly (incl. the bottom-up one)', () => {
  const blobs = corpusBlobs('lz');
  assert.ok(blobs.length >= 8);
  assert.ok(blobs.some((b) => !b.top_down));
  for (const b of blobs) {
    const img = decodeLz(new Uint8Array(readFileSync(`${CORPUS}/${b.file}`)));
    assert.equal(img.width, b.width);
    assert.equal(img.height, b.height);
    assert.equal(img.hasAlpha, false);
    assert.equal(createHash('sha256').update(img.pixels).digest('hex'), b.decoded_sha256_rgba, b.file);
  }
});

void test('decodeLz writes into a caller-supplied buffer', () => {
  const b = corpusBlobs('lz').find((x) => x.file.startsWith('terminal') && x.top_down)!;
  const out = new Uint8Array(b.width * b.height * 4 + 16);
  const img = decodeLz(new Uint8Array(readFileSync(`${CORPUS}/${b.file}`)), { out });
  assert.equal(img.pixels.buffer, out.buffer);
  assert.equal(createHash('sha256').update(img.pixels).digest('hex'), b.decoded_sha256_rgba);
});

// --- synthetic streams of every type (own encoder, lz-test-encoder.ts) ---

const W = 37;
const H = 23;

function rgba(r: number, g: number, b: number, a: number): number[] {
  return [r, g, b, a];
}

function flipExpected(px: number[], width: number, height: number, topDown: boolean): number[] {
  if (topDown) return px;
  const out: number[] = [];
  for (let y = height - 1; y >= 0; y--) out.push(...px.slice(y * width * 4, (y + 1) * width * 4));
  return out;
}

function stream(
  type: number,
  stride: number,
  topDown: boolean,
  passes: [ArrayLike<number>, UnitKind][],
): Uint8Array {
  const out = lzHeader(type, W, H, stride, topDown);
  const r = rng32(type * 7 + (topDown ? 1 : 0));
  for (const [units, kind] of passes) encodeLzPass(units, kind, out, r);
  return new Uint8Array(out);
}

const widen5 = (v: number): number => (v << 3) | (v >> 2);

for (const topDown of [true, false]) {
  const tag = topDown ? 'top-down' : 'bottom-up';

  void test(`LZ RGB32 and RGB24 (${tag})`, () => {
    const pic = testPicture(W, H, 9, 1).map((v) => (v * 0x1f3d5b) & 0xffffff);
    const want = flipExpected(
      pic.flatMap((u) => rgba((u >> 16) & 255, (u >> 8) & 255, u & 255, 255)),
      W,
      H,
      topDown,
    );
    for (const type of [7, 8]) {
      const img = decodeLz(stream(type, W * 4, topDown, [[pic, 'rgb32']]));
      assert.deepEqual([...img.pixels], want);
      assert.equal(img.hasAlpha, false);
    }
  });

  void test(`LZ RGB16 (${tag})`, () => {
    const pic = testPicture(W, H, 11, 2).map((v) => (v * 0x1234 + 0x421) & 0x7fff);
    const want = flipExpected(
      pic.flatMap((u) => rgba(widen5((u >> 10) & 31), widen5((u >> 5) & 31), widen5(u & 31), 255)),
      W,
      H,
      topDown,
    );
    const img = decodeLz(stream(6, W * 2, topDown, [[pic, 'rgb16']]));
    assert.deepEqual([...img.pixels], want);
  });

  void test(`LZ RGBA: both passes, then the flip (${tag})`, () => {
    const pic = testPicture(W, H, 5, 3).map((v) => (v * 0x3a2f17) & 0xffffff);
    const alpha = testPicture(W, H, 4, 4).map((v) => v * 60);
    const want = flipExpected(
      pic.flatMap((u, i) => rgba((u >> 16) & 255, (u >> 8) & 255, u & 255, alpha[i]!)),
      W,
      H,
      topDown,
    );
    const img = decodeLz(
      stream(9, W * 4, topDown, [
        [pic, 'rgb32'],
        [alpha, 'byte'],
      ]),
    );
    assert.equal(img.hasAlpha, true);
    assert.deepEqual([...img.pixels], want);
  });

  void test(`LZ XXXA into an existing image and A8 (${tag})`, () => {
    const alpha = testPicture(W, H, 6, 5).map((v) => v * 40 + 3);
    const target = { width: W, height: H, pixels: new Uint8Array(W * H * 4).fill(7), hasAlpha: false };
    decodeLzAlphaInto(stream(10, W * 4, topDown, [[alpha, 'byte']]), target);
    const wantA = flipExpected(
      alpha.flatMap((a) => rgba(7, 7, 7, a)),
      W,
      H,
      topDown,
    );
    assert.deepEqual([...target.pixels], wantA);
    assert.equal(target.hasAlpha, true);
    const a8 = decodeLz(stream(11, W, topDown, [[alpha, 'byte']]));
    assert.deepEqual(
      [...a8.pixels],
      flipExpected(
        alpha.flatMap((a) => rgba(0, 0, 0, a)),
        W,
        H,
        topDown,
      ),
    );
  });

  void test(`LZ_PLT 1, 4 and 8 bit palettes in both bit orders (${tag})`, () => {
    const palette = new Uint32Array(
      Array.from({ length: 256 }, (_, i) => (i * 0x010305 + 0x102030) & 0xffffff),
    );
    const entry = (i: number): number[] => {
      const x = palette[i]!;
      return rgba((x >> 16) & 255, (x >> 8) & 255, x & 255, 255);
    };
    for (const [type, bits, le] of [
      [1, 1, true],
      [2, 1, false],
      [3, 4, true],
      [4, 4, false],
      [5, 8, false],
    ] as const) {
      const idx = testPicture(W, H, 1 << bits, 6 + type);
      const stride = Math.ceil((W * bits) / 8) + 1; // one padding byte per row
      const per = 8 / bits;
      const bytes = new Array<number>(stride * H).fill(0);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const slot = x % per;
          const shift = le ? slot * bits : 8 - bits - slot * bits;
          bytes[y * stride + Math.floor(x / per)]! |= idx[y * W + x]! << shift;
        }
      }
      const img = decodeLz(stream(type, stride, topDown, [[bytes, 'byte']]), { palette });
      assert.deepEqual([...img.pixels], flipExpected(idx.flatMap(entry), W, H, topDown), `type ${type}`);
    }
  });
}

void test('LZ_PLT indexes beyond the palette give opaque black; PLT4 wraps like spice-common', () => {
  const bytes = new Array<number>(W * H).fill(200);
  const img = decodeLz(new Uint8Array([...lzHeader(5, W, H, W, true), ...encode(bytes)]), {
    palette: new Uint32Array([0xffffff]),
  });
  assert.deepEqual([...img.pixels.subarray(0, 4)], [0, 0, 0, 255]);
  const p4 = decodeLz(new Uint8Array([...lzHeader(4, 2, 1, 1, true), 0, 0x52]), {
    palette: new Uint32Array([0x0000ff, 0x00ff00, 0xff0000]),
  });
  // 0x5 % 3 = 2 → red, 0x2 → red
  assert.deepEqual([...p4.pixels], [255, 0, 0, 255, 255, 0, 0, 255]);
});

function encode(units: number[]): number[] {
  const out: number[] = [];
  encodeLzPass(units, 'byte', out);
  return out;
}

void test('malformed LZ payloads are rejected with ProtocolError', () => {
  const good = [...lzHeader(8, 4, 2, 16, true), 7, ...new Array<number>(24).fill(1)];
  assert.ok(decodeLz(new Uint8Array(good)));
  const cases: [string, number[]][] = [
    ['short', good.slice(0, 20)],
    ['magic', [0, ...good.slice(1)]],
    ['version', [...good.slice(0, 7), 2, ...good.slice(8)]],
    ['type', [...lzHeader(12, 4, 2, 16, true), 0]],
    ['zero width', [...lzHeader(8, 0, 2, 16, true), 0]],
    ['huge', [...lzHeader(8, 1 << 20, 1 << 20, 16, true), 0]],
    ['truncated literals', good.slice(0, 40)],
    ['ref before start', [...lzHeader(8, 4, 2, 16, true), 0x20, 5]],
    ['overrun', [...lzHeader(8, 2, 1, 8, true), 7, ...new Array<number>(24).fill(1)]],
    ['palette missing', [...lzHeader(5, 4, 2, 4, true), 7, 1, 2, 3, 4, 5, 6, 7, 8]],
    ['palette stride too small', [...lzHeader(5, 4, 2, 2, true), 3, 1, 2, 3, 4]],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(
      () =>
        decodeLz(new Uint8Array(bytes), { palette: name === 'palette missing' ? null : new Uint32Array(4) }),
      ProtocolError,
      name,
    );
  }
  assert.throws(
    () => decodeLz(new Uint8Array(good), { out: new Uint8Array(8) }),
    ProtocolError,
    'output buffer too small',
  );
});

void test('decodeLzAlphaInto rejects a plane of another size or type', () => {
  const target = { width: 4, height: 2, pixels: new Uint8Array(32), hasAlpha: false };
  const plane = [...lzHeader(10, 4, 3, 16, true), ...encode(new Array<number>(12).fill(9))];
  assert.throws(() => decodeLzAlphaInto(new Uint8Array(plane), target), ProtocolError);
  const rgb = [...lzHeader(8, 4, 2, 16, true), 7, ...new Array<number>(24).fill(1)];
  assert.throws(() => decodeLzAlphaInto(new Uint8Array(rgb), target), ProtocolError);
});
