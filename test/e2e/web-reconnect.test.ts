// Automatic reconnection for real: `saffron web` (session process and all) against the libspice-server test server
// in Chromium. The server is killed mid-session and, a few seconds later, started again on the same port with a
// different screen: the page shows the countdown and Cancel without any click, then reconnects by itself within
// 10 s of the server coming back and draws the new server's pixels.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness, type WebHarness } from '../../main/web/harness';
import { buildRendererForTest, launchBrowser, type TestBrowser } from '../support/browser';
import { requireTools } from '../support/require-tool';
import { startTestServer, type TestServer } from '../support/test-server';

requireTools(['chromium', 'test-server']);

let renderer: { dir: string; cleanup(): void };
let server: TestServer | undefined;
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;

async function centrePixel(p: Page): Promise<number[]> {
  return p.evaluate(() => {
    const canvas = document.getElementById('screen') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no context');
    return Array.from(ctx.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1).data);
  });
}

async function waitForColour(p: Page, rgb: [number, number, number], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: number[] = [];
  while (Date.now() < end) {
    if ((await p.evaluate(() => document.body.dataset.state)) === 'connected') {
      last = await centrePixel(p);
      if (last.slice(0, 3).every((v, i) => Math.abs(v - rgb[i]!) <= 2)) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the page never showed rgb(${rgb.join(',')}) (last ${last.join(',')})`);
}

before(async () => {
  renderer = await buildRendererForTest();
  server = await startTestServer({ width: 320, height: 240 });
  await server.sendOk({ cmd: 'fill', color: '#ff0000' });
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri(`spice://127.0.0.1:${server.port}`),
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await server?.stop();
  renderer?.cleanup();
});

void test(
  'server killed and restarted on the same port: the page reconnects by itself and shows the new screen',
  { timeout: 120_000 },
  async () => {
    await page.goto(harness.url);
    await waitForColour(page, [255, 0, 0], 30_000);
    const port = server!.port!;

    await server!.stop();
    server = undefined;
    // No click: the page counts down to the next try and offers Cancel.
    await page.waitForFunction(() => !(document.getElementById('reconnect-controls')?.hidden ?? true), null, {
      timeout: 20_000,
    });
    assert.match((await page.textContent('#reconnect-countdown')) ?? '', /Reconnecting .*attempt \d+/);
    assert.match((await page.textContent('#status')) ?? '', /Connection lost/);
    await new Promise((r) => setTimeout(r, 3000)); // the VM "reboots": refused tries meanwhile

    server = await startTestServer({ width: 320, height: 240, port });
    await server.sendOk({ cmd: 'fill', color: '#00ff00' });
    const back = Date.now();
    await waitForColour(page, [0, 255, 0], 10_000);
    const tookMs = Date.now() - back;
    assert.ok(tookMs <= 10_000, `reconnected ${tookMs} ms after the server came back`);
    assert.equal(await page.isHidden('#reconnect-controls'), true);
    assert.match((await page.textContent('#status-text')) ?? '', /Reconnected to 127\.0\.0\.1/);
  },
);
