import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGlz, readGlzHeader } from '../../../main/spice/decoders/glz';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { ProtocolError } from '../../../main/spice/errors';
import { bodyOf, loadFixture } from './replay';
import { lzHeader, rng32, u32be } from './lz-test-encoder';

/** A window that records which image ids the decoder looked up. */
class RecordingWindow extends GlzWindow {
  readonly lookups = new Set<number>();
  override get(id: number): ReturnType<GlzWindow['get']> {
    this.lookups.add(id);
    return super.get(id);
  }
}

function glzImages(): { id: number; body: Uint8Array }[] {
  const f = loadFixture('qemu-glz');
  return f.index.images
    .filter((i) => i.type === 102)
    .map((i) => ({ id: readGlzHeader(bodyOf(f, i)).id, body: bodyOf(f, i) }));
}

void test('real GLZ images reference earlier images through the window', async () => {
  const imgs = glzImages();
  assert.ok(imgs.length > 100);
  const w = new RecordingWindow(6 << 20);
  for (const { body } of imgs) await decodeGlz(body, w);
  assert.ok(w.lookups.size > 10, `only ${w.lookups.size} images referenced`);
});

void test('a reference to an image not received yet waits for it (out of order across channels)', async () => {
  const imgs = glzImages();
  // Find the first image k that references some earlier image r, with r > 0.
  const inOrder = new Map<number, Uint8Array>();
  const refsOf = new Map<number, Set<number>>();
  {
    const w = new RecordingWindow(6 << 20);
    for (const { id, body } of imgs) {
      w.lookups.clear();
      inOrder.set(id, (await decodeGlz(body, w)).pixels.slice());
      refsOf.set(id, new Set(w.lookups));
    }
  }
  const k = imgs.findIndex(({ id }) => [...refsOf.get(id)!].some((r) => r !== id && r > imgs[0]!.id));
  assert.ok(k > 0);
  const r = Math.max(...refsOf.get(imgs[k]!.id)!);
  const ri = imgs.findIndex((x) => x.id === r);
  assert.ok(ri >= 0 && ri < k);
  // Images between r and k that reference r would also block; require none do.
  for (let i = ri + 1; i < k; i++) assert.ok(!refsOf.get(imgs[i]!.id)!.has(r));

  const w = new GlzWindow(6 << 20, { waitTimeoutMs: 5000 });
  for (let i = 0; i < k; i++) if (i !== ri) await decodeGlz(imgs[i]!.body, w);
  let settled = false;
  const pending = decodeGlz(imgs[k]!.body, w).then((img) => {
    settled = true;
    return img;
  });
  await new Promise((res) => setImmediate(res));
  assert.equal(settled, false, 'decode must wait for the missing image');
  await decodeGlz(imgs[ri]!.body, w);
  const img = await pending;
  assert.deepEqual(img.pixels, inOrder.get(imgs[k]!.id));
});

void test('a missing image times out with ProtocolError; reset fails pending waits', async () => {
  const imgs = glzImages();
  // image 0 is never added: any image that references it must fail.
  const w = new GlzWindow(6 << 20, { waitTimeoutMs: 30 });
  const rw = new RecordingWindow(6 << 20);
  let victim: Uint8Array | undefined;
  for (const { body } of imgs) {
    rw.lookups.clear();
    await decodeGlz(body, rw);
    if (rw.lookups.has(imgs[0]!.id) && victim === undefined && body !== imgs[0]!.body) victim = body;
  }
  assert.ok(victim);
  await assert.rejects(decodeGlz(victim, w), ProtocolError);
  const w2 = new GlzWindow(6 << 20, { waitTimeoutMs: 60_000 });
  const p = decodeGlz(victim, w2);
  await new Promise((res) => setImmediate(res));
  w2.reset();
  await assert.rejects(p, ProtocolError);
});

// --- synthetic streams (hand-assembled) ---

function glzHeader(
  type: number,
  topDown: boolean,
  w: number,
  h: number,
  id: number,
  headDist: number,
): number[] {
  const out: number[] = [];
  u32be(out, 0x20205a4c);
  u32be(out, 0x00010001);
  out.push(type | (topDown ? 0x10 : 0));
  u32be(out, w);
  u32be(out, h);
  u32be(out, w * 4);
  u32be(out, 0);
  u32be(out, id);
  u32be(out, headDist);
  return out;
}

