// A new user in a real browser (Chromium) with `saffron web`: the page opened without its #token= says to open
// the printed address; a server that needs a password leaves the real host and port in the form and tells the
// user to type the password (not "--password"), and Reconnect with it connects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWebHarness, type WebHarness } from '../../main/web/harness';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { parseVvFile } from '../../main/spice/connect/vv-file';
import { SpiceError } from '../../main/spice/errors';
import { silentLogger } from '../../main/spice/logger';
import { buildRendererForTest, launchBrowser, type TestBrowser } from '../support/browser';
import { requireTools } from '../support/require-tool';
import { FakeSession } from '../unit/app/fake-session';

requireTools(['chromium']);

let renderer: { dir: string; cleanup(): void };
let harness: WebHarness;
let browser: TestBrowser;
const passwords: (string | undefined)[] = [];

before(async () => {
  renderer = await buildRendererForTest();
  harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri('spice://10.9.8.7:5931'),
    sessionDeps: {
      createSession: (config) => {
        passwords.push(config.password);
        const s = new FakeSession();
        if (config.password !== 'secret')
          s.connectResult = Promise.reject(
            new SpiceError('password-required', 'the server requires a password'),
          );
        return s;
      },
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  renderer?.cleanup();
});

void test(
  'the page opened without #token= says to open the printed address with its token',
  { timeout: 60_000 },
  async () => {
    const page = await browser.context.newPage();
    await page.goto(harness.url.replace(/#.*$/, ''));
    await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? '') !== '');
    const text = (await page.textContent('#error')) ?? '';
    assert.match(text, /exact address `saffron web` printed, including its #token=… part/);
    assert.doesNotMatch(text, /1006/);
    await page.close();
  },
);

void test(
  'password needed: real host and port in the form, browser wording, Reconnect connects',
  { timeout: 60_000 },
  async () => {
    const page = await browser.context.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => document.body.dataset.state === 'error');
    assert.equal(await page.inputValue('#host'), '10.9.8.7');
    assert.equal(await page.inputValue('#port'), '5931');
    const error = (await page.textContent('#error')) ?? '';
    assert.match(error, /type it in the Password field and press Reconnect/);
    assert.doesNotMatch(error, /--password/);
    await page.fill('#password', 'secret');
    await page.click('#reconnect-button');
    await page.waitForFunction(() => document.body.dataset.state === 'connected');
    assert.equal(passwords[passwords.length - 1], 'secret');
    await page.close();
  },
);
