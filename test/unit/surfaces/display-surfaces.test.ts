// Draw commands end to end (builder → codec → DisplaySurfaces → pixels) against hand-computed pixels, the real
// LZ_RGB DRAW_COPY of a QEMU session against spice-gtk's output, and the cache protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { ProtocolError, SpiceError } from '../../../main/spice/errors';
import { silentLogger } from '../../../main/spice/logger';
import * as E from '../../../main/spice/protocol/enums';
import * as D from '../../../main/spice/codecs/display';
import * as DD from '../../../main/spice/codecs/display-draw';
import type { SpiceImage } from '../../../main/spice/codecs/image';
import { createDisplayShared, type DisplayShared } from '../../../main/spice/surfaces/display-shared';
import { DisplaySurfaces } from '../../../main/spice/surfaces/display-surfaces';
import type { ImageDecoderTable } from '../../../main/spice/decoders/image-decoder';
import type { Surface } from '../../../main/spice/surfaces/surface';
import type { Rect } from '../../../main/spice/surfaces/types';
import * as B from '../../support/display-builders';

const fixtures = join(import.meta.dirname, '../../fixtures/display');

interface Setup {
  shared: DisplayShared;
  ds: DisplaySurfaces;
  s: Surface;
  damage: { surfaceId: number; rect: Rect }[];
}

function setup(
  width = 8,
  height = 6,
  opts: { cachePixels?: number; decoders?: ImageDecoderTable; format?: number } = {},
): Setup {
  const shared = createDisplayShared({
    ...(opts.cachePixels !== undefined ? { pixmapCacheSizePixels: opts.cachePixels } : {}),
    ...(opts.decoders ? { decoders: opts.decoders } : {}),
  });
  const damage: Setup['damage'] = [];
  const ds = new DisplaySurfaces({
    imageCache: shared.imageCache,
    decoders: shared.decoders,
    logger: silentLogger,
    events: {
      surfaceCreated() {},
      surfaceDestroyed() {},
      damage: (surfaceId, rect) => damage.push({ surfaceId, rect }),
    },
  });
  const s = ds.create({
    surface_id: 0,
    width,
    height,
    format: opts.format ?? E.SPICE_SURFACE_FMT_32_xRGB,
    flags: 1,
  });
  return { shared, ds, s, damage };
}

/** xRGB of a pixel (alpha checked separately). */
function px(s: Surface, x: number, y: number): number {
  const v = s.data32[y * s.width + x]!;
  return ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff);
}
function alpha(s: Surface, x: number, y: number): number {
  return s.data32[y * s.width + x]! >>> 24;
}
function row(s: Surface, y: number): number[] {
  return Array.from({ length: s.width }, (_, x) => px(s, x, y));
}
/** Paints every pixel with its own colour so operations are traceable. */
function paint(s: Surface, f: (x: number, y: number) => number): void {
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++) {
      const c = f(x, y);
      s.data32[y * s.width + x] =
        (0xff000000 | ((c & 0xff) << 16) | (c & 0xff00) | ((c >>> 16) & 0xff)) >>> 0;
    }
}

const r = (b: Uint8Array): SpiceReader => new SpiceReader(b);
const solid = (color: number): D.SpiceBrush => ({ type: E.SPICE_BRUSH_TYPE_SOLID, color });
const fillMsg = (
  box: Rect,
  brush: D.SpiceBrush,
  rop: number,
  clip?: Rect[],
  mask = B.NO_MASK,
): DD.SpiceMsgDisplayDrawFill =>
  DD.decodeSpiceMsgDisplayDrawFill(
    r(B.encodeDrawFill({ base: B.displayBase(0, box, clip), data: { brush, rop_descriptor: rop, mask } })),
  );
const copyMsg = (
  box: Rect,
  src: SpiceImage,
  srcArea: Rect,
  rop = E.SPICE_ROPD_OP_PUT,
  scale = 1,
  mask = B.NO_MASK,
) =>
  DD.decodeSpiceMsgDisplayDrawCopy(
    r(
      B.encodeDrawCopy({
        base: B.displayBase(0, box),
        data: { src_bitmap: src, src_area: srcArea, rop_descriptor: rop, scale_mode: scale, mask },
      }),
    ),
  );

