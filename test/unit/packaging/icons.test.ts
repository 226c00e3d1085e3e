// Every icon the packages use is generated from resources/icon.svg by scripts/gen-icons.mjs: the committed files
// are exactly what the generator makes now, and the .ico / .icns containers hold PNG images of the sizes their
// directories declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

interface IconGenerator {
  generateIcons(): Promise<Map<string, Buffer>>;
  ICO_SIZES: number[];
  ICNS_TYPES: [string, number][];
}

async function generator(): Promise<IconGenerator> {
  return (await import(join(ROOT, 'scripts', 'gen-icons.mjs'))) as IconGenerator;
}

async function pngSize(png: Buffer): Promise<[number | undefined, number | undefined]> {
  assert.ok(png.subarray(0, 4).equals(PNG_MAGIC), 'a PNG image');
  const meta = await sharp(png).metadata();
  return [meta.width, meta.height];
}

void test('the committed icons are what scripts/gen-icons.mjs renders from resources/icon.svg', async () => {
  const files = await (await generator()).generateIcons();
  assert.ok(files.size >= 11);
  for (const [rel, bytes] of files) {
    assert.ok(
      readFileSync(join(ROOT, 'resources', rel)).equals(bytes),
      `resources/${rel} is up to date (npm run icons)`,
    );
  }
});

void test('icon.ico: one PNG entry per size, each the size its directory entry declares', async () => {
  const { ICO_SIZES } = await generator();
  const ico = readFileSync(join(ROOT, 'resources', 'icon.ico'));
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1], 'ICONDIR of type icon');
  const count = ico.readUInt16LE(4);
  assert.equal(count, ICO_SIZES.length);
  for (let i = 0; i < count; i++) {
    const e = 6 + 16 * i;
    const declared = ico.readUInt8(e) || 256;
    const png = ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8));
    assert.deepEqual(await pngSize(png), [declared, declared]);
  }
});

void test('icon.icns: its length adds up and every element is a PNG of its type’s size', async () => {
  const { ICNS_TYPES } = await generator();
  const icns = readFileSync(join(ROOT, 'resources', 'icon.icns'));
  assert.equal(icns.toString('latin1', 0, 4), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  const sizes = new Map(ICNS_TYPES);
  const seen: string[] = [];
  for (let off = 8; off < icns.length;) {
    const type = icns.toString('latin1', off, off + 4);
    const len = icns.readUInt32BE(off + 4);
    const size = sizes.get(type);
    assert.ok(size, `known element type ${type}`);
    assert.deepEqual(await pngSize(icns.subarray(off + 8, off + len)), [size, size], type);
    seen.push(type);
    off += len;
  }
  assert.deepEqual(
    seen,
    ICNS_TYPES.map(([t]) => t),
  );
});
