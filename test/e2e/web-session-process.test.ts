// The session in its own process (`saffron web` starts it as a Node child): the page draws what the libspice-server
// test server shows; when the session process is killed mid-session the server and the page stay up, the page shows
// the error with Reconnect, and Reconnect brings a new session process that draws again.
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
import type { TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'test-server']);

let renderer: { dir: string; cleanup(): void };
let server: TestServer;
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;

const frames = async (p: Page): Promise<number> =>
  Number((await p.getAttribute('#screen', 'data-frames')) ?? '0');

before(async () => {
  renderer = await buildRendererForTest();
  server = await startTestServer({ width: 320, height: 240 });
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
  'killing the session process mid-session: the page shows the error and Reconnect starts a new one',
  { timeout: 90_000 },
  async () => {
    await page.goto(harness.url);
    await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
    await page.waitForFunction(
      () => Number(document.getElementById('screen')?.dataset.frames ?? 0) > 0,
      null,
      {
        timeout: 20_000,
      },
    );
    const first = harness.views.sessionProcessId;
    assert.ok(first !== undefined && first !== process.pid, 'the session runs in a process of its own');

    process.kill(first, 'SIGKILL');
    await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 20_000 });
    assert.match(
      (await page.textContent('#error')) ?? '',
      /session process stopped unexpectedly \(killed by SIGKILL\)/,
    );
    assert.equal(await page.isVisible('#reconnect-button'), true, 'Reconnect is offered');
    const second = harness.views.sessionProcessId;
    assert.ok(second !== undefined && second !== first, 'a new session process is waiting');

    const before = await frames(page);
    await page.click('#reconnect-button');
    await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
    await page.waitForFunction(
      (n) => Number(document.getElementById('screen')?.dataset.frames ?? 0) > n,
      before,
      {
        timeout: 20_000,
      },
    );
    assert.equal(harness.views.sessionProcessId, second);
    // The server (this process) never went down: the page is still served.
    const res = await fetch(new URL('/', harness.url));
    assert.equal(res.status, 200);
  },
);
