// Part 4 of `npm run bench:audio`: end-to-end playback latency in the browser, from spice-server stamping a DATA
// (CLOCK_MONOTONIC ms) to that frame's first sample leaving the page's AudioWorklet output (AudioContext
// getOutputTimestamp, so the output device's latency is included), through `saffron web` (session process →
// WebSocket → page → WebCodecs/PCM → jitter buffer) in Debian's Chromium, raw and Opus. Node's hrtime is the
// server's clock on this machine; the page's clock is performance.timeOrigin + now() (epoch ms), related to it here.
import { loadavg } from 'node:os';
import { parseSpiceUri } from '../main/spice/connect/uri';
import { silentLogger } from '../main/spice/logger';
import { startWebHarness } from '../main/web/harness';
import { buildRendererForTest, launchBrowser } from '../test/support/browser';
import { startTestServer } from '../test/support/test-server';

interface PlayedFrame {
  timeMs: number;
  sentAtMs: number;
  outputAtMs: number;
}

const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Server mm-time (u32 ms of CLOCK_MONOTONIC) of a frame → epoch ms, given the epoch − monotonic offset. */
function stampToEpoch(timeMs: number, epochMinusMonotonic: number): number {
  const now = monotonicMs();
  const wraps = Math.round((now - timeMs) / 2 ** 32);
  return timeMs + wraps * 2 ** 32 + epochMinusMonotonic;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
  return `median ${at(0.5).toFixed(1).padStart(5)} ms   p95 ${at(0.95).toFixed(1).padStart(5)} ms   max ${s
    .at(-1)!
    .toFixed(1)
    .padStart(5)} ms`;
}

export async function browserLatencyBench(seconds: number): Promise<void> {
  console.log(
    `\nEnd-to-end latency in Chromium via saffron web: spice-server stamps DATA → first sample out of the AudioWorklet (${seconds} s)`,
  );
  console.log(
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (uptime)`,
  );
  const renderer = await buildRendererForTest();
  const browser = await launchBrowser({ args: ['--autoplay-policy=no-user-gesture-required'] });
  try {
    for (const opus of [false, true]) {
      const server = await startTestServer({ width: 32, height: 32, playbackCompression: opus });
      const harness = await startWebHarness({
        rendererDir: renderer.dir,
        logger: silentLogger,
        env: {},
        config: parseSpiceUri(`spice://127.0.0.1:${server.port}`),
      });
      const page = await browser.context.newPage();
      try {
        await page.goto(`${harness.url}&audio-test=1`);
        await page.waitForFunction(
          () =>
            document.body.dataset.state === 'connected' &&
            (
              window as unknown as { saffronAudioTest?: { capabilities(): unknown } }
            ).saffronAudioTest?.capabilities() !== undefined,
          null,
          { timeout: 30_000 },
        );
        const mark = server.eventCount;
        await server.sendOk({ cmd: 'play_sine', freq: 440, ms: seconds * 1000, amplitude: 0.5 });
        await server.waitFor((e) => e.event === 'playback_done', {
          after: mark,
          timeoutMs: seconds * 1000 + 15_000,
        });
        await new Promise((r) => setTimeout(r, 500));
        const played = await page.evaluate(() => [
          ...(
            window as unknown as { saffronAudioTest: { played(): PlayedFrame[] } }
          ).saffronAudioTest.played(),
        ]);
        const outputLatencyMs = await page.evaluate(() =>
          (
            window as unknown as { saffronAudioTest: { outputLatencyMs(): number } }
          ).saffronAudioTest.outputLatencyMs(),
        );
        const epochMinusMonotonic = performance.timeOrigin + performance.now() - monotonicMs();
        // The first frames fill the jitter buffer; the stream settles after them.
        const settled = played.slice(20);
        if (settled.length === 0) {
          console.log(`  ${opus ? 'Opus (WebCodecs)' : 'raw PCM'}: no frames played`);
          continue;
        }
        const total = settled.map((f) => f.outputAtMs - stampToEpoch(f.timeMs, epochMinusMonotonic));
        const toSession = settled.map((f) => f.sentAtMs - stampToEpoch(f.timeMs, epochMinusMonotonic));
        const inPage = settled.map((f) => f.outputAtMs - f.sentAtMs);
        const label = opus ? 'Opus, WebCodecs AudioDecoder' : 'raw PCM';
        console.log(
          `  ${`server stamp → worklet output (${label})`.padEnd(56)} ${stats(total)}   (${settled.length} frames)`,
        );
        console.log(
          `  ${'  of which server stamp → session process sent it'.padEnd(56)} ${stats(toSession)}`,
        );
        console.log(
          `  ${'  of which sent → output (socket, page, jitter buffer, device)'.padEnd(56)} ${stats(inPage)}`,
        );
        console.log(
          `  ${'  the output device (AudioContext outputLatency + baseLatency)'.padEnd(56)} ${outputLatencyMs.toFixed(1)} ms`,
        );
      } finally {
        await page.close();
        await harness.close();
        await server.stop();
      }
    }
  } finally {
    await browser.close();
    renderer.cleanup();
  }
}
