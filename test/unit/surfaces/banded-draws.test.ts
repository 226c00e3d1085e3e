// Draws run band by band (so a huge draw yields and never allocates its whole scaled area): the pixels must be
// exactly those of the same draw done in one piece — scaled copies across band edges, a surface copied onto
// itself, COPY_BITS moving up or down across bands — and a message over its work budget is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import type { SpiceImage } from '../../../main/spice/codecs/image';
import * as DD from '../../../main/spice/codecs/display-draw';
import * as D from '../../../main/spice/codecs/display';
import { silentLogger } from '../../../main/spice/logger';
import { WorkBudgetError, WorkMeter } from '../../../main/spice/work-budget';
import { BAND_PIXELS, regionArea, splitIntoBands } from '../../../main/spice/surfaces/bands';
import { scaleToBox, snapshot, surfaceSource } from '../../../main/spice/surfaces/canvas';
import { createDisplayShared } from '../../../main/spice/surfaces/display-shared';
import { DisplaySurfaces } from '../../../main/spice/surfaces/display-surfaces';
import { intersectRegions, type Region } from '../../../main/spice/surfaces/region';
import type { Surface } from '../../../main/spice/surfaces/surface';
import { SpiceReader } from '../../../main/spice/wire/reader';
import * as B from '../../support/display-builders';
import { prng } from '../../support/prng';

const W = 1200;
const H = 1000; // 1.2 Mpx: more than one band

function setup(work?: WorkMeter): { ds: DisplaySurfaces; s: Surface } {
  const shared = createDisplayShared({ decodeInWorkers: false });
  const ds = new DisplaySurfaces({
    imageCache: shared.imageCache,
    decoders: shared.decoders,
    logger: silentLogger,
    events: { surfaceCreated() {}, surfaceDestroyed() {}, damage() {} },
    ...(work ? { work } : {}),
  });
  const s = ds.create({ surface_id: 0, width: W, height: H, format: E.SPICE_SURFACE_FMT_32_xRGB, flags: 1 });
  const rnd = prng(42);
  for (let i = 0; i < s.data32.length; i++) s.data32[i] = ((rnd() * 0xffffff) | 0xff000000) >>> 0;
  return { ds, s };
}

const r = (b: Uint8Array): SpiceReader => new SpiceReader(b);

function copyMsg(
  box: D.SpiceMsgDisplayBase['box'],
  src: SpiceImage,
  srcArea: D.SpiceMsgDisplayBase['box'],
  scale: number,
) {
  return DD.decodeSpiceMsgDisplayDrawCopy(
    r(
      B.encodeDrawCopy({
        base: B.displayBase(0, box),
        data: {
          src_bitmap: src,
          src_area: srcArea,
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          scale_mode: scale,
          mask: B.NO_MASK,
        },
      }),
    ),
  );
}

const surfaceImage: SpiceImage = {
  descriptor: { id: 0n, type: E.SPICE_IMAGE_TYPE_SURFACE, flags: 0, width: W, height: H },
  body: { kind: 'surface', surfaceId: 0 },
};

void test(
  'splitIntoBands: disjoint pieces that cover the region exactly, each band bounded',
  { timeout: 30_000 },
  () => {
    const region: Region = [
      { left: 0, top: 0, right: 3000, bottom: 700 },
      { left: 100, top: 700, right: 2000, bottom: 1500 },
      { left: 2500, top: 900, right: 2600, bottom: 2000 },
    ];
    const bands = splitIntoBands(region, 1 << 20);
    assert.ok(bands.length > 1);
    const pieces = bands.flat();
    assert.equal(regionArea(pieces), regionArea(region));
    assert.equal(regionArea(intersectRegions(pieces, region)), regionArea(region));
    for (const band of bands) {
      const top = Math.min(...band.map((p) => p.top));
      const bottom = Math.max(...band.map((p) => p.bottom));
      assert.ok((bottom - top) * 3000 <= 1 << 20);
    }
    assert.deepEqual(splitIntoBands(region, 1 << 20, true), [...bands].reverse());
    assert.deepEqual(splitIntoBands([{ left: 0, top: 0, right: 10, bottom: 10 }]), [
      [{ left: 0, top: 0, right: 10, bottom: 10 }],
    ]);
  },
);

