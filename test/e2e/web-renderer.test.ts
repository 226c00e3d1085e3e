// The renderer in real Chromium through the `saffron web` harness, against a scripted session: connect form →
// status, surface pixels on the canvas (exact), damage updates, and the key/mouse table (KeyboardEvent.code →
// set-1 scancodes, buttons, wheel, absolute positions) arriving at the session's inputs API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startWebHarness } from '../../main/web/harness';
import type { WebHarness } from '../../main/web/harness';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { parseVvFile } from '../../main/spice/connect/vv-file';
import { silentLogger } from '../../main/spice/logger';
import { buildRendererForTest, launchBrowser } from '../support/browser';
import type { TestBrowser } from '../support/browser';
import { FakeSession } from '../unit/app/fake-session';
import { requireTools } from '../support/require-tool';

requireTools(['chromium']);

let renderer: { dir: string; cleanup(): void };
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;
const sessions: FakeSession[] = [];
const current = (): FakeSession => {
  const s = sessions[sessions.length - 1];
  assert.ok(s, 'a session was created');
  return s;
};

const gradient = (x: number, y: number): [number, number, number] => [
  x & 0xff,
  y & 0xff,
  (x * 7 + y * 3) & 0xff,
];

before(async () => {
  renderer = await buildRendererForTest();
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    // The error path below is about showing an error and the Reconnect button (docs/reconnect.md has its own test).
    autoReconnect: false,
    sessionDeps: {
      createSession: () => {
        const s = new FakeSession();
        sessions.push(s);
        return s;
      },
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser.close();
  await harness.close();
  renderer.cleanup();
});

async function canvasPixels(p: Page, x: number, y: number, w: number, h: number): Promise<number[]> {
  return p.evaluate(
    ([x, y, w, h]) => {
      const canvas = document.getElementById('screen') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no context');
      return Array.from(ctx.getImageData(x, y, w, h).data);
    },
    [x, y, w, h] as const,
  );
}

async function framesDrawn(p: Page): Promise<number> {
  return Number((await p.getAttribute('#screen', 'data-frames')) ?? '0');
}

void test('connect form → connected; surface pixels arrive exactly', async () => {
  await page.goto(harness.url);
  await page.waitForSelector('#connect-form');
  await page.fill('#host', '127.0.0.1');
  await page.fill('#port', '5999');
  await page.click('#connect-button');
  await page.waitForFunction(() => document.body.dataset.state === 'connected');
  const session = current();
  session.emit('name', { name: 'test-vm' });
  session.addPrimary(0, 0, 320, 200, gradient);
  await page.waitForFunction(() => Number(document.getElementById('screen')?.dataset.frames ?? 0) >= 1);
  assert.equal(await page.title(), 'test-vm');
  const got = await canvasPixels(page, 0, 0, 320, 200);
  const want: number[] = [];
  for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) want.push(...gradient(x, y), 255);
  assert.equal(got.length, want.length);
  const firstDiff = got.findIndex((v, i) => v !== want[i]);
  assert.equal(firstDiff, -1, `pixel mismatch at byte ${firstDiff}`);
});

void test('damage updates only the damaged rectangle', async () => {
  const session = current();
  const surface = session.getSurface(0, 0);
  assert.ok(surface);
  const before = await framesDrawn(page);
  for (let y = 50; y < 60; y++)
    for (let x = 100; x < 120; x++) surface.pixels.set([255, 0, 255, 0], (y * 320 + x) * 4);
  session.emit('damage', {
    channelId: 0,
    surfaceId: 0,
    rect: { left: 100, top: 50, right: 120, bottom: 60 },
  });
  await page.waitForFunction(
    (n) => Number(document.getElementById('screen')?.dataset.frames ?? 0) > n,
    before,
  );
  assert.deepEqual(await canvasPixels(page, 100, 50, 1, 1), [255, 0, 255, 255]);
  assert.deepEqual(await canvasPixels(page, 119, 59, 1, 1), [255, 0, 255, 255]);
  assert.deepEqual(await canvasPixels(page, 120, 60, 1, 1), [...gradient(120, 60), 255]);
});

void test('HiDPI: at 100% one guest pixel is one device pixel (devicePixelRatio 2)', async () => {
  const hidpi = await launchBrowser({ deviceScaleFactor: 2 });
  try {
    const p = await hidpi.context.newPage();
    await p.goto(harness.url);
    await p.waitForFunction(() => Number(document.getElementById('screen')?.dataset.frames ?? 0) >= 1);
    await p.click('#toolbar button[data-command="zoom-100"]');
    await p.waitForFunction(() => document.getElementById('screen')?.dataset.scale === '1.000');
    const box = await p.locator('#screen').boundingBox();
    assert.deepEqual([box?.width, box?.height], [160, 100]);
    assert.equal(
      await p.evaluate(() => document.getElementById('screen')?.classList.contains('pixelated')),
      true,
    );
    await p.click('#toolbar button[data-command="zoom-in"]');
    await p.waitForFunction(() => document.getElementById('screen')?.dataset.scale === '1.100');
    assert.equal(
      await p.evaluate(() => document.getElementById('screen')?.classList.contains('pixelated')),
      false,
    );
  } finally {
    await hidpi.close();
  }
});