void test('the real LZ_RGB DRAW_COPY of a QEMU session matches spice-gtk pixel for pixel', async () => {
  const { ds, s, damage } = setup(720, 400);
  const msg = DD.decodeSpiceMsgDisplayDrawCopy(
    r(new Uint8Array(readFileSync(join(fixtures, 'session-draw-copy.bin')))),
  );
  await ds.drawCopy(msg);
  const png = await sharp(join(fixtures, 'session.expected.png')).raw().toBuffer({ resolveWithObject: true });
  assert.equal(png.info.channels, 3);
  let diffs = 0;
  for (let i = 0; i < 720 * 400; i++) {
    const v = s.data32[i]!;
    if (
      (v & 0xff) !== png.data[i * 3] ||
      ((v >>> 8) & 0xff) !== png.data[i * 3 + 1] ||
      ((v >>> 16) & 0xff) !== png.data[i * 3 + 2]
    )
      diffs++;
    if (v >>> 24 !== 255) diffs++;
  }
  assert.equal(diffs, 0);
  assert.deepEqual(damage, [{ surfaceId: 0, rect: B.rect(0, 0, 720, 400) }]);
});

void test('the real QUIC DRAW_COPY of a QEMU session matches spice-gtk pixel for pixel', async () => {
  const { ds, s } = setup(720, 400);
  const msg = DD.decodeSpiceMsgDisplayDrawCopy(
    r(new Uint8Array(readFileSync(join(fixtures, 'quic-draw-copy.bin')))),
  );
  assert.equal(msg.data.src_bitmap?.descriptor.type, E.SPICE_IMAGE_TYPE_QUIC);
  await ds.drawCopy(msg);
  const png = await sharp(join(fixtures, 'quic.expected.png')).raw().toBuffer({ resolveWithObject: true });
  let diffs = 0;
  for (let i = 0; i < 720 * 400; i++) {
    const v = s.data32[i]!;
    const ch = png.info.channels;
    if (
      (v & 0xff) !== png.data[i * ch] ||
      ((v >>> 8) & 0xff) !== png.data[i * ch + 1] ||
      ((v >>> 16) & 0xff) !== png.data[i * ch + 2]
    )
      diffs++;
  }
  assert.equal(diffs, 0);
});

void test('DRAW_FILL: every rop descriptor on a solid brush, clipped to rects', async () => {
  const cases: [string, number, (d: number, b: number) => number][] = [
    ['PUT', E.SPICE_ROPD_OP_PUT, (_d, b) => b],
    ['OR', E.SPICE_ROPD_OP_OR, (d, b) => d | b],
    ['AND', E.SPICE_ROPD_OP_AND, (d, b) => d & b],
    ['XOR', E.SPICE_ROPD_OP_XOR, (d, b) => d ^ b],
    ['PUT ~brush', E.SPICE_ROPD_OP_PUT | E.SPICE_ROPD_INVERS_BRUSH, (_d, b) => ~b & 0xffffff],
    ['OR ~dest', E.SPICE_ROPD_OP_OR | E.SPICE_ROPD_INVERS_DEST, (d, b) => (b | ~d) & 0xffffff],
    ['AND ~res', E.SPICE_ROPD_OP_AND | E.SPICE_ROPD_INVERS_RES, (d, b) => ~(d & b) & 0xffffff],
    ['XOR ~src(ignored for fill)', E.SPICE_ROPD_OP_XOR | E.SPICE_ROPD_INVERS_SRC, (d, b) => d ^ b],
    ['BLACKNESS', E.SPICE_ROPD_OP_BLACKNESS, () => 0],
    ['WHITENESS', E.SPICE_ROPD_OP_WHITENESS, () => 0xffffff],
    ['INVERS', E.SPICE_ROPD_OP_INVERS, (d) => ~d & 0xffffff],
  ];
  for (const [name, rop, f] of cases) {
    const { ds, s, damage } = setup();
    paint(s, (x, y) => 0x102030 * (x + 1) + y);
    const before = s.data32.slice();
    const brush = 0x5a3cf0;
    await ds.drawFill(
      fillMsg(B.rect(1, 1, 7, 5), solid(brush), rop, [B.rect(0, 0, 3, 3), B.rect(5, 2, 8, 8)]),
    );
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 8; x++) {
        const inBox = x >= 1 && x < 7 && y >= 1 && y < 5;
        const inClip = (x < 3 && y < 3) || (x >= 5 && y >= 2);
        const v = before[y * 8 + x]!;
        const d = ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff);
        const want = inBox && inClip ? f(d, brush) : d;
        assert.equal(px(s, x, y), want >>> 0, `${name} at ${x},${y}`);
        assert.equal(alpha(s, x, y), 255, `${name} alpha at ${x},${y}`);
      }
    assert.deepEqual(damage[0]?.rect, B.rect(1, 1, 7, 5), name);
  }
});

