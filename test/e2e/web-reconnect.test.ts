// Automatic reconnection for real: `saffron web` (session process and all) in Chromium, against the libspice-server
// test server and against QEMU. The server is killed mid-session and, a few seconds later, started again on the same
// port (the test server with a different screen): the page shows the countdown and Cancel without any click, then
// reconnects by itself within 10 s of the server coming back and draws the new server's pixels.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness, type WebHarness } from '../../main/web/harness';
import { buildRendererForTest, launchBrowser, type TestBrowser } from '../support/browser';
import { startQemu } from '../support/qemu';
import { requireTools } from '../support/require-tool';
import { startTestServer, type TestServer } from '../support/test-server';

requireTools(['chromium', 'test-server', 'qemu']);

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

void test(
  'QEMU killed and restarted on the same port: the page reconnects by itself and draws the new VM',
  { timeout: 180_000 },
  async () => {
    let qemu = await startQemu();
    const port = qemu.port;
    const web = await startWebHarness({
      rendererDir: renderer.dir,
      logger: silentLogger,
      env: {},
      config: parseSpiceUri(`spice://127.0.0.1:${port}`),
    });
    const tab = await browser.context.newPage();
    const frames = async (): Promise<number> =>
      Number((await tab.getAttribute('#screen', 'data-frames')) ?? '0');
    try {
      await tab.goto(web.url);
      await tab.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 30_000 });
      await tab.waitForFunction(
        () => Number(document.getElementById('screen')?.dataset.frames ?? 0) > 0,
        null,
        {
          timeout: 30_000,
        },
      );
      await qemu.stop();
      await tab.waitForFunction(
        () => !(document.getElementById('reconnect-controls')?.hidden ?? true),
        null,
        { timeout: 20_000 },
      );
      await new Promise((r) => setTimeout(r, 2000));
      const before = await frames();
      qemu = await startQemu({ port });
      const back = Date.now();
      await tab.waitForFunction(
        (n) =>
          document.body.dataset.state === 'connected' &&
          Number(document.getElementById('screen')?.dataset.frames ?? 0) > n,
        before,
        { timeout: 10_000, polling: 100 },
      );
      const tookMs = Date.now() - back;
      assert.ok(tookMs <= 10_000, `reconnected ${tookMs} ms after QEMU came back`);
      // The new VM's screen as it boots: its firmware's text appears on the page (more than one colour).
      await tab.waitForFunction(
        () => {
          const canvas = document.getElementById('screen') as HTMLCanvasElement;
          if (canvas.width < 640 || canvas.height < 400) return false;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          const first = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
          for (let i = 0; i < data.length; i += 4)
            if (((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) !== first) return true;
          return false;
        },
        null,
        { timeout: 30_000, polling: 250 },
      );
    } finally {
      await tab.close();
      await web.close();
      await qemu.stop();
    }
  },
);
