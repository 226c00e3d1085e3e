// Sound through `saffron web` in Debian's Chromium, against the libspice-server test server: its 48 kHz sine (raw
// and Opus) reaches the page's AudioWorklet with the right frequency and level (a test tap in the worklet),
// the user's volume scales it, and the delay the page reports reaches the session; the microphone (Chromium's fake
// capture device playing a tone file) is opened only after the user enables it and the server records, and the
// server measures what it received.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { wavHeader } from '../../main/audio/wav-writer';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { startWebHarness } from '../../main/web/harness';
import type { WebHarness } from '../../main/web/harness';
import { rms, zeroCrossingFrequency } from '../support/audio-analysis';
import { buildRendererForTest, launchBrowser } from '../support/browser';
import type { TestBrowser } from '../support/browser';
import { startTestServer } from '../support/test-server';
import type { TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['chromium', 'test-server']);

const TIME_LIMIT = { timeout: 120_000 };
const MIC_TONE_HZ = 440;

let renderer: { dir: string; cleanup(): void };
let toneDir: string;
let browser: TestBrowser;

interface AudioTestWindow {
  saffronAudioTest: {
    tap(frames: number): Promise<number[][]>;
    played(): readonly { timeMs: number; sentAtMs: number; outputAtMs: number }[];
    contextState(): string;
    settings(changes: { micProcessing?: boolean }): void;
    capabilities(): { opusDecoder: boolean; opusEncoder: boolean; microphone: boolean } | undefined;
  };
}

/** 10 s of a 440 Hz sine at half scale, mono 48 kHz: what Chromium's fake microphone plays (in a loop). */
function writeToneFile(path: string): void {
  const rate = 48000;
  const samples = new Int16Array(rate * 10);
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * MIC_TONE_HZ * i) / rate));
  writeFileSync(path, Buffer.concat([wavHeader(rate, 1, samples.byteLength), Buffer.from(samples.buffer)]));
}

