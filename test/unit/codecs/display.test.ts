// Display codecs: real messages from a QEMU capture, round trips of every message through the test builders,
// and a bounded fuzz (mutated real and built messages, random bytes) where only ProtocolError may escape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { ProtocolError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import * as D from '../../../main/spice/codecs/display';
import * as DD from '../../../main/spice/codecs/display-draw';
import type { SpiceImage } from '../../../main/spice/codecs/image';
import * as B from '../../support/display-builders';

const fixtures = join(import.meta.dirname, '../../fixtures/display');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));
const reader = (bytes: Uint8Array): SpiceReader => new SpiceReader(bytes);

void test('real SURFACE_CREATE, MONITORS_CONFIG and DRAW_COPY from a QEMU session decode', () => {
  assert.deepEqual(D.decodeSpiceMsgSurfaceCreate(reader(fixture('session-surface-create.bin'))), {
    surface_id: 0,
    width: 720,
    height: 400,
    format: E.SPICE_SURFACE_FMT_32_xRGB,
    flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
  });
  const mc = D.decodeSpiceMsgDisplayMonitorsConfig(reader(fixture('session-monitors-config.bin')));
  assert.deepEqual(mc, {
    count: 1,
    max_allowed: 1,
    heads: [{ monitor_id: 0, surface_id: 0, width: 720, height: 400, x: 0, y: 0, flags: 0 }],
  });
  const copy = DD.decodeSpiceMsgDisplayDrawCopy(reader(fixture('session-draw-copy.bin')));
  assert.deepEqual(copy.base, { surface_id: 0, box: B.rect(0, 0, 720, 400), clip: { type: 0, rects: [] } });
  assert.deepEqual(copy.data.src_area, B.rect(0, 0, 720, 400));
  assert.equal(copy.data.rop_descriptor, E.SPICE_ROPD_OP_PUT);
  assert.equal(copy.data.scale_mode, E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE);
  assert.equal(copy.data.mask.bitmap, null);
  const img = copy.data.src_bitmap!;
  assert.equal(img.descriptor.type, E.SPICE_IMAGE_TYPE_LZ_RGB);
  assert.equal(img.descriptor.width, 720);
  assert.equal(img.descriptor.height, 400);
  assert.equal(img.body.kind, 'binary');
  if (img.body.kind === 'binary') {
    assert.equal(img.body.data.length, 23861);
    // LZ magic "  ZL" (big-endian 0x20205a4c)
    assert.deepEqual([...img.body.data.subarray(0, 4)], [0x20, 0x20, 0x5a, 0x4c]);
  }
});

void test('DISPLAY_INIT encodes to the 14 bytes spice-gtk sent in the capture', () => {
  const real = fixture('session-display-init.bin');
  const msg = D.decodeSpiceMsgcDisplayInit(reader(real));
  assert.deepEqual(msg, {
    pixmap_cache_id: 1,
    pixmap_cache_size: 20971520,
    glz_dictionary_id: 1,
    glz_dictionary_window_size: 6290432,
  });
  assert.deepEqual(D.encodeSpiceMsgcDisplayInit(new SpiceWriter(), msg).finish(), real);
});

const solid = (color: number): D.SpiceBrush => ({ type: E.SPICE_BRUSH_TYPE_SOLID, color });
const img1 = B.bitmapImage(7n, 2, 2, [0x112233, 0x445566, 0x778899, 0xaabbcc], E.SPICE_IMAGE_FLAGS_CACHE_ME);
const pal: SpiceImage = {
  descriptor: { id: 9n, type: E.SPICE_IMAGE_TYPE_LZ_PLT, flags: 0, width: 4, height: 1 },
  body: {
    kind: 'lz-plt',
    lzPlt: {
      flags: 1,
      palette: { unique: 77n, ents: Uint32Array.from([1, 2, 3]) },
      paletteId: null,
      data: Uint8Array.from([9, 9]),
    },
  },
};
const mask: D.SpiceQMask = { flags: 1, pos: { x: 3, y: -4 }, bitmap: B.maskImage(8n, ['101', '010']) };
const base = B.displayBase(2, B.rect(1, 2, 30, 40), [B.rect(0, 0, 5, 5), B.rect(10, 10, 20, 20)]);