/** KeyboardEvent.code → expected (scancode as the session API takes it). */
const KEY_TABLE: [string, number][] = [
  ['KeyA', 0x1e],
  ['KeyQ', 0x10],
  ['Digit1', 0x02],
  ['Enter', 0x1c],
  ['Escape', 0x01],
  ['ControlLeft', 0x1d],
  ['ControlRight', 0x11d],
  ['AltRight', 0x138],
  ['MetaLeft', 0x15b],
  ['ArrowUp', 0x148],
  ['Delete', 0x153],
  ['NumpadEnter', 0x11c],
  ['NumpadDivide', 0x135],
  ['Numpad7', 0x47],
  ['F1', 0x3b],
  ['F12', 0x58],
  ['PrintScreen', 0x137],
  ['Pause', 0x146],
  ['IntlBackslash', 0x56],
  ['IntlRo', 0x73],
  ['IntlYen', 0x7d],
  ['Lang1', 0x172],
  ['Lang2', 0x171],
  ['ContextMenu', 0x15d],
];

async function pressCode(p: Page, code: string): Promise<void> {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', code, key: 'Unidentified' });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', code, key: 'Unidentified' });
  await cdp.detach();
}

async function waitForCalls(session: FakeSession, count: number): Promise<void> {
  for (let i = 0; i < 200 && session.calls.length < count; i++) await new Promise((r) => setTimeout(r, 10));
}

/** Waits (up to 10 s: a loaded machine) until `count` calls pass `pick`. */
async function waitForCallsWhere(
  session: FakeSession,
  pick: (call: FakeSession['calls'][number]) => boolean,
  count: number,
): Promise<void> {
  for (let i = 0; i < 1000 && session.calls.filter(pick).length < count; i++)
    await new Promise((r) => setTimeout(r, 10));
}

void test('key table: codes arrive as exact set-1 scancodes, down then up', async () => {
  const session = current();
  await page.click('#screen'); // focus (server mode: would grab; the fake is in server mode, so no button is sent)
  session.calls.length = 0;
  for (const [code] of KEY_TABLE) await pressCode(page, code);
  await waitForCalls(session, KEY_TABLE.length * 2);
  const keys = session.calls.filter((c) => c.op === 'keyDown' || c.op === 'keyUp');
  const want = KEY_TABLE.flatMap(([, sc]) => [
    { op: 'keyDown', code: sc },
    { op: 'keyUp', code: sc },
  ]);
  assert.deepEqual(keys, want);
});

void test('focus loss releases held keys', async () => {
  const session = current();
  session.calls.length = 0;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', code: 'ShiftLeft', key: 'Shift' });
  await waitForCalls(session, 1);
  await page.evaluate(() => window.dispatchEvent(new Event('blur')));
  await waitForCalls(session, 2);
  await cdp.detach();
  assert.deepEqual(session.calls.slice(0, 2), [
    { op: 'keyDown', code: 0x2a },
    { op: 'keyUp', code: 0x2a },
  ]);
});

void test('mouse table in client mode: positions in guest pixels, buttons and wheel', async () => {
  const session = current();
  session.emit('mouse-mode', { current: 2, supported: 3 });
  await page.click('#toolbar button[data-command="zoom-100"]');
  await page.waitForFunction(() => document.getElementById('screen')?.dataset.scale === '1.000');
  const box = await page.locator('#screen').boundingBox();
  assert.ok(box);
  session.calls.length = 0;
  await page.mouse.move(box.x + 10.5, box.y + 20.5);
  await page.mouse.down({ button: 'left' });
  await page.mouse.up({ button: 'left' });
  await page.mouse.down({ button: 'right' });
  await page.mouse.up({ button: 'right' });
  await page.mouse.down({ button: 'middle' });
  await page.mouse.up({ button: 'middle' });
  await page.mouse.wheel(0, 100);
  await page.mouse.wheel(0, -100);
  const isButton = (c: FakeSession['calls'][number]): boolean =>
    c.op === 'mousePress' || c.op === 'mouseRelease';
  await waitForCallsWhere(session, isButton, 10);
  const buttons = session.calls.filter(isButton);
  assert.deepEqual(buttons, [
    { op: 'mousePress', button: 1, buttons: 1 },
    { op: 'mouseRelease', button: 1, buttons: 0 },
    { op: 'mousePress', button: 3, buttons: 4 },
    { op: 'mouseRelease', button: 3, buttons: 0 },
    { op: 'mousePress', button: 2, buttons: 2 },
    { op: 'mouseRelease', button: 2, buttons: 0 },
    { op: 'mousePress', button: 5, buttons: 16 },
    { op: 'mouseRelease', button: 5, buttons: 0 },
    { op: 'mousePress', button: 4, buttons: 8 },
    { op: 'mouseRelease', button: 4, buttons: 0 },
  ]);
  const positions = session.calls.filter((c) => c.op === 'mousePosition');
  assert.ok(positions.length > 0);
  assert.deepEqual(positions[0], { op: 'mousePosition', x: 10, y: 20, buttons: 0, displayId: 0 });
});

void test('a session error is shown in the window, with reconnect', async () => {
  const session = current();
  const { SpiceError } = await import('../../main/spice/errors');
  session.emit('closed', { error: new SpiceError('closed', 'the server closed the main channel') });
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  const error = await page.textContent('#error');
  assert.match(error ?? '', /server closed the connection/);
  assert.equal(await page.isVisible('#reconnect-button'), true);
  await page.click('#reconnect-button');
  await page.waitForFunction(() => document.body.dataset.state === 'connected');
  assert.equal(sessions.length, 2);
});