void test('DRAW_FILL with a pattern brush tiles from the pattern position', async () => {
  const { ds, s } = setup();
  const tile = B.bitmapImage(1n, 2, 2, [0x0000aa, 0x0000bb, 0x0000cc, 0x0000dd]);
  await ds.drawFill(
    fillMsg(
      B.rect(0, 0, 4, 3),
      { type: E.SPICE_BRUSH_TYPE_PATTERN, pat: tile, pos: { x: 1, y: 0 } },
      E.SPICE_ROPD_OP_PUT,
    ),
  );
  assert.deepEqual(row(s, 0).slice(0, 4), [0xbb, 0xaa, 0xbb, 0xaa]);
  assert.deepEqual(row(s, 1).slice(0, 4), [0xdd, 0xcc, 0xdd, 0xcc]);
  assert.deepEqual(row(s, 2).slice(0, 5), [0xbb, 0xaa, 0xbb, 0xaa, 0]);
});

void test('masks select pixels, INVERS flips them, and pos offsets the mask', async () => {
  for (const [flags, want] of [
    [0, [1, 0, 1, 0]],
    [E.SPICE_MASK_FLAGS_INVERS, [0, 1, 0, 1]],
  ] as const) {
    const { ds, s } = setup();
    const mask: D.SpiceQMask = { flags, pos: { x: 1, y: 0 }, bitmap: B.maskImage(5n, ['01010', '11111']) };
    await ds.drawFill(fillMsg(B.rect(2, 0, 6, 1), solid(0xffffff), E.SPICE_ROPD_OP_PUT, undefined, mask));
    assert.deepEqual(
      row(s, 0).slice(2, 6),
      want.map((v) => (v ? 0xffffff : 0)),
      `flags ${flags}`,
    );
    assert.equal(px(s, 1, 0), 0);
    assert.equal(px(s, 6, 0), 0);
  }
  // LE bit order
  const { ds, s } = setup();
  const mask: D.SpiceQMask = {
    flags: 0,
    pos: { x: 0, y: 0 },
    bitmap: B.maskImage(6n, ['1100'], 0, E.SPICE_BITMAP_FMT_1BIT_LE),
  };
  await ds.drawFill(fillMsg(B.rect(0, 0, 4, 1), solid(0x00ff00), E.SPICE_ROPD_OP_PUT, undefined, mask));
  assert.deepEqual(row(s, 0).slice(0, 4), [0xff00, 0xff00, 0, 0]);
});

void test('DRAW_COPY: blits with rops, scales nearest and bilinear', async () => {
  const img = B.bitmapImage(2n, 2, 2, [0x000010, 0x000020, 0x000030, 0x000040]);
  {
    const { ds, s } = setup();
    await ds.drawCopy(copyMsg(B.rect(3, 2, 5, 4), img, B.rect(0, 0, 2, 2)));
    assert.deepEqual(row(s, 2).slice(2, 6), [0, 0x10, 0x20, 0]);
    assert.deepEqual(row(s, 3).slice(2, 6), [0, 0x30, 0x40, 0]);
  }
  {
    // src_area picks the right column only; XOR with the destination
    const { ds, s } = setup();
    paint(s, () => 0x000001);
    await ds.drawCopy(copyMsg(B.rect(0, 0, 1, 2), img, B.rect(1, 0, 2, 2), E.SPICE_ROPD_OP_XOR));
    assert.equal(px(s, 0, 0), 0x21);
    assert.equal(px(s, 0, 1), 0x41);
    assert.equal(px(s, 1, 0), 0x01);
  }
  {
    const { ds, s } = setup();
    await ds.drawCopy(
      copyMsg(
        B.rect(0, 0, 4, 4),
        img,
        B.rect(0, 0, 2, 2),
        E.SPICE_ROPD_OP_PUT,
        E.SPICE_IMAGE_SCALE_MODE_NEAREST,
      ),
    );
    assert.deepEqual(row(s, 0).slice(0, 4), [0x10, 0x10, 0x20, 0x20]);
    assert.deepEqual(row(s, 3).slice(0, 4), [0x30, 0x30, 0x40, 0x40]);
  }
  {
    const { ds, s } = setup();
    await ds.drawCopy(
      copyMsg(
        B.rect(0, 0, 4, 1),
        img,
        B.rect(0, 0, 2, 1),
        E.SPICE_ROPD_OP_PUT,
        E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
      ),
    );
    // centres at source x = -0.25, 0.25, 0.75, 1.25 (clamped at the edges)
    assert.deepEqual(row(s, 0).slice(0, 4), [0x10, 0x14, 0x1c, 0x20]);
  }
});

