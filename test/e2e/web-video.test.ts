// Video streams decoded by WebCodecs in Debian's Chromium through `saffron web` (a secure context: 127.0.0.1),
// against real spice-server streams from the test server: the page reports the decoders it has before connecting,
// the server then encodes VP8 or H.264 (GStreamer), the encoded frames reach the page untouched, and the video layer
// shows the test server's moving gradient — right way up, within a pixel-error bound of the source — only inside
// the stream's area; when the stream ends the layer is cleared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness } from '../../main/web/harness';
import type { WebHarness } from '../../main/web/harness';
import { buildRendererForTest, launchBrowser } from '../support/browser';
import type { TestBrowser } from '../support/browser';
import { startTestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'test-server', 'gst-vp8', 'gst-x264']);

const STREAM = { x: 40, y: 30, width: 320, height: 240 };

let renderer: { dir: string; cleanup(): void };
let browser: TestBrowser;

before(async () => {
  renderer = await buildRendererForTest();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  renderer?.cleanup();
});

/** The test server's stream picture (display.c stream_frame_pixels) at frame `t`, pixel (x, y) of the stream. */
function source(x: number, y: number, t: number): [number, number, number] {
  const { width: w, height: h } = STREAM;
  return [
    (Math.floor((x * 255) / w) + t * 7) & 0xff,
    (Math.floor((y * 255) / h) + t * 3) & 0xff,
    Math.floor(128 + 127 * Math.sin((x + y + t * 5) * 0.05)),
  ];
}

/** RGBA of the video layer at stream-relative points. */
async function layerSamples(page: Page, points: [number, number][]): Promise<number[][]> {
  return page.evaluate(
    ({ points, ox, oy }) => {
      const canvas = document.getElementById('video-layer') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      return points.map(([x, y]) => Array.from(ctx.getImageData(x + ox, y + oy, 1, 1).data));
    },
    { points, ox: STREAM.x, oy: STREAM.y },
  );
}

/** Mean absolute RGB error of the samples against the best-matching source frame. */
function bestFrameError(points: [number, number][], samples: number[][]): { t: number; error: number } {
  let best = { t: -1, error: Infinity };
  for (let t = 0; t < 256; t++) {
    let sum = 0;
    points.forEach(([x, y], i) => {
      const want = source(x, y, t);
      for (let c = 0; c < 3; c++) sum += Math.abs(samples[i]![c]! - want[c]!);
    });
    const error = sum / (points.length * 3);
    if (error < best.error) best = { t, error };
  }
  return best;
}

async function playStream(codecs: string, codec: number): Promise<void> {
  const server = await startTestServer({ width: 480, height: 360, streaming: 'all', videoCodecs: codecs });
  let harness: WebHarness | undefined;
  const page = await browser.context.newPage();
  try {
    harness = await startWebHarness({ rendererDir: renderer.dir, logger: silentLogger, env: {} });
    await page.goto(harness.url);
    // The page probes its decoders first; the session waits for that report before the display channel links.
    await page.waitForSelector('#video-layer[data-decoders]', { state: 'attached', timeout: 20000 });
    const decoders = (await page.getAttribute('#video-layer', 'data-decoders'))!.split(',').map(Number);
    assert.ok(
      decoders.includes(codec),
      `Chromium decodes codec ${codec} (page reported ${decoders.join(',')})`,
    );
    harness.views.connect(parseSpiceUri(`spice://127.0.0.1:${server.port}`));
    await page.waitForSelector('body[data-state="connected"]', { timeout: 20000 });
    await server.waitFor((e) => e.event === 'display_client' && e.present === true, { timeoutMs: 20000 });
    const mark = server.eventCount;
    await server.sendOk({ cmd: 'stream', ...STREAM, frames: 150, fps: 25 });
    const layerState = () =>
      page.evaluate(() => JSON.stringify(document.getElementById('video-layer')?.dataset ?? {}));
    await page
      .waitForFunction(
        () => Number(document.getElementById('video-layer')?.dataset.frames ?? '0') >= 3,
        undefined,
        { timeout: 30000 },
      )
      .catch(async (e: unknown) => {
        throw new Error(`no decoded frames drawn: layer ${await layerState()} (${String(e)})`);
      });
    const points: [number, number][] = [];
    for (let y = 20; y < STREAM.height; y += 40)
      for (let x = 20; x < STREAM.width; x += 50) points.push([x, y]);
    // Frames keep coming: sample until one snapshot matches a source frame (a snapshot may straddle two frames).
    let best = { t: -1, error: Infinity };
    for (let i = 0; i < 20 && best.error >= 12; i++) {
      const samples = await layerSamples(page, points);
      assert.ok(
        samples.every((s) => s[3] === 255),
        'the stream area of the layer is opaque',
      );
      const match = bestFrameError(points, samples);
      if (match.error < best.error) best = match;
    }
    assert.ok(
      best.error < 12,
      `decoded picture vs source: mean error ${best.error.toFixed(1)} (frame ${best.t})`,
    );
    const outside = await layerSamples(page, [
      [-20, -20],
      [STREAM.width + 20, 10],
    ]);
    assert.deepEqual(
      outside.map((s) => s[3]),
      [0, 0],
      'the layer is transparent outside the stream',
    );
    assert.equal(
      await page.getAttribute('#video-layer', 'data-failed'),
      null,
      `no stream failed: ${await layerState()}`,
    );
    await server.waitFor((e) => e.event === 'stream_done', { after: mark, timeoutMs: 30000 });
    // spice-server ends an idle stream after about a second; then the layer is cleared over the stream.
    await page.waitForFunction(
      ({ x, y }) => {
        const canvas = document.getElementById('video-layer') as HTMLCanvasElement;
        return canvas.getContext('2d')!.getImageData(x + 100, y + 100, 1, 1).data[3] === 0;
      },
      { x: STREAM.x, y: STREAM.y },
      { timeout: 15000 },
    );
  } finally {
    await page.close();
    await harness?.close();
    await server.stop();
  }
}

void test('a VP8 stream is decoded by WebCodecs in the page and drawn over the surface', async () => {
  await playStream('gstreamer:vp8', 2);
});

void test('an H.264 stream is decoded by WebCodecs in the page and drawn over the surface', async () => {
  await playStream('gstreamer:h264', 3);
});
