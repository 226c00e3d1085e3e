// The USB picker in real Chromium through `saffron web` (the session in its own process, the real host backend)
// against the test server's usb-guest: the toolbar opens the picker, the ISO given as --share-cd is listed and
// attached (the usb-guest sees the device), the toggle gives it back, a typed path that does not exist is refused
// with what to do, a typed disk image attaches, the usb-device-reset hotkey (Ctrl+Shift+R) re-plugs the device
// without the guest seeing the R key, and "Stop sharing" removes the image. Host devices: this machine's (none here
// when /sys/bus/usb is missing: the picker then says so).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness, type WebHarness } from '../../main/web/harness';
import { buildRendererForTest, launchBrowser, type TestBrowser } from '../support/browser';
import { startTestServer, type TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'test-server']);

let renderer: { dir: string; cleanup(): void };
let server: TestServer;
let harness: WebHarness;
let browser: TestBrowser;
let page: Page;
let dir: string;
let iso: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saffron-web-usb-'));
  iso = join(dir, 'install.iso');
  writeFileSync(iso, Buffer.alloc(32 * 2048, 0x43));
  renderer = await buildRendererForTest();
  server = await startTestServer({ width: 160, height: 120, usbredir: true });
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri(`spice://127.0.0.1:${server.port}`),
    usb: { images: [{ path: iso, imageKind: 'cd', writable: false }], typedImagePaths: true },
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await server?.stop();
  renderer?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const row = (key: string): string => `.usb-picker li[data-key="${key}"]`;

void test(
  'the USB picker in saffron web: share, give back, type a path, reset hotkey, stop sharing',
  { timeout: 120_000 },
  async () => {
    await page.goto(harness.url);
    await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 30_000 });
    assert.equal(await page.isVisible('.usb-picker'), false, 'closed until asked for');
    await page.click('#toolbar button[data-action="usb"]');
    await page.waitForSelector('.usb-picker', { state: 'visible' });

    // The --share-cd image is attached to the VM's one channel.
    await page.waitForSelector(`${row('cd:1')}[data-state="connected"]`, { timeout: 20_000 });
    await server.waitFor((e) => e.event === 'usb_device_connect');
    assert.match(
      (await page.textContent('.usb-picker .usb-summary')) ?? '',
      /0 of 1 USB redirection channels free/,
    );
    assert.match((await page.textContent(row('cd:1'))) ?? '', /install\.iso/);
    assert.equal(await page.isChecked(`${row('cd:1')} .usb-toggle`), true);

    // This machine's devices: listed, or the picker says why there are none.
    if (!existsSync('/sys/bus/usb/devices'))
      assert.match((await page.textContent('.usb-picker .usb-notice')) ?? '', /no USB subsystem/);
    else assert.ok((await page.$$('.usb-picker .usb-host li')).length > 0);

    // The toggle gives the CD back: the guest sees the unplug.
    let mark = server.eventCount;
    await page.uncheck(`${row('cd:1')} .usb-toggle`);
    await page.waitForSelector(`${row('cd:1')}[data-state="available"]`);
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: mark });

    // A typed path that does not exist: refused, with what to do.
    await page.fill('.usb-picker .usb-path', join(dir, 'missing.iso'));
    await page.click('.usb-picker .usb-share');
    await page.waitForFunction(() =>
      document.querySelector('.usb-picker .usb-result')?.textContent?.includes('does not exist'),
    );
    assert.match((await page.textContent('.usb-picker .usb-result')) ?? '', /Check the spelling/);

    // A typed disk image is shared and attaches to the free channel.
    const img = join(dir, 'data.img');
    writeFileSync(img, Buffer.alloc(1 << 20));
    await page.fill('.usb-picker .usb-path', img);
    await page.selectOption('.usb-picker .usb-kind', 'disk');
    mark = server.eventCount;
    await page.click('.usb-picker .usb-share');
    const disk = `.usb-picker .usb-images li[data-key^="disk:"]`;
    await page.waitForSelector(`${disk}[data-state="connected"]`, { timeout: 20_000 });
    await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });

    // Ctrl+Shift+R on the display: the device is unplugged and plugged again; the guest never sees R (0x13/0x93).
    await page.click('.usb-picker .usb-close');
    await page.focus('#viewport');
    mark = server.eventCount;
    await page.keyboard.press('Control+Shift+KeyR');
    await server.waitFor((e) => e.event === 'usb_device_disconnect', { after: mark });
    await server.waitFor((e) => e.event === 'usb_device_connect', { after: mark });
    await new Promise((r) => setTimeout(r, 300));
    const keys = server.events
      .slice(mark)
      .filter((e) => e.event === 'key')
      .map((e) => e.scancode);
    assert.ok(!keys.includes(0x13) && !keys.includes(0x93), `R reached the guest: ${JSON.stringify(keys)}`);

    // Stop sharing: the image leaves the list.
    await page.click('#toolbar button[data-action="usb"]');
    await page.click(`${disk} .usb-remove`);
    await page.waitForSelector(disk, { state: 'detached' });
  },
);
