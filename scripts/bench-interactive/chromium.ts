// Debian's Chromium for the benchmark pages: the flags the e2e tests use (test/support/browser.ts), a viewport
// large enough to show a 1920×1080 canvas at 1:1, the page tap injected before any page script, and the browser's
// pid so its whole process tree can be measured.
import { existsSync, readlinkSync } from 'node:fs';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath } from '../../test/support/require-tool';
import type { ClockOffset } from './clock';
import { calibrate } from './clock';
import type { PageTapData } from './page-tap';
import { processTree } from './proc-stats';

/** Chromium browser processes started by this process (Playwright spawns them as our children). */
function ownChromiumPids(): Set<number> {
  const out = new Set<number>();
  for (const [pid, st] of processTree([process.pid])) {
    if (st.ppid !== process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/exe`).includes('chromium')) out.add(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export interface BenchBrowser {
  browser: Browser;
  pid: number;
  page: Page;
  /** The page's uncaught exceptions and console errors (the first 20), for failure messages. */
  errors: string[];
  close(): Promise<void>;
}

let tapSource: Promise<string> | undefined;

/** The page tap as one IIFE script (bundled once per run). */
export function pageTapScript(): Promise<string> {
  tapSource ??= build({
    entryPoints: [new URL('./page-tap-entry.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  }).then((r) => r.outputFiles[0]!.text);
  return tapSource;
}

export async function launchBenchBrowser(viewport: { width: number; height: number }): Promise<BenchBrowser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install the Debian package 'chromium'`);
  }
  const before = ownChromiumPids();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const started = [...ownChromiumPids()].filter((p) => !before.has(p));
  const pid = started[0];
  if (pid === undefined || started.length > 1) {
    await browser.close();
    throw new Error(
      `cannot tell which process is the Chromium just started (new: ${started.join(', ') || 'none'})`,
    );
  }
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await context.addInitScript({ content: await pageTapScript() });
  const page = await context.newPage();
  const errors: string[] = [];
  const keep = (text: string): void => {
    if (errors.length < 20) errors.push(text.slice(0, 300));
  };
  page.on('pageerror', (e) => keep(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') keep(`console: ${m.text()}`);
  });
  return { browser, pid, page, errors, close: () => browser.close() };
}

/** Offset from the page's performance.now() to the monotonic clock (see clock.ts). */
export function calibratePage(page: Page): Promise<ClockOffset> {
  return calibrate(async () => 1000 * (await page.evaluate(() => performance.now())));
}

export async function readTap(page: Page): Promise<PageTapData> {
  const data = await page.evaluate(() => window.__saffronBench);
  if (!data) throw new Error('the page tap is not installed in this page');
  return data;
}