void test('DRAW_OPAQUE draws the source then combines the brush with it', async () => {
  const { ds, s } = setup();
  const img = B.bitmapImage(3n, 2, 1, [0x0f0f0f, 0xf0f0f0]);
  const msg = DD.decodeSpiceMsgDisplayDrawOpaque(
    r(
      B.encodeDrawOpaque({
        base: B.displayBase(0, B.rect(0, 0, 2, 1)),
        data: {
          src_bitmap: img,
          src_area: B.rect(0, 0, 2, 1),
          brush: solid(0x00ffff),
          rop_descriptor: E.SPICE_ROPD_OP_AND,
          scale_mode: 1,
          mask: B.NO_MASK,
        },
      }),
    ),
  );
  await ds.drawOpaque(msg);
  assert.deepEqual(row(s, 0).slice(0, 2), [0x000f0f, 0x00f0f0]);
});

void test('BLACKNESS, WHITENESS and INVERS', async () => {
  const { ds, s } = setup();
  paint(s, () => 0x123456);
  const m = (box: Rect) =>
    DD.decodeSpiceMsgDisplayDrawBlackness(
      r(B.encodeDrawMaskOnly({ base: B.displayBase(0, box), data: { mask: B.NO_MASK } })),
    );
  await ds.drawBlackness(m(B.rect(0, 0, 1, 1)));
  await ds.drawWhiteness(m(B.rect(1, 0, 2, 1)));
  await ds.drawInvers(m(B.rect(2, 0, 3, 1)));
  assert.deepEqual(row(s, 0).slice(0, 4), [0, 0xffffff, 0xedcba9, 0x123456]);
  assert.equal(alpha(s, 0, 0), 255);
  assert.equal(alpha(s, 2, 0), 255);
});

void test('DRAW_ROP3 with a solid brush: 0x00 0xFF 0xCC 0x66 0xF0 0x5A 0xB8', async () => {
  const P = 0x00ff00;
  const S = 0x0f0f0f;
  const Dv = 0x3c3c3c;
  const cases: [number, number][] = [
    [0x00, 0],
    [0xff, 0xffffff],
    [0xcc, S],
    [0x66, S ^ Dv],
    [0xf0, P],
    [0x5a, P ^ Dv],
    [0xb8, ((P & ~S) | (Dv & S)) & 0xffffff],
    [0x96, P ^ S ^ Dv], // generic path
  ];
  for (const [code, want] of cases) {
    const { ds, s } = setup();
    paint(s, () => Dv);
    const img = B.bitmapImage(4n, 1, 1, [S]);
    const msg = DD.decodeSpiceMsgDisplayDrawRop3(
      r(
        B.encodeDrawRop3({
          base: B.displayBase(0, B.rect(1, 1, 2, 2)),
          data: {
            src_bitmap: img,
            src_area: B.rect(0, 0, 1, 1),
            brush: solid(P),
            rop3: code,
            scale_mode: 1,
            mask: B.NO_MASK,
          },
        }),
      ),
    );
    await ds.drawRop3(msg);
    assert.equal(px(s, 1, 1), want, `rop3 0x${code.toString(16)}`);
    assert.equal(alpha(s, 1, 1), 255);
    assert.equal(px(s, 0, 0), Dv);
  }
});

void test('COPY_BITS moves overlapping areas correctly in every direction', async () => {
  for (const [dx, dy] of [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
    [2, 1],
  ] as const) {
    const { ds, s } = setup();
    paint(s, (x, y) => y * 16 + x);
    const box = B.rect(2 + dx, 1 + dy, 6 + dx, 4 + dy);
    await ds.copyBits(
      D.decodeSpiceMsgDisplayCopyBits(
        r(B.encodeCopyBits({ base: B.displayBase(0, box), src_pos: { x: 2, y: 1 } })),
      ),
    );
    for (let y = box.top; y < box.bottom; y++)
      for (let x = box.left; x < box.right; x++)
        assert.equal(px(s, x, y), (y - dy) * 16 + (x - dx), `${dx},${dy} at ${x},${y}`);
    assert.equal(px(s, 0, 0), 0);
  }
});

