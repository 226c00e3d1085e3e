// The guest agent's page features end to end: Chromium (real async Clipboard API, permissions granted) → renderer →
// WebSocket → `saffron web`'s session process → the SPICE test server's vdagent on libspice-server. Clipboard both
// ways (text and PNG, no echo of the guest's own data, the share toggle), a file dropped on the display with its
// progress row, and the guest asked for the size of the browser viewport.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
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
let dir: string;

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A small picture with distinct pixels (Chromium re-encodes clipboard PNGs, so tests compare pixels). */
async function picture(): Promise<{ png: Buffer; raw: Buffer }> {
  const width = 24;
  const height = 16;
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++)
    raw.set([(i * 7) & 255, (i * 13) & 255, (i * 29) & 255, 255], i * 4);
  return {
    raw,
    png: await sharp(raw, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer(),
  };
}

const rgba = (png: Uint8Array): Promise<Buffer> => sharp(png).ensureAlpha().raw().toBuffer();

/** Events of the client's own clipboard grabs after index `from`. */
const clientGrabs = (from: number): TestServerEvent[] =>
  server.events.slice(from).filter((e) => e.event === 'clipboard_grab');

/** Polls an async page function until it returns something other than null (waitForFunction treats a Promise as
 * truthy at once, so it cannot wait on the async Clipboard API). */
async function pollPage<T>(fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(fn);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the page');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function focusPage(): Promise<void> {
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saffron-web-agent-'));
  renderer = await buildRendererForTest();
  server = await startTestServer({ width: 640, height: 480, agent: true, xferDir: dir });
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri(`spice://127.0.0.1:${server.port}`),
  });
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: new URL(harness.url).origin,
  });
  page = await browser.context.newPage();
  await page.goto(harness.url);
  await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
  await page.waitForSelector('.agent-toggles[data-agent="connected"]', { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await server?.stop();
  renderer?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void test(
  'the guest is resized to the browser viewport (device pixels, debounced)',
  { timeout: 60_000 },
  async () => {
    const from = server.eventCount;
    await page.setViewportSize({ width: 900, height: 700 });
    // The viewport is measured again until the request for its size arrives: the toolbar's feature controls
    // (audio, USB, agent) may appear while the page settles and change the viewport's height meanwhile.
    const deadline = Date.now() + 15_000;
    let event: Awaited<ReturnType<typeof server.waitFor>> | undefined;
    while (!event) {
      const expected = await page.evaluate(() => {
        const v = document.getElementById('viewport')!;
        return { width: Math.floor(v.clientWidth / 2) * 2, height: v.clientHeight };
      });
      try {
        event = await server.waitFor(
          (e) => {
            if (e.event !== 'monitors_config_request') return false;
            const m = (e.monitors as { width: number; height: number }[])[0];
            return m?.width === expected.width && m.height === expected.height;
          },
          { after: from, timeoutMs: 2_000 },
        );
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
    }
    assert.equal((event.monitors as unknown[]).length, 1);
  },
);

void test('clipboard: guest text reaches the browser clipboard', { timeout: 60_000 }, async () => {
  const text = 'from the guest: ünïcödé ✓\nline 2';
  await server.sendOk({ cmd: 'clipboard_grab', text, type: 'text' });
  const seen = await pollPage(async () => {
    const t = await navigator.clipboard.readText();
    return t.startsWith('from the guest') ? t : null;
  }, 15_000);
  assert.equal(seen, text);
  // The page reads it back on the next focus: the guest's own data is not grabbed back.
  const from = server.eventCount;
  await focusPage();
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(clientGrabs(from), []);
});

void test('clipboard: browser text reaches the guest when it pastes', { timeout: 60_000 }, async () => {
  const text = `from the browser ${Date.now()} → guest`;
  const from = server.eventCount;
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await focusPage();
  const grab = await server.waitFor((e) => e.event === 'clipboard_grab', { after: from, timeoutMs: 15_000 });
  assert.deepEqual(grab.types, ['text']);
  const at = server.eventCount;
  await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
  const data = await server.waitFor((e) => e.event === 'clipboard', { after: at, timeoutMs: 15_000 });
  assert.equal(data.text, text);
});

void test('clipboard: images both ways as PNG', { timeout: 60_000 }, async () => {
  const { png, raw } = await picture();
  // Browser → guest.
  const from = server.eventCount;
  await page.evaluate(
    async (bytes) => {
      const blob = new Blob([new Uint8Array(bytes)], { type: 'image/png' });
      await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
    },
    [...png],
  );
  await focusPage();
  const grab = await server.waitFor((e) => e.event === 'clipboard_grab', { after: from, timeoutMs: 15_000 });
  assert.ok((grab.types as string[]).includes('png'), JSON.stringify(grab));
  const at = server.eventCount;
  await server.sendOk({ cmd: 'clipboard_request', type: 'png' });
  const data = await server.waitFor((e) => e.event === 'clipboard', { after: at, timeoutMs: 15_000 });
  assert.deepEqual(await rgba(Buffer.from(data.base64 as string, 'base64')), raw);

  // Guest → browser.
  const file = join(dir, 'guest.png');
  const guest = await sharp(
    raw.map((v, i) => (i % 4 === 3 ? 255 : 255 - v)),
    {
      raw: { width: 24, height: 16, channels: 4 },
    },
  )
    .png()
    .toBuffer();
  writeFileSync(file, guest);
  // Clear the browser's clipboard (no image), so the wait below sees only the guest's picture.
  await page.evaluate(() => navigator.clipboard.writeText('cleared'));
  await server.sendOk({ cmd: 'clipboard_grab', png: file, type: 'png' });
  const bytes = Buffer.from(
    await pollPage(async () => {
      for (const item of await navigator.clipboard.read()) {
        if (!item.types.includes('image/png')) continue;
        return [...new Uint8Array(await (await item.getType('image/png')).arrayBuffer())];
      }
      return null;
    }, 15_000),
  );
  assert.deepEqual(await rgba(bytes), await rgba(guest));
  rmSync(file);
});

void test('clipboard: turning sharing with the guest off stops the grabs', { timeout: 60_000 }, async () => {
  await page.uncheck('input[data-setting="clipboardToGuest"]');
  await page.waitForFunction(
    () => !(document.querySelector('input[data-setting="clipboardToGuest"]') as HTMLInputElement).checked,
  );
  const from = server.eventCount;
  await page.evaluate(() => navigator.clipboard.writeText('must not reach the guest'));
  await focusPage();
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(clientGrabs(from), []);
  await page.check('input[data-setting="clipboardToGuest"]');
});

void test(
  'a file dropped on the display is sent to the guest, with progress',
  { timeout: 90_000 },
  async () => {
    const size = 300_000;
    const expected = sha256(Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255)));
    await page.evaluate((n) => {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 255;
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'dropped.bin'));
      const viewport = document.getElementById('viewport')!;
      viewport.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
      viewport.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, size);
    const done = await server.waitFor((e) => e.event === 'file_xfer_done', { timeoutMs: 60_000 });
    assert.equal(done.status, 'success');
    assert.equal(done.received, size);
    assert.equal(sha256(readFileSync(join(dir, 'dropped.bin'))), expected);
    await page.waitForSelector('.transfer-panel li[data-state="done"]', { timeout: 15_000 });
    assert.equal(await page.textContent('.transfer-panel .transfer-name'), 'dropped.bin');
    assert.ok(readdirSync(dir).includes('dropped.bin'));
  },
);

