// `saffron capture-audio` against the C test server on Debian's libspice-server: the server's real-time sine,
// raw and Opus, lands in the WAV at the right frequency (±1 Hz over ≥ 1 s) and level; a STOP/START gap becomes
// silence; the guest mixer's volume and mute are applied; .vv disable-channels=playback is refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { channelOf, readWav, rms, silentRuns, zeroCrossingFrequency } from '../support/audio-analysis';
import { runCli, type CliRun } from '../support/run-cli';
import { startTestServer, type TestServer } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

const TIME_LIMIT = { timeout: 60_000 };

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the CLI, waits until its playback channel is linked, runs `play`, and resolves with the CLI's result. */
async function captureWhile(server: TestServer, argv: string[], play: () => Promise<void>): Promise<CliRun> {
  const mark = server.eventCount;
  const run = runCli(['capture-audio', ...argv]);
  await server.waitFor(
    (e) => e.event === 'channel' && e.channel === 'playback' && e.state === 'initialized',
    {
      after: mark,
      timeoutMs: 15_000,
    },
  );
  await play();
  return run;
}

function summary(run: CliRun): Record<string, string> {
  const line = run.stdout.trim();
  assert.match(line, /^seconds=\d+\.\d{3} rate=\d+ channels=\d+ codec=(raw|opus|none) silence=\d+\.\d{3}$/);
  return Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
}

for (const compression of [false, true]) {
  const codec = compression ? 'opus' : 'raw';
  for (const freq of compression ? [440, 3000] : [440, 1000]) {
    void test(
      `capture-audio (${codec}): a ${freq} Hz sine is written at ${freq} Hz ±1 and its level`,
      TIME_LIMIT,
      async (t) => {
        const dir = tempDir(t);
        const server = await startTestServer({ width: 32, height: 32, playbackCompression: compression });
        t.after(() => server.stop());
        const out = join(dir, 'out.wav');
        const run = await captureWhile(
          server,
          [`spice://127.0.0.1:${server.port}`, '-o', out, '--seconds', '1.5'],
          async () => {
            await server.sendOk({ cmd: 'play_sine', freq, ms: 4000, amplitude: 0.5 });
          },
        );
        assert.equal(run.code, 0, run.stderr);
        const s = summary(run);
        assert.equal(s.codec, codec);
        assert.equal(s.seconds, '1.500');
        const wav = readWav(out);
        assert.equal(wav.sampleRate, 48000);
        assert.equal(wav.channels, 2);
        assert.equal(wav.frames, 72000);
        // skip the first 50 ms (Opus decoder start-up), measure over ≥ 1 s
        const left = channelOf(wav.samples, 2, 0, 2400);
        const right = channelOf(wav.samples, 2, 1, 2400);
        const f = zeroCrossingFrequency(left, 48000);
        assert.ok(Math.abs(f - freq) <= 1, `frequency ${f.toFixed(2)} Hz`);
        assert.ok(Math.abs(zeroCrossingFrequency(right, 48000) - freq) <= 1);
        const expected = (0.5 * 32767) / Math.SQRT2;
        const tolerance = compression ? 0.05 : 0.005; // Opus is lossy
        assert.ok(
          Math.abs(rms(left) / expected - 1) <= tolerance,
          `rms ${rms(left).toFixed(1)} vs ${expected.toFixed(1)}`,
        );
      },
    );
  }
}

