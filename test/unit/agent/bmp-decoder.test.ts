// The BMP decoder on bitmaps built here byte by byte (every supported layout: 1/4/8-bit palettes, 16-bit 555 and
// 565 masks, 24-bit, 32-bit with and without an alpha mask, bottom-up and top-down, with and without the file
// header, the OS/2 core header), and its refusals (RLE, truncation, a pixel count over the cap).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBmp } from '../../../main/spice/agent/bmp-decoder';
import { ProtocolError } from '../../../main/spice/errors';
import { buildBmp, pixel, W, H, type Rgba } from '../../support/bmp-builder';

function expectPixels(bmp: Uint8Array, want: (p: Rgba, x: number, y: number) => Rgba, tolerance = 0): void {
  const out = decodeBmp(bmp, 1000);
  assert.equal(out.width, W);
  assert.equal(out.height, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      const got = [...out.rgba.subarray(o, o + 4)];
      const exp = want(pixel(x, y), x, y);
      for (let c = 0; c < 4; c++) {
        assert.ok(
          Math.abs(got[c]! - exp[c]!) <= tolerance,
          `(${x},${y}) channel ${c}: ${got.join()} vs ${exp.join()}`,
        );
      }
    }
  }
}

const opaque = (p: Rgba): Rgba => [p[0], p[1], p[2], 255];

test('24-bit, bottom-up and top-down, with and without the file header', { timeout: 10_000 }, () => {
  for (const topDown of [false, true]) {
    for (const fileHeader of [true, false]) {
      const bmp = buildBmp({ bpp: 24, topDown, fileHeader, encode: ([r, g, b]) => [b, g, r] });
      expectPixels(bmp, opaque);
    }
  }
  expectPixels(buildBmp({ bpp: 24, headerBytes: 12, encode: ([r, g, b]) => [b, g, r] }), opaque);
});

test(
  '32-bit: BGRX is opaque; BI_BITFIELDS with an alpha mask (V5 header) keeps alpha',
  { timeout: 10_000 },
  () => {
    expectPixels(buildBmp({ bpp: 32, encode: ([r, g, b]) => [b, g, r, 0] }), opaque);
    const masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
    expectPixels(
      buildBmp({
        bpp: 32,
        headerBytes: 124,
        compression: 3,
        masks,
        topDown: true,
        encode: ([r, g, b, a]) => [b, g, r, a],
      }),
      (p) => p,
    );
    // RGBA byte order through masks after a 40-byte header (BI_ALPHABITFIELDS)
    const rgbaMasks = [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000];
    expectPixels(
      buildBmp({ bpp: 32, compression: 6, masks: rgbaMasks, encode: ([r, g, b, a]) => [r, g, b, a] }),
      (p) => p,
    );
  },
);

test('16-bit: default 555, and 565 through BI_BITFIELDS', { timeout: 10_000 }, () => {
  const q = (v: number, bits: number): number =>
    Math.round((Math.round((v * ((1 << bits) - 1)) / 255) * 255) / ((1 << bits) - 1));
  const v555 = ([r, g, b]: Rgba): number[] => {
    const v =
      (Math.round((r * 31) / 255) << 10) | (Math.round((g * 31) / 255) << 5) | Math.round((b * 31) / 255);
    return [v & 0xff, v >> 8];
  };
  expectPixels(buildBmp({ bpp: 16, encode: v555 }), ([r, g, b]) => [q(r, 5), q(g, 5), q(b, 5), 255]);
  const v565 = ([r, g, b]: Rgba): number[] => {
    const v =
      (Math.round((r * 31) / 255) << 11) | (Math.round((g * 63) / 255) << 5) | Math.round((b * 31) / 255);
    return [v & 0xff, v >> 8];
  };
  expectPixels(
    buildBmp({ bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], encode: v565 }),
    ([r, g, b]) => [q(r, 5), q(g, 6), q(b, 5), 255],
  );
});

test('palettes: 8, 4 and 1 bit per pixel', { timeout: 10_000 }, () => {
  const colours: Rgba[] = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 77) % 256, 255]);
  const indexOf = (x: number, y: number): number => (x + y * W) % 16;
  for (const bpp of [8, 4]) {
    expectPixels(
      buildBmp({ bpp, palette: colours, encode: (_p, x, y) => [indexOf(x, y)] }),
      (_p, x, y) => colours[indexOf(x, y)]!,
    );
  }
  const mono: Rgba[] = [
    [0, 0, 0, 255],
    [255, 255, 255, 255],
  ];
  expectPixels(
    buildBmp({ bpp: 1, palette: mono, encode: (_p, x, y) => [(x + y) & 1] }),
    (_p, x, y) => mono[(x + y) & 1]!,
  );
});

test('refusals: RLE, truncated rows, too many pixels, nonsense headers', { timeout: 10_000 }, () => {
  const good = buildBmp({ bpp: 24, encode: ([r, g, b]) => [b, g, r] });
  assert.throws(() => decodeBmp(good.subarray(0, good.length - 1), 1000), ProtocolError);
  assert.throws(() => decodeBmp(good, W * H - 1), /more than/);
  const rle = buildBmp({ bpp: 8, compression: 1, palette: [[0, 0, 0, 255]], encode: () => [0] });
  assert.throws(() => decodeBmp(rle, 1000), /RLE/);
  assert.throws(() => decodeBmp(new Uint8Array([0x42, 0x4d, 1, 2]), 1000), ProtocolError);
  assert.throws(() => decodeBmp(new Uint8Array(64), 1000), ProtocolError);
  const badBpp = buildBmp({ bpp: 24, encode: ([r, g, b]) => [b, g, r] });
  badBpp[14 + 14] = 7;
  assert.throws(() => decodeBmp(badBpp, 1000), /bits per pixel/);
});
