// The part of a ClientRun common to the two browser clients (Saffron's page from `saffron web`, spice-html5):
// Chromium's process tree plus the client's Node process, frames from the page tap, input through Playwright's
// keyboard and mouse (CDP input events, as the e2e tests send them).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import type { ClientRun, FrameSeen, InputSent } from './client';
import type { BenchBrowser } from './chromium';
import { calibratePage, readTap } from './chromium';
import type { ClockOffset } from './clock';
import type { ProcessGroup } from './proc-stats';
import { sleep } from './child';

export interface PageClientParts {
  browser: BenchBrowser;
  /** The client's own Node process (saffron web, or the WebSocket proxy). */
  nodeGroup: ProcessGroup;
  stopNode(): Promise<void>;
}

function toFrames(flat: readonly number[], clock: ClockOffset): FrameSeen[] {
  const out: FrameSeen[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3)
    out.push([flat[i]!, flat[i + 1]! * 1000 + clock.offsetUs, flat[i + 2]!]);
  return out;
}

/** The largest canvas: its backing size and its CSS content size (borders excluded). */
async function screenCanvasSize(
  page: Page,
): Promise<{ width: number; height: number; cssWidth: number; cssHeight: number } | undefined> {
  return page.evaluate(() => {
    let best: HTMLCanvasElement | undefined;
    for (const c of Array.from(document.querySelectorAll('canvas'))) {
      if (!best || c.width * c.height > best.width * best.height) best = c;
    }
    return best
      ? { width: best.width, height: best.height, cssWidth: best.clientWidth, cssHeight: best.clientHeight }
      : undefined;
  });
}

/**
 * Makes the page show the guest screen at 1:1, as spicy's window does: a viewer that fits the screen to the
 * window (Saffron's default zoom) is given a viewport whose room for the canvas is exactly the canvas's size.
 * Returns the scale finally shown.
 */
async function fitOneToOne(page: Page): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const c = await screenCanvasSize(page);
    if (!c || c.width === 0) return Number.NaN;
    const scale = c.cssWidth / c.width;
    if (Math.abs(scale - 1) < 0.001 && Math.abs(c.cssHeight / c.height - 1) < 0.001) return 1;
    const viewport = page.viewportSize();
    if (!viewport) return scale;
    await page.setViewportSize({
      width: Math.max(c.width, viewport.width - (c.cssWidth - c.width)),
      height: Math.max(c.height, viewport.height - (c.cssHeight - c.height)),
    });
    await sleep(300);
  }
  const c = await screenCanvasSize(page);
  return c ? c.cssWidth / c.width : Number.NaN;
}

/** The largest canvas's box in page coordinates (the guest screen). */
async function screenBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.evaluate(() => {
    let best: HTMLCanvasElement | undefined;
    for (const c of Array.from(document.querySelectorAll('canvas'))) {
      if (!best || c.width * c.height > best.width * best.height) best = c;
    }
    const r = best?.getBoundingClientRect();
    return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : undefined;
  });
  if (!box) throw new Error('the page has no canvas');
  return box;
}

/**
 * SAFFRON_BENCH_PROFILE_DIR=DIR: a V8 CPU profile of the page's main thread from the first frame to the end of
 * the window, written to DIR/page-<time>.cpuprofile (open in Chromium's DevTools). For profiling, not measuring:
 * the profiler's own cost lands in the figures.
 */
async function startPageProfile(page: Page): Promise<CDPSession | undefined> {
  if (!process.env.SAFFRON_BENCH_PROFILE_DIR) return undefined;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return cdp;
}

async function stopPageProfile(cdp: CDPSession | undefined): Promise<void> {
  const dir = process.env.SAFFRON_BENCH_PROFILE_DIR;
  if (!cdp || !dir) return;
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync(join(dir, `page-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  await cdp.detach();
}

export async function pageClientRun(parts: PageClientParts): Promise<ClientRun> {
  const { page } = parts.browser;
  const startClock = await calibratePage(page);
  const notes: Record<string, unknown> = { pageClockRttUs: startClock.rttUs };
  let profile: CDPSession | undefined;
  return {
    groups: [parts.nodeGroup, { name: 'chromium', roots: () => [parts.browser.pid] }],
    notes,
    async waitFirstFrame(timeoutMs) {
      try {
        await page.waitForFunction(() => (window.__saffronBench?.seen.length ?? 0) > 0, null, {
          timeout: timeoutMs,
          polling: 100,
        });
      } catch {
        const tap = await readTap(page);
        throw new Error(
          `the page showed no frame counter within ${timeoutMs} ms (canvas draws seen by the tap: ${JSON.stringify(tap.draws)}, ` +
            `counters read by the 250 ms sampler: ${tap.sampled.length / 2}; page errors: ${JSON.stringify(parts.browser.errors.slice(0, 3))}). ` +
            'If the renderer now draws from a worker (OffscreenCanvas), extend scripts/bench-interactive/page-tap.ts.',
        );
      }
      notes.canvasScale = await fitOneToOne(page);
      profile = await startPageProfile(page);
    },
    lastShown: () =>
      page.evaluate(() => {
        const seen = window.__saffronBench?.seen ?? [];
        return { frame: seen.at(-3) ?? -1, rgb: seen.at(-1) ?? -1 };
      }),
    async frames() {
      await stopPageProfile(profile);
      profile = undefined;
      const tap = await readTap(page);
      const endClock = await calibratePage(page);
      notes.pageClockDriftUs = endClock.offsetUs - startClock.offsetUs;
      notes.tapDraws = tap.draws;
      if (parts.browser.errors.length > 0) notes.pageErrors = parts.browser.errors;
      const box = await screenBox(page);
      notes.canvasBox = box;
      // the sampler reads the canvas on its own: every counter it saw must be one the tap saw
      const tapped = new Set(tap.seen.filter((_, i) => i % 3 === 0));
      const sampled = tap.sampled.filter((_, i) => i % 2 === 0);
      notes.samplerChecks = sampled.length;
      notes.samplerMisses = sampled.filter((f) => !tapped.has(f)).length;
      return toFrames(tap.seen, { offsetUs: (startClock.offsetUs + endClock.offsetUs) / 2, rttUs: 0 });
    },
    measurementOverheadCpu: () => Promise.resolve(0),
    async sendInput(keys, moves, gapMs) {
      const box = await screenBox(page);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2); // focus (spice-html5 focuses on hover)
      await sleep(gapMs);
      const from = (await readTap(page)).inputs.length;
      for (let i = 0; i < keys; i++) {
        await page.keyboard.down('KeyA');
        await sleep(5);
        await page.keyboard.up('KeyA');
        await sleep(gapMs);
      }
      for (let i = 0; i < moves; i++) {
        await page.mouse.move(box.x + 40 + ((i * 37) % 400), box.y + 40 + ((i * 23) % 300));
        await sleep(gapMs);
      }
      await sleep(200);
      const clock = await calibratePage(page);
      const inputs = (await readTap(page)).inputs;
      const sent: InputSent[] = [];
      for (let i = from; i + 3 < inputs.length; i += 4) {
        const kind = inputs[i] === 0 ? 'keydown' : inputs[i] === 1 ? 'keyup' : 'move';
        sent.push({ kind, tUs: inputs[i + 1]! * 1000 + clock.offsetUs });
      }
      return sent;
    },
    async stop() {
      await parts.browser.close().catch(() => undefined);
      await parts.stopNode();
    },
  };
}
