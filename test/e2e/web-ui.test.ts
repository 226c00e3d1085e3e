// The designed UI in real Chromium through the `saffron web` harness: every text from the catalogue in English and
// Simplified Chinese (the browser's language, then the setting, shared by every tab), connect-form validation, error
// cards, settings (theme, language, shortcuts) kept by the session process, .vv [hotkeys] winning over the user's
// shortcuts, and the fullscreen toolbar that hides and reappears at the top edge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startWebHarness } from '../../main/web/harness';
import type { WebHarness } from '../../main/web/harness';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { parseVvFile } from '../../main/spice/connect/vv-file';
import { silentLogger } from '../../main/spice/logger';
import { SpiceError } from '../../main/spice/errors';
import { en } from '../../shared/i18n/en';
import { zhCN } from '../../shared/i18n/zh-CN';
import { buildRendererForTest, launchBrowser } from '../support/browser';
import type { TestBrowser } from '../support/browser';
import { FakeSession } from '../unit/app/fake-session';
import { requireTools } from '../support/require-tool';

requireTools(['chromium']);

let renderer: { dir: string; cleanup(): void };
let harness: WebHarness;
let browser: TestBrowser;
let failNext: SpiceError | undefined;
const sessions: FakeSession[] = [];

before(async () => {
  renderer = await buildRendererForTest();
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    sessionDeps: {
      createSession: () => {
        const s = new FakeSession();
        if (failNext) s.connectResult = Promise.reject(failNext);
        failNext = undefined;
        sessions.push(s);
        return s;
      },
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text, { capabilities: { window: true, hotkeys: true } }),
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser.close();
  await harness.close();
  renderer.cleanup();
});

async function openPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(harness.url);
  await page.waitForFunction(() => document.body.dataset.state !== undefined);
  return page;
}

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

void test(
  'English texts, validation as you type, and an error card that names the problem',
  { timeout: 60_000 },
  async () => {
    const page = await openPage();
    assert.equal(await text(page, '#connect-title'), en['connect.title']);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.fill('#host', 'bad host!');
    assert.equal(await text(page, '#host-error'), en['validate.host-invalid'].replace('{host}', 'bad host!'));
    await page.fill('#port', '70000');
    assert.equal(await text(page, '#port-error'), en['validate.port-range']);
    const before = sessions.length;
    await page.click('#connect-button');
    assert.equal(sessions.length, before, 'an invalid form does not connect');
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'host',
      'focus goes to the first bad field',
    );
    await page.fill('#host', '127.0.0.1');
    await page.fill('#port', '5999');
    assert.equal(await text(page, '#host-error'), '');
    failNext = new SpiceError('auth-failed', 'ticket rejected');
    await page.click('#connect-button');
    await page.waitForFunction(() => document.body.dataset.state === 'error');
    assert.equal(await text(page, '#error-title'), en['error.auth-failed.title']);
    // The session's sentence for the code (main/session/status-text.ts) is the technical detail.
    assert.match(await text(page, '#error-detail'), /rejected the password/);
    assert.equal(await text(page, '#reconnect-button'), en['action.enter-password']);
    assert.equal(
      await text(page, '#status-text'),
      en['status.error'],
      'the status bar says it once, briefly',
    );
    await page.close();
  },
);

void test(
  'settings: language and theme apply at once, are kept by the session and reach every tab',
  { timeout: 60_000 },
  async () => {
    const page = await openPage();
    await page.click('#connect-panel button[data-action="settings"]');
    await page.waitForSelector('#settings-dialog[open]');
    await page.selectOption('#setting-language', 'zh-CN');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.equal(await text(page, '#connect-title'), zhCN['connect.title']);
    assert.equal(await text(page, '#settings-title'), zhCN['settings.title']);
    assert.equal(await page.getAttribute('#host', 'placeholder'), zhCN['connect.host-placeholder']);
    await page.selectOption('#setting-theme', 'dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(23, 22, 20)');
    await page.keyboard.press('Escape');

    const second = await openPage();
    await second.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.equal(await text(second, '#connect-title'), zhCN['connect.title']);
    assert.equal(await second.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await second.close();

    // Back to the browser's language (English) and the system theme.
    await page.click('#connect-panel button[data-action="settings"]');
    await page.selectOption('#setting-language', 'system');
    await page.selectOption('#setting-theme', 'system');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await text(page, '#connect-title'), en['connect.title']);
    await page.close();
  },
);

void test(
  'shortcuts: remapped in settings, .vv [hotkeys] win; the fullscreen toolbar hides and comes back at the top edge',
  { timeout: 90_000 },
  async () => {
    const page = await openPage();
    const fullscreenButton = '#toolbar button[data-command="fullscreen"]';
    // The user's shortcut for zoom-100.
    await page.click('#connect-panel button[data-action="settings"]');
    await page.fill('#shortcut-zoom-100', 'not a key');
    await page.press('#shortcut-zoom-100', 'Tab');
    assert.match(await text(page, '#shortcut-zoom-100-error'), /not a key/);
    await page.fill('#shortcut-zoom-100', 'ctrl+alt+1');
    await page.press('#shortcut-zoom-100', 'Tab');
    await page.keyboard.press('Escape');

    const vv =
      '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\ntitle=win11\ntoggle-fullscreen=ctrl+alt+f\n';
    await page.setInputFiles('#vv-file', {
      name: 'win11.vv',
      mimeType: 'application/x-virt-viewer',
      buffer: Buffer.from(vv),
    });
    await page.waitForFunction(() => document.body.dataset.state === 'connected');
    const session = sessions[sessions.length - 1]!;
    session.addPrimary(0, 0, 640, 480, () => [40, 40, 40]);
    await page.waitForSelector('#toolbar', { state: 'visible' });
    assert.equal(await page.getAttribute(fullscreenButton, 'aria-keyshortcuts'), 'Ctrl+Alt+F');
    assert.equal(
      await page.getAttribute('#toolbar button[data-command="zoom-100"]', 'aria-keyshortcuts'),
      'Ctrl+Alt+1',
    );
    assert.equal(
      await page.getAttribute('#toolbar button[data-command="release-cursor"]', 'aria-keyshortcuts'),
      'Shift+F12',
    );

    await page.click(fullscreenButton);
    await page.waitForFunction(() => document.fullscreenElement !== null);
    await page.waitForFunction(() => document.getElementById('toolbar')?.classList.contains('autohide'));
    assert.equal(await text(page, fullscreenButton), en['command.exit-fullscreen']);
    await page.mouse.move(300, 300);
    await page.mouse.move(310, 310);
    await page.waitForFunction(
      () => !document.getElementById('toolbar')?.classList.contains('revealed'),
      null,
      { timeout: 5_000 },
    );
    await page.mouse.move(300, 0);
    await page.waitForFunction(() => document.getElementById('toolbar')?.classList.contains('revealed'));
    await page.click(fullscreenButton);
    await page.waitForFunction(() => document.fullscreenElement === null);

    await page.click('#toolbar button[data-action="disconnect"]');
    await page.waitForFunction(() => document.body.dataset.state !== 'connected');
    await page.close();
  },
);