void test(
  'saffron web --auto-resize never keeps the guest resolution until the user turns resizing on',
  { timeout: 90_000 },
  async () => {
    // A server of its own: one client per spice-server, and the other tests' page keeps its connection.
    const own = await startTestServer({ width: 640, height: 480, agent: true, xferDir: dir });
    const fixed = await startWebHarness({
      rendererDir: renderer.dir,
      logger: silentLogger,
      env: {},
      agent: { autoResize: false },
    });
    const other = await browser.context.newPage();
    try {
      // The desktop app's preload API, played by the test: the page must hand a dropped .vv to it (opened from
      // disk by main, so delete-this-file works) instead of reading the file itself.
      // (A string: tsx names functions with a helper the page does not have.)
      await other.addInitScript(`
        window.testDrops = [];
        window.saffronDesktop = {
          dropFiles(files, purpose) {
            window.testDrops.push({ purpose, names: files.map((f) => f.name) });
            return files.length;
          },
        };
      `);
      await other.goto(fixed.url);
      await other.waitForSelector('#connect-panel', { timeout: 20_000 });
      await other.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File(['[virt-viewer]\ntype=spice\nhost=h\nport=1\n'], 'vm.vv'));
        document.body.dispatchEvent(
          new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
        );
      });
      const drops = await other.evaluate(() => (window as unknown as { testDrops: unknown[] }).testDrops);
      assert.deepEqual(drops, [{ purpose: 'open', names: ['vm.vv'] }]);
      await new Promise((r) => setTimeout(r, 500));
      const state = await other.evaluate(() => document.body.dataset.state ?? 'idle');
      assert.ok(!['connecting', 'error'].includes(state), `the page did not open it itself (state ${state})`);

      fixed.views.connect(parseSpiceUri(`spice://127.0.0.1:${own.port}`));
      await other.waitForFunction(() => document.body.dataset.state === 'connected', null, {
        timeout: 20_000,
      });
      await other.waitForSelector('.agent-toggles[data-agent="connected"]', { timeout: 20_000 });
      const from = own.eventCount;
      await other.setViewportSize({ width: 820, height: 600 });
      await new Promise((r) => setTimeout(r, 3_000)); // the page debounces 200 ms, the core 1 s
      assert.equal(
        own.events.slice(from).filter((e) => e.event === 'monitors_config_request').length,
        0,
        'no resize request while auto-resize is off',
      );
      assert.equal(
        await other.evaluate(
          () => document.querySelector<HTMLInputElement>('input[data-setting="autoResize"]')?.checked,
        ),
        false,
      );
      // A file dropped on the display goes to the preload by path too, never read by the page.
      await other.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File(['x'], 'report.pdf'));
        const viewport = document.getElementById('viewport')!;
        viewport.dispatchEvent(
          new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
        );
      });
      const after = await other.evaluate(() => (window as unknown as { testDrops: unknown[] }).testDrops);
      assert.deepEqual(after[1], { purpose: 'guest', names: ['report.pdf'] });
      assert.equal(own.events.slice(from).filter((e) => e.event === 'file_xfer_start').length, 0);

      // Turning it on resizes the guest to the viewport at once.
      await other.evaluate(() =>
        document.querySelector<HTMLInputElement>('input[data-setting="autoResize"]')!.click(),
      );
      await own.waitFor((e) => e.event === 'monitors_config_request', { after: from, timeoutMs: 15_000 });
    } finally {
      await other.close();
      await fixed.close();
      await own.stop();
    }
  },
);