void test('every draw message round-trips through the builders', () => {
  const fill: DD.SpiceMsgDisplayDrawFill = {
    base,
    data: {
      brush: { type: E.SPICE_BRUSH_TYPE_PATTERN, pat: img1, pos: { x: -1, y: 2 } },
      rop_descriptor: 0x48,
      mask,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawFill(reader(B.encodeDrawFill(fill))), fill);

  const copy: DD.SpiceMsgDisplayDrawCopy = {
    base,
    data: {
      src_bitmap: pal,
      src_area: B.rect(0, 0, 4, 1),
      rop_descriptor: 8,
      scale_mode: 1,
      mask: B.NO_MASK,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawCopy(reader(B.encodeDrawCopy(copy))), copy);
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawBlend(reader(B.encodeDrawCopy(copy))), copy);

  const opaque: DD.SpiceMsgDisplayDrawOpaque = {
    base,
    data: {
      src_bitmap: img1,
      src_area: B.rect(0, 0, 2, 2),
      brush: solid(0xff00ff),
      rop_descriptor: 0x10,
      scale_mode: 0,
      mask,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawOpaque(reader(B.encodeDrawOpaque(opaque))), opaque);

  const black: DD.SpiceMsgDisplayDrawBlackness = { base, data: { mask } };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawBlackness(reader(B.encodeDrawMaskOnly(black))), black);
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawInvers(reader(B.encodeDrawMaskOnly(black))), black);

  const rop3: DD.SpiceMsgDisplayDrawRop3 = {
    base,
    data: {
      src_bitmap: img1,
      src_area: B.rect(0, 0, 2, 2),
      brush: { type: 0 },
      rop3: 0x5a,
      scale_mode: 1,
      mask: B.NO_MASK,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawRop3(reader(B.encodeDrawRop3(rop3))), rop3);

  const stroke: DD.SpiceMsgDisplayDrawStroke = {
    base,
    data: {
      path: {
        segments: [
          {
            flags: E.SPICE_PATH_BEGIN,
            points: [
              { x: 16, y: 32 },
              { x: 160, y: 32 },
            ],
          },
          {
            flags: E.SPICE_PATH_END | E.SPICE_PATH_CLOSE | E.SPICE_PATH_BEZIER,
            points: [
              { x: 1, y: 2 },
              { x: 3, y: 4 },
              { x: 5, y: 6 },
            ],
          },
        ],
      },
      attr: { flags: E.SPICE_LINE_FLAGS_STYLED, style: [32, 16, 48] },
      brush: solid(0x123456),
      fore_mode: 8,
      back_mode: 4,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawStroke(reader(B.encodeDrawStroke(stroke))), stroke);

  const text: DD.SpiceMsgDisplayDrawText = {
    base,
    data: {
      str: {
        flags: E.SPICE_STRING_FLAGS_RASTER_A4,
        bpp: 4,
        glyphs: [
          {
            render_pos: { x: 5, y: 6 },
            glyph_origin: { x: 0, y: -3 },
            width: 3,
            height: 2,
            data: Uint8Array.from([1, 2, 3, 4]),
          },
          {
            render_pos: { x: 9, y: 6 },
            glyph_origin: { x: 1, y: -3 },
            width: 1,
            height: 1,
            data: Uint8Array.from([0xf0]),
          },
        ],
      },
      back_area: B.rect(0, 0, 0, 0),
      fore_brush: solid(0xffffff),
      back_brush: { type: 0 },
      fore_mode: 8,
      back_mode: 8,
    },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawText(reader(B.encodeDrawText(text))), text);

  const transparent: DD.SpiceMsgDisplayDrawTransparent = {
    base,
    data: { src_bitmap: img1, src_area: B.rect(0, 0, 2, 2), src_color: 5, true_color: 0x00ff00 },
  };
  assert.deepEqual(
    DD.decodeSpiceMsgDisplayDrawTransparent(reader(B.encodeDrawTransparent(transparent))),
    transparent,
  );

  const alpha: DD.SpiceMsgDisplayDrawAlphaBlend = {
    base,
    data: { alpha_flags: 3, alpha: 128, src_bitmap: img1, src_area: B.rect(0, 0, 2, 2) },
  };
  assert.deepEqual(DD.decodeSpiceMsgDisplayDrawAlphaBlend(reader(B.encodeDrawAlphaBlend(alpha))), alpha);

  const composite: DD.SpiceMsgDisplayDrawComposite = {
    base,
    data: {
      flags: 3 | E.SPICE_COMPOSITE_HAS_MASK | E.SPICE_COMPOSITE_HAS_SRC_TRANSFORM,
      src_bitmap: img1,
      mask_bitmap: {
        descriptor: { id: 3n, type: E.SPICE_IMAGE_TYPE_SURFACE, flags: 0, width: 4, height: 4 },
        body: { kind: 'surface', surfaceId: 4 },
      },
      src_transform: { t00: 65536, t01: 0, t02: 0xffff0000, t10: 0, t11: 65536, t12: 3 },
      mask_transform: null,
      src_origin: { x: -2, y: 3 },
      mask_origin: { x: 4, y: -5 },
    },
  };
  assert.deepEqual(
    DD.decodeSpiceMsgDisplayDrawComposite(reader(B.encodeDrawComposite(composite))),
    composite,
  );
});

void test('non-drawing messages round-trip', () => {
  const bits: D.SpiceMsgDisplayCopyBits = { base, src_pos: { x: 3, y: 4 } };
  assert.deepEqual(D.decodeSpiceMsgDisplayCopyBits(reader(B.encodeCopyBits(bits))), bits);
  assert.deepEqual(D.decodeSpiceResourceList(reader(B.encodeInvalList([1n, 2n ** 63n]))), {
    resources: [
      { type: 1, id: 1n },
      { type: 1, id: 2n ** 63n },
    ],
  });
  assert.deepEqual(
    D.decodeSpiceMsgWaitForChannels(reader(B.encodeInvalAllPixmaps([{ type: 2, id: 1, serial: 99n }]))),
    {
      wait_list: [{ channel_type: 2, channel_id: 1, message_serial: 99n }],
    },
  );
  const sc: D.SpiceMsgDisplayStreamCreate = {
    surface_id: 0,
    id: 3,
    flags: 1,
    codec_type: 1,
    stamp: 12345n,
    stream_width: 64,
    stream_height: 32,
    src_width: 64,
    src_height: 32,
    dest: B.rect(10, 10, 74, 42),
    clip: { type: 1, rects: [B.rect(10, 10, 40, 40)] },
  };
  assert.deepEqual(D.decodeSpiceMsgDisplayStreamCreate(reader(B.encodeStreamCreate(sc))), sc);
  const sd = D.decodeSpiceMsgDisplayStreamData(
    reader(B.encodeStreamData(3, 777, Uint8Array.from([1, 2, 3]))),
  );
  assert.deepEqual(sd, { base: { id: 3, multi_media_time: 777 }, data: Uint8Array.from([1, 2, 3]) });
});

void test('hostile counts and pointers are rejected before allocation', () => {
  // clip claims 2^32-1 rects
  const w = new SpiceWriter();
  w.u32(0).i32(0).i32(0).i32(1).i32(1).u8(1).u32(0xffffffff);
  assert.throws(() => D.decodeDisplayBase(reader(w.finish())), ProtocolError);
  // image pointer past the end
  const copy = fixture('session-draw-copy.bin').slice();
  new DataView(copy.buffer).setUint32(21, copy.length + 10, true);
  assert.throws(() => DD.decodeSpiceMsgDisplayDrawCopy(reader(copy)), ProtocolError);
  // image data_size larger than the message
  const big = fixture('session-draw-copy.bin').slice();
  new DataView(big.buffer).setUint32(75, 0x7fffffff, true);
  assert.throws(() => DD.decodeSpiceMsgDisplayDrawCopy(reader(big)), ProtocolError);
  // unknown clip type and brush type
  assert.throws(() => D.decodeClip(reader(Uint8Array.from([7]))), ProtocolError);
  assert.throws(() => D.decodeBrush(reader(Uint8Array.from([9]))), ProtocolError);
});

/** xorshift32: deterministic fuzz input. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const decoders: ((r: SpiceReader) => unknown)[] = [
  DD.decodeSpiceMsgDisplayDrawFill,
  DD.decodeSpiceMsgDisplayDrawOpaque,
  DD.decodeSpiceMsgDisplayDrawCopy,
  DD.decodeSpiceMsgDisplayDrawBlackness,
  DD.decodeSpiceMsgDisplayDrawRop3,
  DD.decodeSpiceMsgDisplayDrawStroke,
  DD.decodeSpiceMsgDisplayDrawText,
  DD.decodeSpiceMsgDisplayDrawTransparent,
  DD.decodeSpiceMsgDisplayDrawAlphaBlend,
  DD.decodeSpiceMsgDisplayDrawComposite,
  D.decodeSpiceMsgDisplayCopyBits,
  D.decodeSpiceResourceList,
  D.decodeSpiceMsgWaitForChannels,
  D.decodeSpiceMsgSurfaceCreate,
  D.decodeSpiceMsgDisplayMonitorsConfig,
  D.decodeSpiceMsgDisplayStreamCreate,
  D.decodeSpiceMsgDisplayStreamData,
  D.decodeSpiceMsgDisplayStreamDataSized,
  D.decodeSpiceMsgDisplayStreamClip,
];

void test('fuzz: mutated and random messages only ever throw ProtocolError', () => {
  const next = rng(0x5eed);
  const seeds: Uint8Array[] = [
    fixture('session-draw-copy.bin').subarray(0, 200),
    fixture('session-monitors-config.bin'),
    fixture('session-surface-create.bin'),
    B.encodeDrawFill({
      base,
      data: { brush: { type: 2, pat: img1, pos: { x: 0, y: 0 } }, rop_descriptor: 8, mask },
    }),
    B.encodeDrawText({
      base,
      data: {
        str: {
          flags: 1,
          bpp: 1,
          glyphs: [
            {
              render_pos: { x: 1, y: 1 },
              glyph_origin: { x: 0, y: 0 },
              width: 8,
              height: 2,
              data: Uint8Array.from([255, 1]),
            },
          ],
        },
        back_area: B.rect(0, 0, 0, 0),
        fore_brush: solid(1),
        back_brush: solid(2),
        fore_mode: 8,
        back_mode: 8,
      },
    }),
    B.encodeDrawStroke({
      base,
      data: {
        path: { segments: [{ flags: 1, points: [{ x: 0, y: 0 }] }] },
        attr: { flags: 8, style: [1, 2] },
        brush: solid(3),
        fore_mode: 8,
        back_mode: 8,
      },
    }),
  ];
  let decoded = 0;
  for (let i = 0; i < 4000; i++) {
    let bytes: Uint8Array;
    if (i % 4 === 3) {
      bytes = new Uint8Array(next() % 96);
      for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
    } else {
      bytes = seeds[next() % seeds.length]!.slice();
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[next() % bytes.length] = next() & 0xff;
      if (next() % 5 === 0) bytes = bytes.subarray(0, next() % (bytes.length + 1));
    }
    for (const decode of decoders) {
      try {
        decode(reader(bytes));
        decoded++;
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
      }
    }
  }
  assert.ok(decoded > 1000, `some inputs decode (${decoded})`);
});