before(async () => {
  renderer = await buildRendererForTest();
  toneDir = mkdtempSync(join(tmpdir(), 'saffron-mic-'));
  writeToneFile(join(toneDir, 'tone.wav'));
  browser = await launchBrowser({
    args: [
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${join(toneDir, 'tone.wav')}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  renderer?.cleanup();
  if (toneDir) rmSync(toneDir, { recursive: true, force: true });
});

async function openPage(
  server: TestServer,
): Promise<{ page: Page; harness: WebHarness; close(): Promise<void> }> {
  const harness = await startWebHarness({
    rendererDir: renderer.dir,
    logger: silentLogger,
    env: {},
    config: parseSpiceUri(`spice://127.0.0.1:${server.port}`),
  });
  const page = await browser.context.newPage();
  await page.goto(`${harness.url}&audio-test=1`);
  await page.waitForFunction(() => document.body.dataset.state === 'connected', null, { timeout: 20_000 });
  await page.waitForFunction(
    () => (window as unknown as AudioTestWindow).saffronAudioTest?.capabilities() !== undefined,
    null,
    { timeout: 10_000 },
  );
  return {
    page,
    harness,
    close: async () => {
      await page.close();
      await harness.close();
    },
  };
}

/** Taps `seconds` of what reaches the worklet while the server plays a sine; returns the left channel. */
async function tapWhilePlaying(
  page: Page,
  server: TestServer,
  freq: number,
  seconds: number,
): Promise<Float64Array> {
  // The first 100 ms are left out: the start of a stream (an Opus decoder's first frames) is a transient.
  const skip = 4800;
  const frames = Math.round(48000 * seconds) + skip;
  const tapped = page.evaluate((n) => (window as unknown as AudioTestWindow).saffronAudioTest.tap(n), frames);
  await server.sendOk({ cmd: 'play_sine', freq, ms: Math.round(seconds * 1000) + 1500, amplitude: 0.5 });
  const planes = await tapped;
  assert.equal(planes.length, 2, 'stereo at the worklet');
  return Float64Array.from(planes[0]!.slice(skip));
}

for (const opus of [false, true]) {
  void test(
    `playback (${opus ? 'Opus, WebCodecs AudioDecoder' : 'raw PCM'}): the sine reaches the AudioWorklet at its frequency and level`,
    TIME_LIMIT,
    async (t) => {
      const server = await startTestServer({ width: 64, height: 48, playbackCompression: opus });
      const view = await openPage(server);
      t.after(async () => {
        await view.close();
        await server.stop();
      });
      const caps = await view.page.evaluate(() =>
        (window as unknown as AudioTestWindow).saffronAudioTest.capabilities(),
      );
      assert.deepEqual(caps, { opusDecoder: true, opusEncoder: false, microphone: true }, 'a secure context');

      const left = await tapWhilePlaying(view.page, server, 1000, 1.5);
      const freq = zeroCrossingFrequency(left, 48000);
      assert.ok(Math.abs(freq - 1000) <= 1, `frequency ${freq.toFixed(2)} Hz`);
      const level = rms(left);
      // 0.5 amplitude → RMS 0.354; Opus within a few per cent.
      assert.ok(Math.abs(level - 0.5 / Math.SQRT2) < (opus ? 0.02 : 0.005), `RMS ${level.toFixed(4)}`);
      assert.equal(
        await view.page.evaluate(() =>
          (window as unknown as AudioTestWindow).saffronAudioTest.contextState(),
        ),
        'running',
      );

      // The user's volume (50 % → gain 0.25, a perceptual curve) reaches the worklet.
      await view.page.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('.audio-volume')!;
        input.value = '50';
        input.dispatchEvent(new Event('input'));
      });
      // The new gains travel to the session and back (before the audio-state that retitles the slider): wait for
      // them, so the tap does not start under the old volume on a loaded machine.
      await view.page.waitForFunction(
        () => document.querySelector<HTMLInputElement>('.audio-volume')?.title === 'Volume 50%',
        null,
        { timeout: 10_000 },
      );
      // Gains already in the worklet's queue may still play at the old volume: measure again if the first is loud.
      let quieter = Number.NaN;
      for (let attempt = 0; attempt < 4; attempt++) {
        quieter = rms(await tapWhilePlaying(view.page, server, 440, 1));
        if (Math.abs(quieter - (0.25 * 0.5) / Math.SQRT2) < 0.01) break;
      }
      assert.ok(Math.abs(quieter - (0.25 * 0.5) / Math.SQRT2) < 0.01, `RMS at 50 %: ${quieter.toFixed(4)}`);

      // Each played frame's server stamp and output time: the page measured a latency.
      const played = await view.page.evaluate(
        () => (window as unknown as AudioTestWindow).saffronAudioTest.played().length,
      );
      assert.ok(played > 50, `${played} frames timed`);
    },
  );
}

void test(
  'microphone: off until the user enables it; then the server records the fake device’s tone',
  TIME_LIMIT,
  async (t) => {
    const server = await startTestServer({ width: 64, height: 48 });
    const view = await openPage(server);
    t.after(async () => {
      await view.close();
      await server.stop();
    });
    const { page } = view;
    // Without the user's consent the VM hears nothing, even while it records.
    await server.sendOk({ cmd: 'record_start' });
    await page.waitForFunction(
      () => document.querySelector('.audio-controls')?.getAttribute('data-mic-status') === 'off',
    );
    await new Promise((r) => setTimeout(r, 800));
    const silent = await server.sendOk({ cmd: 'record_stop' });
    assert.equal(Number(silent.frames), 0, 'nothing recorded before the user enabled the microphone');

    // The raw signal (no echo cancellation / noise suppression / gain control), so its level is the file's.
    await page.evaluate(() =>
      (window as unknown as AudioTestWindow).saffronAudioTest.settings({ micProcessing: false }),
    );
    await page.click('.audio-mic');
    await page.waitForFunction(
      () => document.querySelector('.audio-controls')?.getAttribute('data-mic-status') === 'waiting',
    );
    await server.sendOk({ cmd: 'record_start' });
    await page.waitForFunction(
      () => document.querySelector('.audio-controls')?.getAttribute('data-mic-status') === 'capturing',
      null,
      { timeout: 10_000 },
    );
    await new Promise((r) => setTimeout(r, 3000));
    const stats = await server.sendOk({ cmd: 'record_stop' });
    // spice-server reads only while half its 8192-frame ring is full; a loaded machine delivers late.
    assert.ok(Number(stats.frames) >= 24000, `frames ${String(stats.frames)}`);
    assert.ok(Number(stats.rms_left) > 0.05, `RMS ${String(stats.rms_left)}`);
    assert.ok(
      // Zero crossings over what arrived: a sample block lost on a loaded machine shifts the estimate a few Hz.
      Math.abs(Number(stats.freq_left) - MIC_TONE_HZ) < 15,
      `the server heard ${String(stats.freq_left)} Hz`,
    );
    await page.waitForFunction(
      () => document.querySelector('.audio-controls')?.getAttribute('data-mic-status') === 'waiting',
    );
  },
);
