// Draw commands a hostile server can make expensive: each must end quickly with a clear ProtocolError or a
// correct result, never an out-of-memory crash or a frozen event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { ProtocolError } from '../../../main/spice/errors';
import { silentLogger } from '../../../main/spice/logger';
import { createDisplayShared } from '../../../main/spice/surfaces/display-shared';
import { DisplaySurfaces } from '../../../main/spice/surfaces/display-surfaces';
import type { SpiceMsgDisplayDrawStroke, SpicePathSeg } from '../../../main/spice/codecs/display-draw';
import type { Rect } from '../../../main/spice/surfaces/types';
import * as B from '../../support/display-builders';
import { prng } from '../../support/prng';
import { intersectRegions } from '../../../main/spice/surfaces/region';

function setup(width: number, height: number): DisplaySurfaces {
  const shared = createDisplayShared({ decodeInWorkers: false });
  const ds = new DisplaySurfaces({
    imageCache: shared.imageCache,
    decoders: shared.decoders,
    logger: silentLogger,
    events: { surfaceCreated() {}, surfaceDestroyed() {}, damage() {} },
  });
  ds.create({ surface_id: 0, width, height, format: E.SPICE_SURFACE_FMT_32_xRGB, flags: 1 });
  return ds;
}

function stroke(box: Rect, clipRects: Rect[] | null, segments: SpicePathSeg[]): SpiceMsgDisplayDrawStroke {
  return {
    base: {
      surface_id: 0,
      box,
      clip: clipRects
        ? { type: E.SPICE_CLIP_TYPE_RECTS, rects: clipRects }
        : { type: E.SPICE_CLIP_TYPE_NONE, rects: [] },
    },
    data: {
      path: { segments },
      attr: { flags: 0, style: [] },
      brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0xffffff },
      fore_mode: E.SPICE_ROPD_OP_XOR,
      back_mode: E.SPICE_ROPD_OP_PUT,
    },
  };
}

void test('Bézier curves that never get flat are refused before they are flattened into billions of points', async () => {
  const ds = setup(64, 64);
  const big = 1 << 30;
  const curves = [];
  for (let i = 0; i < 3000; i++) curves.push({ x: 0, y: big }, { x: big, y: big }, { x: big, y: 0 });
  const msg = stroke({ left: 0, top: 0, right: 64, bottom: 64 }, null, [
    { flags: E.SPICE_PATH_BEGIN, points: [{ x: 0, y: 0 }] },
    { flags: E.SPICE_PATH_BEZIER | E.SPICE_PATH_END, points: curves },
  ]);
  await assert.rejects(ds.drawStroke(msg), (e) => e instanceof ProtocolError && /points/.test(e.message));
});

void test('a stroke through a clip of 65536 rectangles costs O(pixels), and XOR paints each pixel once', async () => {
  const ds = setup(256, 256);
  const clip: Rect[] = [];
  for (let y = 0; y < 256; y++)
    for (let x = 0; x < 256; x++) clip.push({ left: x, top: y, right: x + 1, bottom: y + 1 });
  // 512 passes back and forth over row 250 (fixed28_4 coordinates), then a diagonal.
  const pts = [];
  for (let i = 0; i < 512; i++) pts.push({ x: 255 * 16, y: 250 * 16 }, { x: 0, y: 250 * 16 });
  const msg = stroke({ left: 0, top: 0, right: 256, bottom: 256 }, clip, [
    { flags: E.SPICE_PATH_BEGIN, points: [{ x: 0, y: 250 * 16 }] },
    { flags: E.SPICE_PATH_END, points: pts },
    {
      flags: E.SPICE_PATH_BEGIN | E.SPICE_PATH_END,
      points: [
        { x: 0, y: 0 },
        { x: 256 * 16, y: 256 * 16 },
      ],
    },
  ]);
  const t0 = process.hrtime.bigint();
  await ds.drawStroke(msg);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 2000, `stroke took ${ms} ms`);
  const s = ds.get(0)!;
  const rgb = (x: number, y: number): number => s.data32[y * 256 + x]! & 0xffffff;
  // XOR with white once: row 250 is white (not toggled back), the diagonal too, the rest stays black.
  for (let x = 0; x < 256; x++) assert.equal(rgb(x, 250), 0xffffff, `(${x}, 250)`);
  assert.equal(rgb(100, 100), 0xffffff);
  assert.equal(rgb(101, 100), 0);
  assert.equal(rgb(5, 11), 0);
});