void test('DRAW_TRANSPARENT skips the key colour (true_color)', async () => {
  const { ds, s } = setup();
  paint(s, () => 0x777777);
  const img = B.bitmapImage(5n, 3, 1, [0x00ff00, 0x112233, 0x00ff00]);
  const msg = DD.decodeSpiceMsgDisplayDrawTransparent(
    r(
      B.encodeDrawTransparent({
        base: B.displayBase(0, B.rect(0, 0, 3, 1)),
        data: { src_bitmap: img, src_area: B.rect(0, 0, 3, 1), src_color: 0, true_color: 0x00ff00 },
      }),
    ),
  );
  await ds.drawTransparent(msg);
  assert.deepEqual(row(s, 0).slice(0, 4), [0x777777, 0x112233, 0x777777, 0x777777]);
});

void test('DRAW_ALPHA_BLEND: constant alpha over an opaque source, and a premultiplied RGBA source', async () => {
  {
    const { ds, s } = setup();
    paint(s, () => 0x000000);
    const img = B.bitmapImage(6n, 1, 1, [0xc8c864]);
    const msg = DD.decodeSpiceMsgDisplayDrawAlphaBlend(
      r(
        B.encodeDrawAlphaBlend({
          base: B.displayBase(0, B.rect(0, 0, 1, 1)),
          data: { alpha_flags: 0, alpha: 128, src_bitmap: img, src_area: B.rect(0, 0, 1, 1) },
        }),
      ),
    );
    await ds.drawAlphaBlend(msg);
    // 200*128/255 = 100.4 → 100; 100*128/255 = 50.2 → 50
    assert.equal(px(s, 0, 0), 0x646432);
  }
  {
    const { ds, s } = setup();
    paint(s, () => 0xffffff);
    // RGBA bitmap: premultiplied half-transparent red (A=0x80, R=0x80)
    const img = B.bitmapImage(7n, 1, 1, [0x80800000]);
    if (img.body.kind === 'bitmap') img.body.bitmap.format = E.SPICE_BITMAP_FMT_RGBA;
    const msg = DD.decodeSpiceMsgDisplayDrawAlphaBlend(
      r(
        B.encodeDrawAlphaBlend({
          base: B.displayBase(0, B.rect(0, 0, 1, 1)),
          data: { alpha_flags: 0, alpha: 255, src_bitmap: img, src_area: B.rect(0, 0, 1, 1) },
        }),
      ),
    );
    await ds.drawAlphaBlend(msg);
    // 0x80 + 255*(127/255) = 0xff red; green/blue 0 + 127
    assert.equal(px(s, 0, 0), 0xff7f7f);
    assert.equal(alpha(s, 0, 0), 255);
  }
});

void test('DRAW_STROKE: thin lines are end-point exclusive, dashes and rops apply', async () => {
  const stroke = (points: [number, number][], attr: DD.SpiceLineAttr, rop = E.SPICE_ROPD_OP_PUT) =>
    DD.decodeSpiceMsgDisplayDrawStroke(
      r(
        B.encodeDrawStroke({
          base: B.displayBase(0, B.rect(0, 0, 8, 6)),
          data: {
            path: {
              segments: [
                {
                  flags: E.SPICE_PATH_BEGIN | E.SPICE_PATH_END,
                  points: points.map(([x, y]) => ({ x: x * 16, y: y * 16 })),
                },
              ],
            },
            attr,
            brush: solid(0xffffff),
            fore_mode: rop,
            back_mode: rop,
          },
        }),
      ),
    );
  {
    const { ds, s } = setup();
    await ds.drawStroke(
      stroke(
        [
          [1, 1],
          [5, 1],
          [5, 4],
        ],
        { flags: 0, style: [] },
      ),
    );
    assert.deepEqual(
      row(s, 1).map((v) => (v ? 1 : 0)),
      [0, 1, 1, 1, 1, 1, 0, 0],
    );
    assert.deepEqual([px(s, 5, 2), px(s, 5, 3), px(s, 5, 4)], [0xffffff, 0xffffff, 0]);
  }
  {
    const { ds, s } = setup();
    await ds.drawStroke(
      stroke(
        [
          [0, 2],
          [8, 2],
        ],
        { flags: E.SPICE_LINE_FLAGS_STYLED, style: [2 * 16, 1 * 16] },
      ),
    );
    assert.deepEqual(
      row(s, 2).map((v) => (v ? 1 : 0)),
      [1, 1, 0, 1, 1, 0, 1, 1],
    );
  }
  {
    // XOR: pixels covered by two segments of one path are painted once
    const { ds, s } = setup();
    await ds.drawStroke(
      stroke(
        [
          [0, 1],
          [4, 1],
          [1, 1],
        ],
        { flags: 0, style: [] },
        E.SPICE_ROPD_OP_XOR,
      ),
    );
    assert.deepEqual(
      row(s, 1).map((v) => (v ? 1 : 0)),
      [1, 1, 1, 1, 1, 0, 0, 0],
    );
  }
});

