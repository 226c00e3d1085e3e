// The key and mouse table end to end: Chromium (CDP key events with explicit KeyboardEvent.code, real mouse
// events) → renderer → WebSocket → session → the SPICE test server on libspice-server, which reports every
// scancode byte and pointer event it receives.
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
import type { TestServer, TestServerEvent } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'test-server']);

let renderer: { dir: string; cleanup(): void };
let server: TestServer;
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;

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
  await page.goto(harness.url);
  await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
  await page.waitForFunction(() => Number(document.getElementById('screen')?.dataset.frames ?? 0) > 0, null, {
    timeout: 20_000,
  });
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await server?.stop();
  renderer?.cleanup();
});

/** code → the bytes the PS/2 side must see for press then release. */
const KEY_TABLE: [string, number[]][] = [
  ['KeyA', [0x1e, 0x9e]],
  ['KeyZ', [0x2c, 0xac]],
  ['Digit5', [0x06, 0x86]],
  ['Minus', [0x0c, 0x8c]],
  ['Backquote', [0x29, 0xa9]],
  ['Enter', [0x1c, 0x9c]],
  ['Space', [0x39, 0xb9]],
  ['Tab', [0x0f, 0x8f]],
  ['Escape', [0x01, 0x81]],
  ['ShiftLeft', [0x2a, 0xaa]],
  ['ShiftRight', [0x36, 0xb6]],
  ['ControlLeft', [0x1d, 0x9d]],
  ['ControlRight', [0xe0, 0x1d, 0xe0, 0x9d]],
  ['AltLeft', [0x38, 0xb8]],
  ['AltRight', [0xe0, 0x38, 0xe0, 0xb8]],
  ['MetaLeft', [0xe0, 0x5b, 0xe0, 0xdb]],
  ['ContextMenu', [0xe0, 0x5d, 0xe0, 0xdd]],
  ['Insert', [0xe0, 0x52, 0xe0, 0xd2]],
  ['Delete', [0xe0, 0x53, 0xe0, 0xd3]],
  ['Home', [0xe0, 0x47, 0xe0, 0xc7]],
  ['PageDown', [0xe0, 0x51, 0xe0, 0xd1]],
  ['ArrowLeft', [0xe0, 0x4b, 0xe0, 0xcb]],
  ['ArrowDown', [0xe0, 0x50, 0xe0, 0xd0]],
  ['NumpadEnter', [0xe0, 0x1c, 0xe0, 0x9c]],
  ['NumpadDivide', [0xe0, 0x35, 0xe0, 0xb5]],
  ['NumpadMultiply', [0x37, 0xb7]],
  ['Numpad0', [0x52, 0xd2]],
  ['NumpadDecimal', [0x53, 0xd3]],
  ['F1', [0x3b, 0xbb]],
  ['F10', [0x44, 0xc4]],
  ['F11', [0x57, 0xd7]],
  ['F12', [0x58, 0xd8]],
  ['PrintScreen', [0xe0, 0x37, 0xe0, 0xb7]],
  ['Pause', [0xe0, 0x46, 0xe0, 0xc6]],
  ['IntlBackslash', [0x56, 0xd6]],
  ['IntlRo', [0x73, 0xf3]],
  ['IntlYen', [0x7d, 0xfd]],
  ['Lang1', [0xe0, 0x72, 0xe0, 0xf2]],
  ['Lang2', [0xe0, 0x71, 0xe0, 0xf1]],
  ['KanaMode', [0x70, 0xf0]],
  ['Convert', [0x79, 0xf9]],
  ['NonConvert', [0x7b, 0xfb]],
];

async function waitForEvents(
  s: TestServer,
  after: number,
  count: number,
  filter: (e: TestServerEvent) => boolean,
  timeoutMs = 10_000,
): Promise<TestServerEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = s.events.slice(after).filter(filter);
    if (got.length >= count || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
}

