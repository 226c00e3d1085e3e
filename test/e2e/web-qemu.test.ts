// `saffron web` against QEMU in real Chromium: the canvas shows exactly what spice-gtk's spicy-screenshot sees,
// and a key typed in the page reaches the guest (SeaBIOS opens its boot menu on Escape).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness } from '../../main/web/harness';
import type { WebHarness } from '../../main/web/harness';
import { buildRendererForTest, launchBrowser } from '../support/browser';
import type { TestBrowser } from '../support/browser';
import { startQemu } from '../support/qemu';
import type { Qemu } from '../support/qemu';
import { spicyScreenshot } from '../support/spicy';
import type { RgbaImage } from '../support/spicy';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'qemu', 'spicy']);

let renderer: { dir: string; cleanup(): void };
let qemu: Qemu;
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;

before(async () => {
  renderer = await buildRendererForTest();
  // SeaBIOS waits 30 s at "Press ESC for boot menu", so the test has a screen that reacts to a key.
  qemu = await startQemu({ args: ['-boot', 'menu=on,splash-time=30000'] });
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri(`spice://127.0.0.1:${qemu.port}`),
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await qemu?.stop();
  renderer?.cleanup();
});

async function canvasImage(p: Page): Promise<RgbaImage> {
  const { width, height, base64 } = await p.evaluate(() => {
    const canvas = document.getElementById('screen') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no context');
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let binary = '';
    for (let i = 0; i < image.data.length; i += 0x8000)
      binary += String.fromCharCode(...image.data.subarray(i, i + 0x8000));
    return { width: image.width, height: image.height, base64: btoa(binary) };
  });
  return { width, height, pixels: new Uint8Array(Buffer.from(base64, 'base64')) };
}

/** Differing pixels and their bounding box. */
function diff(a: RgbaImage, b: RgbaImage): { count: number; box: [number, number, number, number] | null } {
  if (a.width !== b.width || a.height !== b.height) return { count: Infinity, box: null };
  let count = 0;
  let box: [number, number, number, number] | null = null;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      if (
        a.pixels[i] === b.pixels[i] &&
        a.pixels[i + 1] === b.pixels[i + 1] &&
        a.pixels[i + 2] === b.pixels[i + 2]
      )
        continue;
      count++;
      box = box
        ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)]
        : [x, y, x, y];
    }
  return { count, box };
}

function litPixels(img: RgbaImage): number {
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += 4)
    if ((img.pixels[i] ?? 0) + (img.pixels[i + 1] ?? 0) + (img.pixels[i + 2] ?? 0) > 96) n++;
  return n;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the renderer has drawn no new frame for `quietMs` (everything in flight has landed). */
async function framesStill(p: Page, quietMs = 700): Promise<void> {
  const frames = async (): Promise<number> => Number((await p.getAttribute('#screen', 'data-frames')) ?? '0');
  let last = await frames();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await frames();
    if (now === last) return;
    last = now;
  }
  throw new Error('the renderer never went quiet');
}

/** Waits until at least `count` more frames were drawn and `quietMs` passed (a text cursor keeps blinking). */
async function settle(p: Page, quietMs = 700): Promise<void> {
  const start = Number((await p.getAttribute('#screen', 'data-frames')) ?? '0');
  await waitFor('a frame', 15_000, async () =>
    Number((await p.getAttribute('#screen', 'data-frames')) ?? '0') > start ? true : undefined,
  );
  await new Promise((r) => setTimeout(r, quietMs));
}

void test(
  'the page connects to QEMU, shows SeaBIOS, and a typed Escape opens the boot menu',
  { timeout: 90_000 },
  async () => {
    await page.goto(harness.url);
    await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
    const first = await waitFor('SeaBIOS text on the canvas', 30_000, async () => {
      const img = await canvasImage(page);
      return img.width > 1 && litPixels(img) > 200 ? img : undefined;
    });
    await settle(page);
    const before = await canvasImage(page);
    assert.ok(litPixels(first) > 200);
    await page.keyboard.press('Escape');
    const after = await waitFor('the boot menu to appear', 20_000, async () => {
      const img = await canvasImage(page);
      return diff(before, img).count > 500 ? img : undefined;
    });
    assert.ok(litPixels(after) > litPixels(before), 'the boot menu adds text to the screen');
  },
);

void test('the canvas matches spicy-screenshot pixel for pixel', { timeout: 90_000 }, async () => {
  // Pause the guest: that freezes the VGA text cursor blink, so the screen is truly stable. Only one client
  // at a time (spicy-screenshot takes the server over), so capture the canvas first.
  await qemu.hmp('stop');
  await framesStill(page);
  const ours = await canvasImage(page);
  const theirs = await spicyScreenshot(qemu.port);
  assert.equal(ours.width, theirs.width);
  assert.equal(ours.height, theirs.height);
  const d = diff(ours, theirs);
  assert.equal(d.count, 0, `pixels differ in ${JSON.stringify(d.box)}`);
  assert.ok(litPixels(ours) > 200, 'the comparison is of a real screen');
});