void test('DRAW_TEXT: A1, A4 and A8 glyphs over a back area', async () => {
  const text = (
    bpp: 1 | 4 | 8,
    data: number[],
    width: number,
    height: number,
    backArea = B.rect(0, 0, 0, 0),
  ) =>
    DD.decodeSpiceMsgDisplayDrawText(
      r(
        B.encodeDrawText({
          base: B.displayBase(0, B.rect(0, 0, 8, 6)),
          data: {
            str: {
              flags:
                bpp === 1
                  ? E.SPICE_STRING_FLAGS_RASTER_A1
                  : bpp === 4
                    ? E.SPICE_STRING_FLAGS_RASTER_A4
                    : E.SPICE_STRING_FLAGS_RASTER_A8,
              bpp,
              glyphs: [
                {
                  render_pos: { x: 2, y: 3 },
                  glyph_origin: { x: 0, y: -2 },
                  width,
                  height,
                  data: Uint8Array.from(data),
                },
              ],
            },
            back_area: backArea,
            fore_brush: solid(0xffffff),
            back_brush: solid(0x0000ff),
            fore_mode: E.SPICE_ROPD_OP_PUT,
            back_mode: E.SPICE_ROPD_OP_PUT,
          },
        }),
      ),
    );
  {
    const { ds, s } = setup();
    // A1, bottom-up rows: data row 0 is the bottom row. bottom = 1000..., top = 0100...
    await ds.drawText(text(1, [0b10000000, 0b01000000], 2, 2, B.rect(0, 0, 8, 6)));
    assert.deepEqual(row(s, 1).slice(1, 5), [0xff, 0xff, 0xffffff, 0xff]);
    assert.deepEqual(row(s, 2).slice(1, 5), [0xff, 0xffffff, 0xff, 0xff]);
  }
  {
    const { ds, s } = setup();
    // A4: one row, two pixels: 0xF and 0x8 → coverage 0xF0 and 0x80 over black
    await ds.drawText(text(4, [0xf8], 2, 1));
    assert.deepEqual(row(s, 1).slice(2, 4), [0xf0f0f0, 0x808080]);
  }
  {
    const { ds, s } = setup();
    await ds.drawText(text(8, [0x40, 0xff], 2, 1));
    assert.deepEqual(row(s, 1).slice(2, 4), [0x404040, 0xffffff]);
  }
});