void test('capture-audio: a STOP/START gap becomes silence of the gap length', TIME_LIMIT, async (t) => {
  const dir = tempDir(t);
  const server = await startTestServer({ width: 32, height: 32, playbackCompression: false });
  t.after(() => server.stop());
  const out = join(dir, 'gap.wav');
  const run = await captureWhile(
    server,
    [`spice://127.0.0.1:${server.port}`, '-o', out, '--seconds', '1.6'],
    async () => {
      const mark = server.eventCount;
      await server.sendOk({ cmd: 'play_sine', freq: 500, ms: 500, amplitude: 0.5 });
      await server.waitFor((e) => e.event === 'playback_done', { after: mark, timeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      await server.sendOk({ cmd: 'play_sine', freq: 500, ms: 2000, amplitude: 0.5 });
    },
  );
  assert.equal(run.code, 0, run.stderr);
  const s = summary(run);
  const silence = Number(s.silence);
  // the gap is the 400 ms pause plus the scheduling slop of two control round trips
  assert.ok(silence >= 0.35 && silence <= 0.7, `silence ${silence} s`);
  const wav = readWav(out);
  const left = channelOf(wav.samples, 2, 0);
  const runs = silentRuns(left, 1, 4800);
  assert.equal(runs.length, 1, `one silent stretch, got ${JSON.stringify(runs)}`);
  const [start, end] = runs[0]!;
  assert.ok(Math.abs(start - 24000) <= 480, `the first sound lasts 500 ms (silence from frame ${start})`);
  assert.ok(Math.abs((end - start) / 48000 - silence) <= 0.02, 'the silent stretch is the reported silence');
});

void test('capture-audio: the guest volume scales the level and mute silences it', TIME_LIMIT, async (t) => {
  const dir = tempDir(t);
  const server = await startTestServer({ width: 32, height: 32, playbackCompression: false });
  t.after(() => server.stop());
  const quarter = join(dir, 'quarter.wav');
  // volume set before the client connects: spice-server sends it when the channel links
  await server.sendOk({ cmd: 'playback_volume', left: 16384, right: 65535 });
  let run = await captureWhile(
    server,
    [`spice://127.0.0.1:${server.port}`, '-o', quarter, '--seconds', '1'],
    () => server.sendOk({ cmd: 'play_sine', freq: 440, ms: 3000, amplitude: 0.8 }).then(() => {}),
  );
  assert.equal(run.code, 0, run.stderr);
  let wav = readWav(quarter);
  const full = (0.8 * 32767) / Math.SQRT2;
  assert.ok(
    Math.abs(rms(channelOf(wav.samples, 2, 0)) / (full * (16384 / 65535)) - 1) < 0.01,
    'left at 25 %',
  );
  assert.ok(Math.abs(rms(channelOf(wav.samples, 2, 1)) / full - 1) < 0.01, 'right unchanged');

  await server.sendOk({ cmd: 'play_stop' });
  const muted = join(dir, 'muted.wav');
  run = await captureWhile(
    server,
    [`spice://127.0.0.1:${server.port}`, '-o', muted, '--seconds', '0.5'],
    async () => {
      await server.sendOk({ cmd: 'playback_mute', mute: true });
      await server.sendOk({ cmd: 'play_sine', freq: 440, ms: 3000, amplitude: 0.8 });
    },
  );
  assert.equal(run.code, 0, run.stderr);
  wav = readWav(muted);
  assert.equal(wav.frames, 24000);
  assert.equal(rms(channelOf(wav.samples, 2, 0)), 0, 'muted: silence');
});

void test('capture-audio: .vv disable-channels=playback is refused with exit 2', TIME_LIMIT, async (t) => {
  const dir = tempDir(t);
  const vv = join(dir, 'vm.vv');
  writeFileSync(vv, '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=1\ndisable-channels=playback\n');
  const run = await runCli(['capture-audio', vv, '-o', join(dir, 'x.wav')]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /playback channel is disabled \(disable-channels\)/);
});

void test('capture-audio: bad --seconds and a missing -o are usage errors', TIME_LIMIT, async () => {
  assert.equal(
    (await runCli(['capture-audio', 'spice://127.0.0.1:1', '-o', 'x.wav', '--seconds', '0'])).code,
    2,
  );
  assert.equal(
    (await runCli(['capture-audio', 'spice://127.0.0.1:1', '-o', 'x.wav', '--seconds', 'abc'])).code,
    2,
  );
  assert.equal((await runCli(['capture-audio', 'spice://127.0.0.1:1'])).code, 2);
});

void test(
  'capture-audio: Ctrl-C finishes the WAV and exits 0; a server that goes away keeps what was written (exit 6)',
  TIME_LIMIT,
  async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer({ width: 32, height: 32, playbackCompression: false });
    t.after(() => server.stop());
    const interrupted = join(dir, 'int.wav');
    let run = await captureWhile(
      server,
      [`spice://127.0.0.1:${server.port}`, '-o', interrupted],
      async () => {
        await server.sendOk({ cmd: 'play_sine', freq: 440, ms: 10_000, amplitude: 0.5 });
        await new Promise((resolve) => setTimeout(resolve, 700));
        process.emit('SIGINT');
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const seconds = Number(summary(run).seconds);
    assert.ok(seconds > 0.2 && seconds < 3, `${seconds} s before the interrupt`);
    assert.equal(readWav(interrupted).frames, Math.round(seconds * 48000));

    const cut = join(dir, 'cut.wav');
    run = await captureWhile(server, [`spice://127.0.0.1:${server.port}`, '-o', cut], async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.stop();
    });
    assert.equal(run.code, 6, run.stderr);
    assert.ok(Number(summary(run).seconds) > 0.1);
    assert.ok(readWav(cut).frames > 4800);
  },
);

void test('capture-audio: no sound within --timeout is exit 8 and writes no file', TIME_LIMIT, async (t) => {
  const dir = tempDir(t);
  const server = await startTestServer({ width: 32, height: 32 });
  t.after(() => server.stop());
  const out = join(dir, 'none.wav');
  const run = await runCli([
    'capture-audio',
    `spice://127.0.0.1:${server.port}`,
    '-o',
    out,
    '--timeout',
    '2',
  ]);
  assert.equal(run.code, 8);
  assert.match(run.stderr, /gave up after 2 s waiting for the VM to play sound/);
  assert.equal(run.stdout, '');
  assert.equal(existsSync(out), false);
});
