// "saffron chromium": Saffron as a user of `saffron web` sees it — the CLI (dist/cli.cjs, as built by
// `npm run build`) runs the session and serves the renderer; Debian's Chromium opens the printed URL; frames are
// counted on the page's canvas by the page tap.
import { existsSync } from 'node:fs';
import type { BenchClient, ClientRun, StartContext } from './client';
import { launchBenchBrowser } from './chromium';
import { startLineChild } from './child';
import { pageClientRun } from './page-client';

const CLI = 'bin/saffron.cjs';
const PROFILE_PRELOAD = new URL('./cpu-profile-preload.cjs', import.meta.url).pathname;

export const saffronWebClient: BenchClient = {
  id: 'saffron-chromium',
  label: 'Saffron in Chromium (saffron web)',
  missing: () => (existsSync('/usr/bin/chromium') ? [] : ['chromium']),
  async start(ctx: StartContext): Promise<ClientRun> {
    if (!existsSync('dist/cli.cjs')) throw new Error('dist/cli.cjs is missing: run `npm run build` first');
    // SAFFRON_BENCH_PROFILE_DIR=DIR: V8 CPU profiles of `saffron web` and its session process (written on exit)
    const profileDir = process.env.SAFFRON_BENCH_PROFILE_DIR;
    const web = startLineChild(
      'saffron web',
      process.execPath,
      [CLI, 'web', `spice://127.0.0.1:${ctx.serverPort}`],
      profileDir
        ? {
            env: {
              ...process.env,
              NODE_OPTIONS: `--require ${PROFILE_PRELOAD}`,
            },
          }
        : {},
    );
    let browser;
    try {
      const line = await web.waitLine((l) => l.startsWith('listening http'), 30_000);
      const url = line.slice('listening '.length);
      // room for the toolbar, so the canvas is shown at 1:1 like spicy's window
      browser = await launchBenchBrowser({ width: ctx.width + 64, height: ctx.height + 160 });
      await browser.page.goto(url);
      return await pageClientRun({
        browser,
        nodeGroup: { name: 'node', roots: () => [web.pid] },
        stopNode: () => web.stop(),
      });
    } catch (e) {
      await browser?.close().catch(() => undefined);
      await web.stop();
      throw e;
    }
  },
};