void test('DRAW_COMPOSITE: OVER with an A8 mask, SRC, ADD; unsupported operators are explicit', async () => {
  const { ds, s } = setup();
  paint(s, () => 0x202020);
  ds.create({ surface_id: 1, width: 2, height: 1, format: E.SPICE_SURFACE_FMT_8_A, flags: 0 });
  // fill the a8 mask surface: 0x80 everywhere (A8 takes the low byte of the colour)
  await ds.drawFill(
    DD.decodeSpiceMsgDisplayDrawFill(
      r(
        B.encodeDrawFill({
          base: B.displayBase(1, B.rect(0, 0, 2, 1)),
          data: { brush: solid(0x80), rop_descriptor: E.SPICE_ROPD_OP_PUT, mask: B.NO_MASK },
        }),
      ),
    ),
  );
  const surfImage = (id: number): SpiceImage => ({
    descriptor: { id: 0n, type: E.SPICE_IMAGE_TYPE_SURFACE, flags: 0, width: 0, height: 0 },
    body: { kind: 'surface', surfaceId: id },
  });
  const comp = (flags: number, src: SpiceImage, mask: SpiceImage | null) =>
    DD.decodeSpiceMsgDisplayDrawComposite(
      r(
        B.encodeDrawComposite({
          base: B.displayBase(0, B.rect(0, 0, 2, 1)),
          data: {
            flags,
            src_bitmap: src,
            mask_bitmap: mask,
            src_transform: null,
            mask_transform: null,
            src_origin: { x: 0, y: 0 },
            mask_origin: { x: 0, y: 0 },
          },
        }),
      ),
    );
  const white = B.bitmapImage(8n, 2, 1, [0xffffff, 0xffffff]);
  await ds.drawComposite(comp(3 | E.SPICE_COMPOSITE_HAS_MASK, white, surfImage(1)));
  // 255*0x80/255 = 0x80; + 0x20*(1-0x80/255) = 0x20*127/255 ≈ 0x10
  assert.deepEqual(row(s, 0).slice(0, 2), [0x909090, 0x909090]);
  await ds.drawComposite(comp(12, B.bitmapImage(9n, 2, 1, [0x010203, 0x010203]), null));
  assert.deepEqual(row(s, 0).slice(0, 2), [0x919293, 0x919293]);
  await ds.drawComposite(comp(1, B.bitmapImage(10n, 2, 1, [0x0a0b0c, 0x0d0e0f]), null));
  assert.deepEqual(row(s, 0).slice(0, 2), [0x0a0b0c, 0x0d0e0f]);
  await assert.rejects(
    ds.drawComposite(comp(0x30, white, null)),
    (e: unknown) => e instanceof SpiceError && e.code === 'unsupported',
  );
});

void test('SURFACE images read another surface; reading the target itself is overlap-safe', async () => {
  const { ds, s } = setup();
  const other = ds.create({
    surface_id: 3,
    width: 2,
    height: 1,
    format: E.SPICE_SURFACE_FMT_32_xRGB,
    flags: 0,
  });
  paint(other, (x) => 0xa0 + x);
  const src: SpiceImage = {
    descriptor: { id: 0n, type: E.SPICE_IMAGE_TYPE_SURFACE, flags: 0, width: 2, height: 1 },
    body: { kind: 'surface', surfaceId: 3 },
  };
  await ds.drawCopy(copyMsg(B.rect(4, 4, 6, 5), src, B.rect(0, 0, 2, 1)));
  assert.deepEqual(row(s, 4).slice(4, 6), [0xa0, 0xa1]);
  paint(s, (x) => x);
  const self: SpiceImage = { ...src, body: { kind: 'surface', surfaceId: 0 } };
  await ds.drawCopy(copyMsg(B.rect(1, 0, 8, 1), self, B.rect(0, 0, 7, 1)));
  assert.deepEqual(row(s, 0), [0, 0, 1, 2, 3, 4, 5, 6]);
});

void test('image cache: CACHE_ME, FROM_CACHE, INVAL, overflow, and images cached even when clipped away', async () => {
  const { ds, s, shared } = setup(8, 6, { cachePixels: 6 });
  const img = B.bitmapImage(42n, 2, 1, [0x111111, 0x222222], E.SPICE_IMAGE_FLAGS_CACHE_ME);
  // clipped away entirely: still decoded and cached (G21)
  await ds.drawCopy(
    DD.decodeSpiceMsgDisplayDrawCopy(
      r(
        B.encodeDrawCopy({
          base: B.displayBase(0, B.rect(0, 0, 2, 1), [B.rect(5, 5, 6, 6)]),
          data: {
            src_bitmap: img,
            src_area: B.rect(0, 0, 2, 1),
            rop_descriptor: 8,
            scale_mode: 1,
            mask: B.NO_MASK,
          },
        }),
      ),
    ),
  );
  assert.equal(px(s, 0, 0), 0);
  assert.ok(shared.imageCache.has(42n));
  const fromCache: SpiceImage = {
    descriptor: { id: 42n, type: E.SPICE_IMAGE_TYPE_FROM_CACHE, flags: 0, width: 2, height: 1 },
    body: { kind: 'none' },
  };
  await ds.drawCopy(copyMsg(B.rect(0, 0, 2, 1), fromCache, B.rect(0, 0, 2, 1)));
  assert.deepEqual(row(s, 0).slice(0, 2), [0x111111, 0x222222]);
  // capacity 6 px: a 2×2 image fits (2 + 4), one more pixel does not
  await ds.drawCopy(
    copyMsg(
      B.rect(0, 0, 1, 1),
      B.bitmapImage(43n, 2, 2, [1, 2, 3, 4], E.SPICE_IMAGE_FLAGS_CACHE_ME),
      B.rect(0, 0, 1, 1),
    ),
  );
  await assert.rejects(
    ds.drawCopy(
      copyMsg(
        B.rect(0, 0, 1, 1),
        B.bitmapImage(44n, 1, 1, [1], E.SPICE_IMAGE_FLAGS_CACHE_ME),
        B.rect(0, 0, 1, 1),
      ),
    ),
    /overflowed the image cache/,
  );
  shared.imageCache.remove(42n);
  await assert.rejects(
    ds.drawCopy(copyMsg(B.rect(0, 0, 2, 1), fromCache, B.rect(0, 0, 2, 1))),
    ProtocolError,
  );
});