for (const [name, mode] of [
  ['bilinear', E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE],
  ['nearest', E.SPICE_IMAGE_SCALE_MODE_NEAREST],
] as const) {
  void test(
    `a scaled copy over several bands equals the one-piece result (${name})`,
    { timeout: 30_000 },
    async () => {
      const { ds, s } = setup();
      const tile = B.bitmapImage(
        7n,
        5,
        3,
        [
          0xff0000, 0x00ff00, 0x0000ff, 0x808080, 0x102030, 0xffffff, 0, 0x123456, 0xabcdef, 0x010203,
          0xfefdfc, 0x777777, 0x4080c0, 0xc08040, 0x00ffff,
        ],
      );
      const box = B.rect(7, 3, W - 5, H - 9);
      // Reference: the whole scaled area in one piece on a copy of the surface.
      const ref = new Uint32Array(s.data32);
      const refSurface = { ...surfaceSource(s), data32: ref };
      const decoded = await ds.resolver.resolve(tile);
      const src = {
        width: 5,
        height: 3,
        data32: new Uint32Array(decoded.kind === 'image' ? decoded.image.pixels.buffer : new ArrayBuffer(0)),
        hasAlpha: false,
      };
      const whole = scaleToBox(src, B.rect(0, 0, 5, 3), box, box, mode);
      for (let y = 0; y < whole.source.height; y++)
        for (let x = 0; x < whole.source.width; x++)
          refSurface.data32[(whole.top + y) * W + whole.left + x] =
            (whole.source.data32[y * whole.source.width + x]! | 0xff000000) >>> 0;
      await ds.drawCopy(copyMsg(box, tile, B.rect(0, 0, 5, 3), mode));
      assert.ok((box.right - box.left) * (box.bottom - box.top) > BAND_PIXELS);
      const first = s.data32.findIndex((v, i) => v !== ref[i]);
      assert.equal(first, -1, `first difference at pixel ${first}`);
    },
  );
}

void test(
  'a surface copied onto itself (overlapping, several bands) equals copying from a snapshot',
  { timeout: 30_000 },
  async () => {
    const { ds, s } = setup();
    const before = snapshot(surfaceSource(s), { left: 0, top: 0, right: W, bottom: H }).source;
    const box = B.rect(0, 40, W - 3, H);
    await ds.drawCopy(copyMsg(box, surfaceImage, B.rect(3, 0, W, H - 40), E.SPICE_IMAGE_SCALE_MODE_NEAREST));
    for (let y = 40; y < H; y++)
      for (let x = 0; x < W - 3; x++)
        if (s.data32[y * W + x] !== before.data32[(y - 40) * W + x + 3]) assert.fail(`(${x},${y}) differs`);
  },
);

for (const dy of [37, -37]) {
  void test(
    `COPY_BITS moving ${dy > 0 ? 'down' : 'up'} across bands (one rectangle and several)`,
    { timeout: 30_000 },
    async () => {
      for (const clip of [undefined, [B.rect(0, 0, W, 500), B.rect(0, 500, W, H)]]) {
        const { ds, s } = setup();
        const before = new Uint32Array(s.data32);
        const box = dy > 0 ? B.rect(0, dy, W - 5, H) : B.rect(0, 0, W - 5, H + dy);
        const msg = D.decodeSpiceMsgDisplayCopyBits(
          r(B.encodeCopyBits({ base: B.displayBase(0, box, clip), src_pos: { x: 5, y: box.top - dy } })),
        );
        await ds.copyBits(msg);
        for (let y = box.top; y < box.bottom; y++)
          for (let x = box.left; x < box.right; x++)
            if (s.data32[y * W + x] !== before[(y - dy) * W + x + 5])
              assert.fail(`(${x},${y}) differs with ${clip ? 'two rectangles' : 'one rectangle'}`);
      }
    },
  );
}

void test(
  'a message past its pixel work budget is a WorkBudgetError, and nothing past it is drawn',
  { timeout: 30_000 },
  async () => {
    const work = new WorkMeter({ maxPixelsPerMessage: BAND_PIXELS + 10 });
    const { ds, s } = setup(work);
    work.startMessage('message 302');
    const fill = DD.decodeSpiceMsgDisplayDrawFill(
      r(
        B.encodeDrawFill({
          base: B.displayBase(0, B.rect(0, 0, W, H)),
          data: {
            brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0 },
            rop_descriptor: E.SPICE_ROPD_OP_PUT,
            mask: B.NO_MASK,
          },
        }),
      ),
    );
    await assert.rejects(ds.drawFill(fill), (e: unknown) => {
      assert.ok(e instanceof WorkBudgetError);
      assert.match((e as Error).message, /message 302: fill would bring .* past \d+ \(work amplification\)/);
      return true;
    });
    assert.equal(work.exhausted, true);
    assert.notEqual(s.data32[W * H - 1], 0xff000000, 'the last band was never drawn');
  },
);

void test(
  'a one-pixel image stretched over the surface is that colour everywhere (nearest and bilinear)',
  { timeout: 30_000 },
  async () => {
    for (const mode of [E.SPICE_IMAGE_SCALE_MODE_NEAREST, E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE]) {
      const { ds, s } = setup();
      await ds.drawCopy(
        copyMsg(B.rect(0, 0, W, H), B.bitmapImage(3n, 1, 1, [0x204060]), B.rect(0, 0, 1, 1), mode),
      );
      const want = s.data32[0]!;
      assert.equal(want & 0xffffff, 0x604020, 'RGBA of xRGB 0x204060');
      assert.equal(
        s.data32.findIndex((v) => v !== want),
        -1,
      );
    }
  },
);