void test('GLZ references: in-image runs, cross-image copies, retirement and the bottom-up flip', async () => {
  const w = new GlzWindow(1 << 20);
  // image 0: 4x2, literal 8 pixels (B,G,R) = 1..8 as red
  const lits = [7, ...Array.from({ length: 8 }, (_, i) => [0, 0, i + 1]).flat()];
  const img0 = await decodeGlz(new Uint8Array([...glzHeader(8, true, 4, 2, 0, 0), ...lits]), w);
  assert.deepEqual([...img0.pixels.subarray(0, 8)], [1, 0, 0, 255, 2, 0, 0, 255]);
  // image 1: 4x2 bottom-up: copy 8 pixels from image 0 offset 0 (dist 1): ctrl = len 7 (ext 1) | pixel_flag 0
  // ctrl: (7<<5) | 0, ext byte 1 → len 8; offset byte 0; dist byte: flag 0, dist 1
  const img1 = await decodeGlz(new Uint8Array([...glzHeader(8, false, 4, 2, 1, 0), 0xe0, 1, 0, 1]), w);
  // stream order equals image 0; display order flips the two rows
  assert.deepEqual([...img1.pixels.subarray(0, 4)], [5, 0, 0, 255]);
  assert.deepEqual([...img1.pixels.subarray(16, 20)], [1, 0, 0, 255]);
  // image 1's win_head_dist 0 retires everything older than image 1
  assert.equal(w.has(0), false);
  assert.equal(w.has(1), true);
  await assert.rejects(
    decodeGlz(new Uint8Array([...glzHeader(8, true, 4, 2, 2, 2), 0xe0, 1, 0, 2]), w),
    ProtocolError,
  );
  // an in-image run: 1 literal then ctrl len 7 (+0) → 7 pixels, offset 0 (+1 bias) = run of the previous pixel
  const run = await decodeGlz(
    new Uint8Array([...glzHeader(8, true, 4, 2, 3, 3), 0, 9, 8, 7, 0xe0, 0, 0, 0]),
    w,
  );
  for (let i = 0; i < 8; i++) assert.deepEqual([...run.pixels.subarray(i * 4, i * 4 + 4)], [7, 8, 9, 255]);
});

void test('GLZ literal runs of every length (32-pixel blocks back to back) decode bit-exact, both row orders', async () => {
  const w = new GlzWindow(1 << 20);
  const r = rng32(31);
  const width = 37;
  const height = 20;
  const n = width * height;
  const px = Array.from({ length: n }, () => Math.floor(r() * 0x1000000)); // 0xRRGGBB
  const lengths = [32, 32, 32, ...Array.from({ length: 31 }, (_, i) => i + 1)];
  const body: number[] = [];
  for (let i = 0, k = 0; i < n; k++) {
    const c = Math.min(lengths[k % lengths.length]!, n - i);
    body.push(c - 1);
    for (let j = 0; j < c; j++) body.push(px[i + j]! & 0xff, (px[i + j]! >> 8) & 0xff, px[i + j]! >> 16);
    i += c;
  }
  for (const [id, topDown] of [
    [0, true],
    [1, false],
  ] as const) {
    const img = await decodeGlz(new Uint8Array([...glzHeader(8, topDown, width, height, id, 1), ...body]), w);
    const want = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const y = Math.floor(i / width);
      const o = ((topDown ? y : height - 1 - y) * width + (i % width)) * 4;
      want.set([px[i]! >> 16, (px[i]! >> 8) & 0xff, px[i]! & 0xff, 255], o);
    }
    assert.deepEqual(img.pixels, want);
  }
});

void test('GLZ RGBA: colour and alpha passes, alpha copied from the referenced image', async () => {
  const w = new GlzWindow(1 << 20);
  const rgb = [3, ...Array.from({ length: 4 }, () => [1, 2, 3]).flat()];
  const alpha = [3, 10, 20, 30, 40];
  const a = await decodeGlz(new Uint8Array([...glzHeader(9, true, 2, 2, 0, 0), ...rgb, ...alpha]), w);
  assert.equal(a.hasAlpha, true);
  assert.deepEqual([...a.pixels], [3, 2, 1, 10, 3, 2, 1, 20, 3, 2, 1, 30, 3, 2, 1, 40]);
  // RGBA image 1 copies 4 colour pixels (len 4 = ctrl 4<<5) and 4 alpha values (len 2+2) from image 0
  const b = await decodeGlz(new Uint8Array([...glzHeader(9, true, 2, 2, 1, 1), 0x80, 0, 1, 0x40, 0, 1]), w);
  assert.deepEqual([...b.pixels], [...a.pixels]);
  // an opaque RGB32 image copying from an RGBA image stays opaque
  const c = await decodeGlz(new Uint8Array([...glzHeader(8, true, 2, 2, 2, 2), 0x80, 0, 2]), w);
  assert.deepEqual([...c.pixels], [3, 2, 1, 255, 3, 2, 1, 255, 3, 2, 1, 255, 3, 2, 1, 255]);
});