void test('palette cache: PAL_CACHE_ME then PAL_FROM_CACHE', async () => {
  const { ds, s } = setup();
  const withPalette: SpiceImage = {
    descriptor: { id: 1n, type: E.SPICE_IMAGE_TYPE_BITMAP, flags: 0, width: 2, height: 1 },
    body: {
      kind: 'bitmap',
      bitmap: {
        format: E.SPICE_BITMAP_FMT_8BIT,
        flags: E.SPICE_BITMAP_FLAGS_TOP_DOWN | E.SPICE_BITMAP_FLAGS_PAL_CACHE_ME,
        x: 2,
        y: 1,
        stride: 2,
        palette: { unique: 99n, ents: Uint32Array.from([0xff0000, 0x00ff00]) },
        paletteId: null,
        data: Uint8Array.from([1, 0]),
      },
    },
  };
  await ds.drawCopy(copyMsg(B.rect(0, 0, 2, 1), withPalette, B.rect(0, 0, 2, 1)));
  assert.deepEqual(row(s, 0).slice(0, 2), [0x00ff00, 0xff0000]);
  const fromCache: SpiceImage = structuredClone(withPalette);
  if (fromCache.body.kind === 'bitmap') {
    fromCache.body.bitmap.flags = E.SPICE_BITMAP_FLAGS_TOP_DOWN | E.SPICE_BITMAP_FLAGS_PAL_FROM_CACHE;
    fromCache.body.bitmap.palette = null;
    fromCache.body.bitmap.paletteId = 99n;
    fromCache.body.bitmap.data = Uint8Array.from([0, 0]);
  }
  await ds.drawCopy(copyMsg(B.rect(0, 1, 2, 2), fromCache, B.rect(0, 0, 2, 1)));
  assert.deepEqual(row(s, 1).slice(0, 2), [0xff0000, 0xff0000]);
  ds.paletteCache.clear();
  await assert.rejects(
    ds.drawCopy(copyMsg(B.rect(0, 1, 2, 2), fromCache, B.rect(0, 0, 2, 1))),
    /palette 99 is not in the palette cache/,
  );
});

void test('an image type without a decoder fails with an explicit unsupported error naming it', async () => {
  const { ds } = setup(8, 6, { decoders: { [E.SPICE_IMAGE_TYPE_GLZ_RGB]: null } });
  const glz: SpiceImage = {
    descriptor: { id: 1n, type: E.SPICE_IMAGE_TYPE_GLZ_RGB, flags: 0, width: 1, height: 1 },
    body: { kind: 'binary', data: new Uint8Array(40) },
  };
  await assert.rejects(ds.drawCopy(copyMsg(B.rect(0, 0, 1, 1), glz, B.rect(0, 0, 1, 1))), (e: unknown) => {
    assert.ok(e instanceof SpiceError);
    assert.equal(e.code, 'unsupported');
    assert.match(e.message, /GLZ_RGB cannot be shown yet/);
    return true;
  });
});

void test('draws on surfaces that do not exist are protocol errors and damage nothing', async () => {
  const { ds, damage } = setup();
  await assert.rejects(
    ds.drawFill({ ...fillMsg(B.rect(0, 0, 1, 1), solid(1), 8), base: B.displayBase(9, B.rect(0, 0, 1, 1)) }),
    ProtocolError,
  );
  assert.deepEqual(damage, []);
});