void test('every key of the table arrives as its exact set-1 bytes', { timeout: 60_000 }, async () => {
  const cdp = await page.context().newCDPSession(page);
  const mark = server.eventCount;
  for (const [code] of KEY_TABLE) {
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', code, key: 'Unidentified' });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', code, key: 'Unidentified' });
  }
  await cdp.detach();
  const want = KEY_TABLE.flatMap(([, bytes]) => bytes);
  const got = (await waitForEvents(server, mark, want.length, (e) => e.event === 'key')).map(
    (e) => e.scancode,
  );
  assert.deepEqual(got, want);
});

void test('Send key Ctrl+Alt+Del from the toolbar', { timeout: 30_000 }, async () => {
  const mark = server.eventCount;
  await page.selectOption('#send-key', 'ctrl-alt-del');
  const want = [0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d];
  const got = (await waitForEvents(server, mark, want.length, (e) => e.event === 'key')).map(
    (e) => e.scancode,
  );
  assert.deepEqual(got, want);
});

void test(
  'mouse in client mode: absolute position, buttons and wheel reach the tablet',
  { timeout: 30_000 },
  async () => {
    await page.waitForFunction(() => document.body.dataset.mouseMode === 'client', null, { timeout: 10_000 });
    await page.click('#toolbar button[data-command="zoom-100"]');
    await page.waitForFunction(() => document.getElementById('screen')?.dataset.scale === '1.000');
    const box = await page.locator('#screen').boundingBox();
    assert.ok(box);
    const mark = server.eventCount;
    await page.mouse.move(box.x + 40.5, box.y + 30.5);
    const pos = await waitForEvents(
      server,
      mark,
      1,
      (e) => e.event === 'tablet_position' && e.x === 40 && e.y === 30,
    );
    assert.equal(pos.length, 1, `tablet events: ${JSON.stringify(server.events.slice(mark))}`);
    const clicks = server.eventCount;
    await page.mouse.down({ button: 'left' });
    await page.mouse.up({ button: 'left' });
    await page.mouse.down({ button: 'right' });
    await page.mouse.up({ button: 'right' });
    await page.mouse.down({ button: 'middle' });
    await page.mouse.up({ button: 'middle' });
    await page.mouse.wheel(0, 100);
    await page.mouse.wheel(0, -100);
    const events = await waitForEvents(
      server,
      clicks,
      10,
      (e) => e.event === 'tablet_buttons' || e.event === 'tablet_wheel',
    );
    // spice-server hands the tablet its local button bits (left 1, right 2, middle 4): a press arrives as
    // wheel(0, buttons), a release as buttons(); a wheel notch as wheel(±1) (down = +1).
    const buttonStates = events.filter((e) => e.wheel === undefined || e.wheel === 0).map((e) => e.buttons);
    const wheels = events.filter((e) => e.event === 'tablet_wheel' && e.wheel !== 0).map((e) => e.wheel);
    assert.deepEqual(buttonStates.slice(0, 6), [1, 0, 2, 0, 4, 0], JSON.stringify(events));
    assert.deepEqual(wheels, [1, -1]);
  },
);

void test(
  'a guest cursor becomes the OS cursor in client mode (CSS url with the hot spot), and hides',
  { timeout: 30_000 },
  async () => {
    await server.sendOk({
      cmd: 'cursor_set',
      type: 'alpha',
      width: 24,
      height: 24,
      hot_x: 3,
      hot_y: 5,
      visible: true,
    });
    await page.waitForFunction(
      () => /url\("data:image\/png/.test(document.getElementById('screen')?.style.cursor ?? ''),
      null,
      {
        timeout: 10_000,
      },
    );
    const cursor = await page.evaluate(() => document.getElementById('screen')?.style.cursor ?? '');
    assert.match(cursor, /\) 3 5, default$/);
    await server.sendOk({
      cmd: 'cursor_set',
      type: 'mono',
      width: 32,
      height: 32,
      hot_x: 0,
      hot_y: 0,
      visible: true,
    });
    await page.waitForFunction((old) => document.getElementById('screen')?.style.cursor !== old, cursor, {
      timeout: 10_000,
    });
    await server.sendOk({ cmd: 'cursor_hide' });
    await page.waitForFunction(() => document.getElementById('screen')?.style.cursor === 'none', null, {
      timeout: 10_000,
    });
  },
);
