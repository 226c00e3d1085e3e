// Test support for the renderer: builds the renderer bundle into a temporary directory (so e2e tests do not
// depend on, or disturb, dist/), and launches Debian's Chromium through playwright-core with a fresh profile.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';

import { chromiumPath } from './require-tool';

/** Bundles renderer/index.ts, the audio worklet and renderer/static into a fresh temp dir (dir + cleanup). */
export async function buildRendererForTest(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-renderer-'));
  for (const [entry, out] of [
    ['renderer/index.ts', 'app.js'],
    ['renderer/audio/audio-worklet.ts', 'audio-worklet.js'],
  ] as const)
    await build({
      entryPoints: [entry],
      outfile: join(dir, out),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      sourcemap: false,
      logLevel: 'warning',
    });
  cpSync('renderer/static', dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh user-data dir (deleted on close). */
export async function launchBrowser(
  options: {
    deviceScaleFactor?: number;
    /** Extra Chromium switches (fake media devices, autoplay). */
    args?: string[];
  } = {},
): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'saffron-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.args ?? []),
    ],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  const browser = context.browser();
  return {
    browser: browser as Browser,
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
