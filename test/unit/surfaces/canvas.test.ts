// Canvas building blocks: rop descriptor reduction against spice-common's table, rop3 identities, colour
// conversion per surface format, regions, and copy-bits with several clip rectangles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import * as R from '../../../main/spice/surfaces/rop';
import { Canvas, colorToPixel } from '../../../main/spice/surfaces/canvas';
import { Surface } from '../../../main/spice/surfaces/surface';
import { regionFromRects, intersectRegions } from '../../../main/spice/surfaces/region';

const { SPICE_ROPD_INVERS_SRC: IS, SPICE_ROPD_INVERS_DEST: ID, SPICE_ROPD_INVERS_RES: IR } = E;

void test('ropdToRop matches spice-common ropd_descriptor_to_rop for every operator and inversion', () => {
  // [operator, inversion bits, expected SpiceROP] transcribed from canvas_base.c's comments
  const table: [number, number, number][] = [
    [E.SPICE_ROPD_OP_PUT, 0, R.ROP_COPY],
    [E.SPICE_ROPD_OP_PUT, IS, R.ROP_COPY_INVERTED],
    [E.SPICE_ROPD_OP_PUT, IR, R.ROP_COPY_INVERTED],
    [E.SPICE_ROPD_OP_PUT, IS | IR, R.ROP_COPY],
    [E.SPICE_ROPD_OP_OR, 0, R.ROP_OR],
    [E.SPICE_ROPD_OP_OR, ID, R.ROP_OR_REVERSE],
    [E.SPICE_ROPD_OP_OR, IS, R.ROP_OR_INVERTED],
    [E.SPICE_ROPD_OP_OR, IS | ID, R.ROP_NAND],
    [E.SPICE_ROPD_OP_OR, IR, R.ROP_NOR],
    [E.SPICE_ROPD_OP_OR, IR | ID, R.ROP_AND_INVERTED],
    [E.SPICE_ROPD_OP_OR, IR | IS, R.ROP_AND_REVERSE],
    [E.SPICE_ROPD_OP_OR, IR | IS | ID, R.ROP_AND],
    [E.SPICE_ROPD_OP_AND, 0, R.ROP_AND],
    [E.SPICE_ROPD_OP_AND, ID, R.ROP_AND_REVERSE],
    [E.SPICE_ROPD_OP_AND, IS, R.ROP_AND_INVERTED],
    [E.SPICE_ROPD_OP_AND, IS | ID, R.ROP_NOR],
    [E.SPICE_ROPD_OP_AND, IR, R.ROP_NAND],
    [E.SPICE_ROPD_OP_AND, IR | ID, R.ROP_OR_INVERTED],
    [E.SPICE_ROPD_OP_AND, IR | IS, R.ROP_OR_REVERSE],
    [E.SPICE_ROPD_OP_AND, IR | IS | ID, R.ROP_OR],
    [E.SPICE_ROPD_OP_XOR, 0, R.ROP_XOR],
    [E.SPICE_ROPD_OP_XOR, ID, R.ROP_EQUIV],
    [E.SPICE_ROPD_OP_XOR, IS, R.ROP_EQUIV],
    [E.SPICE_ROPD_OP_XOR, IS | ID, R.ROP_XOR],
    [E.SPICE_ROPD_OP_XOR, IR, R.ROP_EQUIV],
    [E.SPICE_ROPD_OP_XOR, IR | ID, R.ROP_XOR],
    [E.SPICE_ROPD_OP_XOR, IR | IS, R.ROP_XOR],
    [E.SPICE_ROPD_OP_XOR, IR | IS | ID, R.ROP_EQUIV],
    [E.SPICE_ROPD_OP_BLACKNESS, 0, R.ROP_CLEAR],
    [E.SPICE_ROPD_OP_WHITENESS, IS, R.ROP_SET],
    [E.SPICE_ROPD_OP_INVERS, 0, R.ROP_INVERT],
    [0, 0, R.ROP_COPY],
  ];
  for (const [op, inv, want] of table) {
    assert.equal(R.ropdToRop(op | inv, 'src', 'dest'), want, `op ${op} inv ${inv}`);
  }
  // fill maps INVERS_BRUSH onto the source operand and ignores INVERS_SRC
  assert.equal(
    R.ropdToRop(E.SPICE_ROPD_OP_PUT | E.SPICE_ROPD_INVERS_BRUSH, 'brush', 'dest'),
    R.ROP_COPY_INVERTED,
  );
  assert.equal(R.ropdToRop(E.SPICE_ROPD_OP_PUT | IS, 'brush', 'dest'), R.ROP_COPY);
  // opaque: the "dest" operand is the source
  assert.equal(R.ropdToRop(E.SPICE_ROPD_OP_OR | IS, 'brush', 'src'), R.ROP_OR_REVERSE);
});