void test('a mask of 131072 runs under a clip of 65536 rectangles intersects in O(pixels), not O(n*m)', async () => {
  const ds = setup(512, 512);
  const clip: Rect[] = [];
  for (let y = 0; y < 256; y++)
    for (let x = 0; x < 256; x++) clip.push({ left: x, top: y, right: x + 1, bottom: y + 1 });
  // A 1-bit checkerboard: every row has 256 one-pixel runs, and no row repeats the one above.
  const rows = Array.from({ length: 512 }, (_, y) => (y % 2 ? '01' : '10').repeat(256));
  const t0 = process.hrtime.bigint();
  await ds.drawFill({
    base: {
      surface_id: 0,
      box: { left: 0, top: 0, right: 512, bottom: 512 },
      clip: { type: E.SPICE_CLIP_TYPE_RECTS, rects: clip },
    },
    data: {
      brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0xffffff },
      rop_descriptor: E.SPICE_ROPD_OP_PUT,
      mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: B.maskImage(1n, rows) },
    },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 2000, `fill took ${ms} ms`);
  const s = ds.get(0)!;
  const rgb = (x: number, y: number): number => s.data32[y * 512 + x]! & 0xffffff;
  assert.equal(rgb(0, 0), 0xffffff);
  assert.equal(rgb(1, 0), 0);
  assert.equal(rgb(1, 1), 0xffffff);
  assert.equal(rgb(254, 255), 0);
  assert.equal(rgb(255, 255), 0xffffff);
  assert.equal(rgb(256, 0), 0); // outside the clip
});

void test('intersectRegions of large regions (coverage-map path) covers exactly a ∩ b, without overlaps', () => {
  const rnd = prng(7);
  const W = 200;
  const H = 150;
  /** Disjoint random rectangles: a random grid of cells, some dropped. */
  const grid = (cols: number, rows: number, keep: number): Rect[] => {
    const out: Rect[] = [];
    for (let j = 0; j < rows; j++)
      for (let i = 0; i < cols; i++) {
        if (rnd() > keep) continue;
        const left = Math.floor((i * W) / cols);
        const top = Math.floor((j * H) / rows);
        out.push({
          left,
          top,
          right: Math.floor(((i + 1) * W) / cols),
          bottom: Math.floor(((j + 1) * H) / rows),
        });
      }
    return out;
  };
  for (let round = 0; round < 3; round++) {
    const a = grid(40 + round * 7, 30, 0.8);
    const b = grid(50, 37 + round * 5, 0.7);
    assert.ok(a.length * b.length > 1 << 20);
    const cover = (region: Rect[]): Uint8Array => {
      const m = new Uint8Array(W * H);
      for (const r of region)
        for (let y = r.top; y < r.bottom; y++) for (let x = r.left; x < r.right; x++) m[y * W + x]!++;
      return m;
    };
    const ca = cover(a);
    const cb = cover(b);
    const got = cover(intersectRegions(a, b));
    for (let i = 0; i < W * H; i++) assert.equal(got[i], ca[i]! & cb[i]!, `pixel ${i}`);
  }
});

void test('a clip list of 65536 overlapping full-surface rectangles is refused, not filled 65536 times', async () => {
  const ds = setup(1024, 1024);
  const full = { left: 0, top: 0, right: 1024, bottom: 1024 };
  const t0 = process.hrtime.bigint();
  await assert.rejects(
    ds.drawFill({
      base: {
        surface_id: 0,
        box: full,
        clip: { type: E.SPICE_CLIP_TYPE_RECTS, rects: new Array<Rect>(65536).fill(full) },
      },
      data: {
        brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0xffffff },
        rop_descriptor: E.SPICE_ROPD_OP_XOR,
        mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null },
      },
    }),
    (e) => e instanceof ProtocolError && /overlap/.test(e.message),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 2000, `took ${ms} ms`);
});
