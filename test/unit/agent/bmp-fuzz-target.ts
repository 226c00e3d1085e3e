// The BMP decoder as a fuzz target (see test/unit/decoders/fuzz-targets.ts): seeds in every supported layout.
import { decodeBmp } from '../../../main/spice/agent/bmp-decoder';
import type { DecodedImage } from '../../../main/spice/decoders/types';
import { buildBmp, type Layout } from '../../support/bmp-builder';

const LAYOUTS: Layout[] = [
  { bpp: 24, encode: ([r, g, b]) => [b, g, r] },
  { bpp: 24, topDown: true, fileHeader: false, encode: ([r, g, b]) => [b, g, r] },
  { bpp: 24, headerBytes: 12, encode: ([r, g, b]) => [b, g, r] },
  { bpp: 32, encode: ([r, g, b]) => [b, g, r, 0] },
  {
    bpp: 32,
    headerBytes: 124,
    compression: 3,
    masks: [0xff0000, 0xff00, 0xff, 0xff000000],
    encode: ([r, g, b, a]) => [b, g, r, a],
  },
  { bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], encode: ([r]) => [r, r >> 3] },
  {
    bpp: 8,
    palette: Array.from(
      { length: 16 },
      (_, i) => [i * 16, i, 255 - i, 255] as [number, number, number, number],
    ),
    encode: (_p, x, y) => [(x + y) % 16],
  },
  {
    bpp: 4,
    palette: [
      [0, 0, 0, 255],
      [255, 0, 0, 255],
    ],
    encode: (_p, x) => [x & 1],
  },
  {
    bpp: 1,
    palette: [
      [0, 0, 0, 255],
      [255, 255, 255, 255],
    ],
    encode: (_p, x, y) => [(x ^ y) & 1],
  },
];

export function bmpFuzzSeeds(): { data: Uint8Array; width: number; height: number }[] {
  return LAYOUTS.map((l) => ({ data: buildBmp(l), width: 5, height: 3 }));
}

export function runBmp(data: Uint8Array): DecodedImage {
  const { width, height, rgba } = decodeBmp(data, 1 << 20);
  return { width, height, pixels: rgba, hasAlpha: true };
}
