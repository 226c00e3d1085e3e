import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeGlz } from '../../../main/spice/decoders/glz';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { decodeJpeg, decodeJpegAlpha } from '../../../main/spice/decoders/jpeg';
import { decodeZlibGlz } from '../../../main/spice/decoders/zlib-glz';
import { ProtocolError } from '../../../main/spice/errors';
import { encodeLzPass, lzHeader } from './lz-test-encoder';
import { bodyOf, loadFixture } from './replay';

const W = 40;
const H = 24;

async function jpegOf(width: number, height: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    raw[i * 3] = (i * 7) & 0xff;
    raw[i * 3 + 1] = 128;
    raw[i * 3 + 2] = (i >> 3) & 0xff;
  }
  return new Uint8Array(
    await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

void test('JPEG decodes to opaque RGBA of the declared size and rejects another size', async () => {
  const jpeg = await jpegOf(W, H);
  const img = await decodeJpeg(jpeg, W, H);
  assert.equal(img.pixels.length, W * H * 4);
  assert.equal(img.hasAlpha, false);
  for (let i = 3; i < img.pixels.length; i += 4) assert.equal(img.pixels[i], 255);
  assert.ok(Math.abs(img.pixels[1]! - 128) < 8); // green channel is flat 128 in the source
  await assert.rejects(decodeJpeg(jpeg, W + 1, H), ProtocolError);
  await assert.rejects(decodeJpeg(new Uint8Array([1, 2, 3, 4, 5]), W, H), ProtocolError);
  await assert.rejects(decodeJpeg(jpeg.subarray(0, jpeg.length >> 1), W, H), ProtocolError);
});

for (const topDown of [true, false]) {
  void test(`JPEG_ALPHA: JPEG colour plus an LZ XXXA plane (${topDown ? 'top-down' : 'bottom-up'})`, async () => {
    const jpeg = await jpegOf(W, H);
    const alpha = Array.from({ length: W * H }, (_, i) => (i % W) * 6);
    const lz = lzHeader(10, W, H, W * 4, topDown);
    encodeLzPass(alpha, 'byte', lz);
    const data = [...jpeg, ...lz];
    const body = new Uint8Array([topDown ? 1 : 0, ...le32(jpeg.length), ...le32(data.length), ...data]);
    const img = await decodeJpegAlpha(body, W, H);
    assert.equal(img.hasAlpha, true);
    const colour = await decodeJpeg(jpeg, W, H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 4;
        assert.equal(img.pixels[o + 3], x * 6);
        assert.equal(img.pixels[o], colour.pixels[o]);
      }
    }
    // flags disagreeing with the plane's own row order, and sizes that do not fit
    body[0] = topDown ? 0 : 1;
    await assert.rejects(decodeJpegAlpha(body, W, H), ProtocolError);
    await assert.rejects(decodeJpegAlpha(body.subarray(0, 8), W, H), ProtocolError);
    const lying = body.slice();
    lying.set(le32(data.length + 1), 5);
    await assert.rejects(decodeJpegAlpha(lying, W, H), ProtocolError);
  });
}

void test('ZLIB_GLZ inflates to a GLZ stream and decodes like it; sizes are enforced', async () => {
  const f = loadFixture('qemu-glz');
  const glzImages = f.index.images.filter((i) => i.type === 102).map((i) => bodyOf(f, i));
  const plain = new GlzWindow(6 << 20);
  const zipped = new GlzWindow(6 << 20);
  for (const glz of glzImages.slice(0, 20)) {
    const z = deflateSync(glz);
    const body = new Uint8Array([...le32(glz.length), ...le32(z.length), ...z]);
    const a = await decodeGlz(glz, plain);
    const b = await decodeZlibGlz(body, zipped);
    assert.deepEqual(b.pixels, a.pixels);
  }
  const glz = glzImages[0]!;
  const z = deflateSync(glz);
  const w = new GlzWindow(6 << 20);
  const mk = (glzSize: number, dataSize: number, bytes: Uint8Array): Uint8Array =>
    new Uint8Array([...le32(glzSize), ...le32(dataSize), ...bytes]);
  await assert.rejects(decodeZlibGlz(mk(glz.length - 1, z.length, z), w), ProtocolError); // inflates past the cap
  await assert.rejects(decodeZlibGlz(mk(glz.length + 1, z.length, z), w), ProtocolError); // inflates short
  await assert.rejects(decodeZlibGlz(mk(glz.length, z.length + 1, z), w), ProtocolError); // data_size too big
  await assert.rejects(decodeZlibGlz(mk(glz.length, z.length - 4, z.subarray(0, -4)), w), ProtocolError); // truncated
  await assert.rejects(decodeZlibGlz(mk(1 << 30, z.length, z), w), ProtocolError); // implausible size
  await assert.rejects(decodeZlibGlz(new Uint8Array(7), w), ProtocolError);
  // a small deflate bomb: 64 MB of zeros declared as 100 bytes
  const bomb = deflateSync(Buffer.alloc(64 << 20));
  await assert.rejects(decodeZlibGlz(mk(100, bomb.length, bomb), w), ProtocolError);
});
