// Decoders against real server output: captures of QEMU 7.2 / spice-server 0.15.1 sessions (see
// test/fixtures/images/PROVENANCE.md), replayed in wire order and composited, compared with QEMU's screendump or
// spice-gtk's decoded output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeLz } from '../../../main/spice/decoders/lz';
import { FIXTURES, bodyOf, loadFixture, readPngRgb, replay } from './replay';

const LOSSLESS: [string, string[]][] = [
  ['qemu-lz', ['lz_rgb']],
  ['qemu-glz', ['lz_rgb', 'glz_rgb']],
  ['qemu-zlib-glz', ['glz_rgb', 'zlib_glz_rgb']],
  ['qemu-lz4', ['lz4']],
  ['qemu-bitmap', ['bitmap']],
  ['qemu-quic', ['quic']],
];

for (const [name, types] of LOSSLESS) {
  void test(`${name}: every image decodes and the composite equals QEMU's screendump exactly`, async () => {
    const f = loadFixture(name);
    const { surface, counts } = await replay(f);
    for (const t of types)
      assert.ok((counts[t] ?? 0) > 0, `no ${t} images in ${name}: ${JSON.stringify(counts)}`);
    const want = await readPngRgb(join(FIXTURES, name, 'screendump.png'));
    assert.equal(surface.width, want.width);
    assert.equal(surface.height, want.height);
    let differing = 0;
    for (let i = 0; i < want.rgb.length; i++) if (surface.rgb[i] !== want.rgb[i]) differing++;
    assert.equal(differing, 0, `${differing} channel values differ`);
  });
}

void test('qemu-jpeg: JPEG images decode to the screendump within lossy tolerance', async () => {
  const f = loadFixture('qemu-jpeg');
  const { surface, counts } = await replay(f);
  assert.ok((counts.jpeg ?? 0) > 10, JSON.stringify(counts));
  const want = await readPngRgb(join(FIXTURES, 'qemu-jpeg', 'screendump.png'));
  let sum = 0;
  let max = 0;
  for (let i = 0; i < want.rgb.length; i++) {
    const d = Math.abs(surface.rgb[i]! - want.rgb[i]!);
    sum += d;
    if (d > max) max = d;
  }
  const mean = sum / want.rgb.length;
  assert.ok(mean < 1, `mean abs error ${mean}`);
  assert.ok(max < 64, `max abs error ${max}`);
});

for (const name of ['capture-session', 'capture-cap-glz']) {
  void test(`${name}: the LZ_RGB screen equals spice-gtk's decoded PNG`, async () => {
    const f = loadFixture(name);
    const img = f.index.images.find((i) => i.type === 101)!;
    const out = decodeLz(bodyOf(f, img));
    const want = await readPngRgb(join(FIXTURES, name, 'expected.png'));
    assert.equal(out.width, want.width);
    assert.equal(out.height, want.height);
    for (let p = 0; p < out.width * out.height; p++) {
      for (let c = 0; c < 3; c++) {
        if (out.pixels[p * 4 + c] !== want.rgb[p * 3 + c]) assert.fail(`pixel ${p} channel ${c} differs`);
      }
    }
  });
}