void test('malformed GLZ payloads are rejected with ProtocolError', async () => {
  const w = new GlzWindow(1 << 20, { waitTimeoutMs: 10 });
  const bad: number[][] = [
    glzHeader(8, true, 4, 2, 0, 0).slice(0, 20),
    [...glzHeader(5, true, 4, 2, 0, 0), 0], // palette type
    [...glzHeader(8, true, 4, 2, 0, 0), 0x20, 0, 0], // in-image reference before the first pixel
    [...glzHeader(8, true, 4, 2, 0, 0), 7, 1, 2], // truncated literals
    [...glzHeader(8, true, 1 << 16, 1 << 16, 0, 0), 0], // beyond the dictionary cap
    [...glzHeader(8, true, 2, 1, 5, 0), 0x20, 0, 9], // reference to image −4
    [...glzHeader(8, true, 2, 1, 0, 0), 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], // more pixels than the image
  ];
  for (const b of bad) await assert.rejects(decodeGlz(new Uint8Array(b), w), ProtocolError);
  // an LZ (not GLZ) header is not accepted either
  await assert.rejects(
    decodeGlz(new Uint8Array([...lzHeader(8, 2, 2, 8, true), 0, 0, 0, 0, 0]), w),
    ProtocolError,
  );
});

void test('the window bounds memory and evicts the oldest images', () => {
  const w = new GlzWindow(0, { capPixels: 100 });
  w.add(0, 0, new Uint32Array(60), false);
  w.add(1, 5, new Uint32Array(60), false);
  assert.equal(w.has(0), false);
  assert.equal(w.has(1), true);
  assert.ok(w.pixelCount <= 100);
  assert.throws(() => w.add(2, 0, new Uint32Array(101), false), ProtocolError);
});

/** The retirement and eviction rules written the plain way (every id, sorted), as the model the window must match. */
class ModelWindow {
  readonly sizes = new Map<number, number>();
  readonly dists = new Map<number, number>();
  stored = 0;
  tail: number | undefined;
  retiredBelow = 0;
  constructor(readonly cap: number) {}
  add(id: number, dist: number, size: number): void {
    this.stored -= this.sizes.get(id) ?? 0;
    this.sizes.set(id, size);
    this.dists.set(id, dist);
    this.stored += size;
    if (this.tail === undefined || (id < this.tail && this.sizes.size === 1)) this.tail = id;
    while (this.sizes.has(this.tail)) this.tail++;
    const d = this.dists.get(this.tail - 1);
    if (d !== undefined && this.tail - 1 - d > this.retiredBelow) {
      this.retiredBelow = this.tail - 1 - d;
      for (const k of [...this.sizes.keys()]) if (k < this.retiredBelow) this.drop(k);
    }
    for (const k of [...this.sizes.keys()].sort((a, b) => a - b)) {
      if (this.stored <= this.cap) break;
      if (k === id) continue;
      this.drop(k);
      if (k + 1 > this.retiredBelow) this.retiredBelow = k + 1;
    }
  }
  drop(k: number): void {
    this.stored -= this.sizes.get(k)!;
    this.sizes.delete(k);
    this.dists.delete(k);
  }
}

void test('retirement and eviction match the plain model for in-order, out-of-order and sparse ids', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const random = rng32(seed);
    const next = (): number => Math.floor(random() * 2 ** 31);
    const cap = 200 + (next() % 400);
    const w = new GlzWindow(0, { capPixels: cap });
    const model = new ModelWindow(cap);
    let id = next() % 5;
    for (let step = 0; step < 400; step++) {
      const r = next() % 100;
      // mostly the next id; sometimes a swap (out of order), a gap, a far jump, or an old id again
      const thisId =
        r < 70
          ? id++
          : r < 80
            ? id + 1 + (next() % 3)
            : r < 85
              ? (id += 1000)
              : r < 88
                ? id + 1e6
                : Math.max(0, id - 1 - (next() % 8));
      const dist = next() % 40;
      const size = 1 + (next() % 60);
      w.add(thisId, dist, new Uint32Array(size), false);
      model.add(thisId, dist, size);
      assert.equal(w.pixelCount, model.stored, `seed ${seed} step ${step}: stored pixels`);
      for (const k of model.sizes.keys()) assert.ok(w.has(k), `seed ${seed} step ${step}: keeps ${k}`);
    }
  }
});