void test('rop2 and rop3 agree with their truth tables; the fast rop3 cases equal the generic form', () => {
  const p = 0xf0f0f0f0 | 0;
  const s = 0xcccccccc | 0;
  const d = 0xaaaaaaaa | 0;
  for (let code = 0; code < 256; code++) {
    // With P/S/D set to the canonical patterns, any rop3 returns its own code in every byte.
    const v = R.rop3(code, p, s, d) & 0xff;
    assert.equal(v, code, `rop3 0x${code.toString(16)}`);
    assert.equal(
      R.rop3(code, 0x12345678, 0x9abcdef0 | 0, 0x0f1e2d3c) | 0,
      R.rop3Generic(code, 0x12345678, 0x9abcdef0 | 0, 0x0f1e2d3c) | 0,
    );
  }
  for (let rop = 0; rop < 16; rop++) {
    for (let sb = 0; sb < 2; sb++)
      for (let db = 0; db < 2; db++) {
        const want = (rop >> (((1 - sb) << 1) | (1 - db))) & 1;
        assert.equal(R.rop2(rop, sb ? -1 : 0, db ? -1 : 0) & 1, want, `rop ${rop} s=${sb} d=${db}`);
      }
  }
});

void test('colours convert per surface format', () => {
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_32_xRGB, 0x00123456), 0xff563412);
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_32_ARGB, 0x80123456), 0x80563412);
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_8_A, 0x000000c0), 0xc0000000);
  // 555: each channel keeps its top 5 bits, widened by bit replication (v << 3 | v >> 2)
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_16_555, 0x00ffffff), 0xffffffff);
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_16_555, 0x00080808), 0xff080808);
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_16_555, 0x00ff0000), 0xff0000ff);
  assert.equal(colorToPixel(E.SPICE_SURFACE_FMT_16_565, 0x00000400), 0xff000400 >>> 0);
});

void test('regions: overlapping clip rects become disjoint; copy-bits through several rects is overlap-safe', () => {
  const reg = regionFromRects([
    { left: 0, top: 0, right: 4, bottom: 4 },
    { left: 2, top: 2, right: 6, bottom: 6 },
  ]);
  let area = 0;
  for (const r of reg) area += (r.right - r.left) * (r.bottom - r.top);
  assert.equal(area, 16 + 16 - 4);
  for (let i = 0; i < reg.length; i++)
    for (let j = i + 1; j < reg.length; j++) assert.equal(intersectRegions([reg[i]!], [reg[j]!]).length, 0);

  const s = new Surface(0, 8, 1, E.SPICE_SURFACE_FMT_32_xRGB, true);
  for (let x = 0; x < 8; x++) s.data32[x] = 0xff000000 | x;
  new Canvas(s).copyBits(
    [
      { left: 1, top: 0, right: 4, bottom: 1 },
      { left: 4, top: 0, right: 8, bottom: 1 },
    ],
    1,
    0,
  );
  assert.deepEqual(
    [...s.data32].map((v) => v & 0xff),
    [0, 0, 1, 2, 3, 4, 5, 6],
  );
});

void test('XOR on an A8 surface keeps only the alpha byte; ARGB surfaces keep alpha', () => {
  const a8 = new Surface(1, 2, 1, E.SPICE_SURFACE_FMT_8_A);
  const c = new Canvas(a8);
  c.fill([{ left: 0, top: 0, right: 2, bottom: 1 }], { kind: 'solid', pixel: c.pixel(0xf0) }, R.ROP_COPY);
  c.fill([{ left: 0, top: 0, right: 1, bottom: 1 }], { kind: 'solid', pixel: 0 }, R.ROP_INVERT);
  assert.deepEqual([...a8.data32], [0x0f000000, 0xf0000000]);
  const argb = new Surface(2, 1, 1, E.SPICE_SURFACE_FMT_32_ARGB);
  const c2 = new Canvas(argb);
  c2.fill(
    [{ left: 0, top: 0, right: 1, bottom: 1 }],
    { kind: 'solid', pixel: c2.pixel(0x40102030) },
    R.ROP_COPY,
  );
  assert.equal(argb.data32[0], 0x40302010);
});
