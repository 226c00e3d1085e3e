// "spice-html5": Debian's spice-html5 (its own spice_auto.html page) in the same Chromium, through the WebSocket
// relay in html5-proxy-main.ts. The relay's CPU and memory count as the client's, as websockify's would.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchClient, ClientRun, StartContext } from './client';
import { launchBenchBrowser } from './chromium';
import { startLineChild } from './child';
import { pageClientRun } from './page-client';

const HTML5_DIR = '/usr/share/spice-html5';
const PROXY_MAIN = fileURLToPath(new URL('./html5-proxy-main.ts', import.meta.url));

export const html5Client: BenchClient = {
  id: 'spice-html5',
  label: 'spice-html5 in Chromium',
  missing: () => [
    ...(existsSync(`${HTML5_DIR}/spice_auto.html`) ? [] : ['spice-html5']),
    ...(existsSync('/usr/bin/chromium') ? [] : ['chromium']),
  ],
  async start(ctx: StartContext): Promise<ClientRun> {
    const proxy = startLineChild('spice-html5 relay', process.execPath, [
      '--import',
      'tsx',
      PROXY_MAIN,
      String(ctx.serverPort),
      HTML5_DIR,
    ]);
    let browser;
    try {
      const port = (await proxy.waitLine((l) => l.startsWith('listening '), 30_000)).split(' ')[1];
      browser = await launchBenchBrowser({ width: ctx.width + 64, height: ctx.height + 160 });
      await browser.page.goto(
        `http://127.0.0.1:${port}/spice_auto.html?host=127.0.0.1&port=${port}&path=websockify`,
      );
      return await pageClientRun({
        browser,
        nodeGroup: { name: 'relay', roots: () => [proxy.pid] },
        stopNode: () => proxy.stop(),
      });
    } catch (e) {
      await browser?.close().catch(() => undefined);
      await proxy.stop();
      throw e;
    }
  },
};
