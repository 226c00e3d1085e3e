// Audio benchmarks (`npm run bench:audio`; part of `npm run bench`):
//  1. Opus decode (and encode) cost per 10 ms frame for every Node Opus library tried, each in a fresh process on
//     the same packets: opus-decoder (used for playback), opusscript (used for the microphone encoder),
//     @evan/opus native and WebAssembly (peers, dev dependency).
//  2. CPU of `saffron capture-audio` (the bundled CLI, a fresh process) recording N seconds from the C test
//     server, raw and Opus, next to the CPU the libspice-server process spends producing the same stream.
//  3. End-to-end latency from spice-server stamping a DATA to the frame reaching a playback sink in Node, raw and
//     Opus (decoded), next to a bare socket + framer reader of the same stream. spice-server stamps DATA with
//     CLOCK_MONOTONIC ms (reds_get_mm_time); on the same machine Node's hrtime is the same clock, so the
//     difference is the true one-way latency. The session's multimedia clock (what video is timed by) is shown
//     too: during playback it reads the last frame's time minus the sink's delay.
//  4. The same stamp → the first sample out of the page's AudioWorklet in Chromium through `saffron web`
//     (bench-audio-browser.ts), next to part 3's Node path, with the load average.
// Usage: npm run bench:audio -- [--seconds N] [--latency-seconds N] [--latency-only]
//   (builds first; needs the C test server and Chromium)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpusScript from 'opusscript';
import { DecodingSink } from '../main/audio/decoding-sink';
import { createOpusDecoder } from '../main/audio/opus-decoder-node';
import type { PlaybackFrame, PlaybackSink } from '../main/spice/audio/audio-adapters';
import { playbackFeature } from '../main/spice/channels/playback-channel';
import { parseSpiceUri } from '../main/spice/connect/uri';
import { silentLogger } from '../main/spice/logger';
import { mmTimeDiff } from '../main/spice/multimedia-clock';
import * as E from '../main/spice/protocol/enums';
import { SpiceSession } from '../main/spice/session';
import { createStreamOpener } from '../main/spice/transport/opener';
import { RawChannel } from '../test/server/raw-channel';
import { browserLatencyBench } from './bench-audio-browser';
import { RawMain } from '../test/server/raw-main';
import { startTestServer, type TestServer } from '../test/support/test-server';

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

// ---- 1. codec cost (child mode: one library per process) ------------------------------------------------

/** 1000 frames of a music-like stereo signal (two tones, a sweep, noise), encoded once by libopus. */
function testPackets(): { packets: Uint8Array[]; pcm: Int16Array[] } {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  let seed = 1;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 1500;
  const packets: Uint8Array[] = [];
  const pcm: Int16Array[] = [];
  for (let f = 0; f < 1000; f++) {
    const frame = new Int16Array(960);
    for (let i = 0; i < 480; i++) {
      const t = (f * 480 + i) / 48000;
      const v =
        7000 * Math.sin(2 * Math.PI * 220 * t) + 3000 * Math.sin(2 * Math.PI * (500 + 400 * t) * t) + noise();
      frame[2 * i] = Math.round(v);
      frame[2 * i + 1] = Math.round(-0.7 * v);
    }
    pcm.push(frame);
    packets.push(enc.encode(Buffer.from(frame.buffer), 480));
  }
  enc.delete();
  return { packets, pcm };
}

async function codecChild(name: string): Promise<void> {
  const { packets, pcm } = testPackets();
  let decode: (p: Uint8Array) => unknown;
  let encode: ((p: Int16Array) => unknown) | null = null;
  if (name === 'opus-decoder') {
    const d = await createOpusDecoder(48000, 2);
    decode = (p) => d.decode(p);
  } else if (name === 'opusscript') {
    const d = new OpusScript(48000, 2);
    const e = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
    decode = (p) => d.decode(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    encode = (p) => e.encode(Buffer.from(p.buffer, p.byteOffset, p.byteLength), 480);
  } else {
    const { Decoder, Encoder } = await import('@evan/opus');
    const d = new Decoder({ channels: 2, sample_rate: 48000 });
    const e = new Encoder({ channels: 2, sample_rate: 48000, application: 'audio' });
    decode = (p) => d.decode(p);
    encode = (p) => e.encode(p);
  }
  const time = (fn: () => void): number => {
    const reps: number[] = [];
    fn(); // warm-up
    for (let r = 0; r < 7; r++) {
      const t0 = process.hrtime.bigint();
      fn();
      reps.push(Number(process.hrtime.bigint() - t0) / 1000 / 1000);
    }
    return median(reps);
  };
  const decodeUs = time(() => packets.forEach((p) => decode(p)));
  const encodeUs = encode ? time(() => pcm.forEach((p) => encode(p))) : null;
  process.stdout.write(JSON.stringify({ decodeUs, encodeUs }) + '\n');
}

function codecBench(): void {
  const bytes = testPackets().packets.reduce((n, p) => n + p.length, 0) / 1000;
  console.log(
    `\nOpus cost per 10 ms stereo frame at 48 kHz (1000 frames, ${bytes.toFixed(0)} bytes average, median of 7)`,
  );
  const rows: [string, string, NodeJS.ProcessEnv][] = [
    ['opus-decoder 0.7 (WebAssembly)', 'opus-decoder', {}],
    ['opusscript 0.1 (WebAssembly)', 'opusscript', {}],
    ['@evan/opus 1.0 (native addon)', 'evan', {}],
    ['@evan/opus 1.0 (WebAssembly)', 'evan', { OPUS_FORCE_WASM: '1' }],
  ];
  for (const [label, name, env] of rows) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench-audio.ts', '--codec-child', name],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (r.status !== 0) {
      console.log(`  ${label.padEnd(34)} failed: ${r.stderr.slice(0, 200)}`);
      continue;
    }
    const { decodeUs, encodeUs } = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      decodeUs: number;
      encodeUs: number | null;
    };
    console.log(
      `  ${label.padEnd(34)} decode ${decodeUs.toFixed(1).padStart(6)} µs (${((decodeUs / 10_000) * 100).toFixed(2)} % of real time)` +
        (encodeUs === null ? '' : `   encode ${encodeUs.toFixed(1).padStart(6)} µs`),
    );
  }
}

// ---- 2. CPU of a capture ---------------------------------------------------------------------------------

const TICKS_PER_SECOND = 100; // Linux USER_HZ

function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}

async function captureCpu(seconds: number): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install time');
  if (!existsSync('dist/cli.cjs')) throw new Error('dist/cli.cjs is missing: npm run build');
  console.log(`\nCPU of recording ${seconds} s of a 48 kHz stereo sine (one core = 100 %)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-audio-'));
  try {
    for (const opus of [false, true]) {
      const server = await startTestServer({ width: 32, height: 32, playbackCompression: opus });
      try {
        const mark = server.eventCount;
        const child = spawn(
          '/usr/bin/time',
          [
            '-f',
            'TIME %e %U %S %M',
            process.execPath,
            'dist/cli.cjs',
            'capture-audio',
            `spice://127.0.0.1:${server.port}`,
            '-o',
            join(dir, 'bench.wav'),
            '--seconds',
            String(seconds),
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        let stdout = '';
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        await server.waitFor(
          (e) => e.event === 'channel' && e.channel === 'playback' && e.state === 'initialized',
          {
            after: mark,
            timeoutMs: 20_000,
          },
        );
        const serverCpu0 = procCpuSeconds(server.pid!);
        await server.sendOk({ cmd: 'play_sine', freq: 440, ms: (seconds + 5) * 1000, amplitude: 0.5 });
        const code = await exited;
        const serverCpu = procCpuSeconds(server.pid!) - serverCpu0;
        const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
        if (code !== 0 || !m) throw new Error(`capture-audio failed (${String(code)}): ${stderr}`);
        const [wall, user, sys, rssKb] = m.slice(1).map(Number) as [number, number, number, number];
        console.log(
          `  ${opus ? 'Opus' : 'raw '}  saffron capture-audio: ${(((user + sys) / wall) * 100).toFixed(2)} % ` +
            `(${(user + sys).toFixed(2)} s CPU in ${wall.toFixed(1)} s, start-up included; max RSS ${(rssKb / 1024).toFixed(0)} MB; ${stdout.trim()})`,
        );
        console.log(
          `        peer, libspice-server producing it: ${((serverCpu / seconds) * 100).toFixed(2)} % (${serverCpu.toFixed(2)} s CPU)`,
        );
      } finally {
        await server.stop();
      }
    }
    const idle = spawnSync(
      '/usr/bin/time',
      ['-f', 'TIME %e %U %S', process.execPath, 'dist/cli.cjs', '--version'],
      {
        encoding: 'utf8',
      },
    );
    const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(idle.stderr);
    if (m) console.log(`  (saffron --version alone: ${(Number(m[2]) + Number(m[3])).toFixed(2)} s CPU)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 3. latency ------------------------------------------------------------------------------------------

/** CLOCK_MONOTONIC in ms, truncated to u32 like spice-server's mm-time. */
const monotonicMm = (): number => Number((process.hrtime.bigint() / 1_000_000n) & 0xffff_ffffn);

function summarize(label: string, xs: number[]): void {
  console.log(
    `  ${label.padEnd(46)} median ${median(xs).toFixed(1).padStart(5)} ms   p95 ${pct(xs, 0.95).toFixed(1).padStart(5)} ms   max ${Math.max(
      ...xs,
    )
      .toFixed(1)
      .padStart(5)} ms   (${xs.length} frames)`,
  );
}

async function sessionLatency(server: TestServer, seconds: number, opus: boolean): Promise<void> {
  const lat: number[] = [];
  const clockLag: number[] = [];
  let session: SpiceSession | null = null;
  const sink: PlaybackSink = {
    acceptsOpus: false,
    start() {},
    data(frame: PlaybackFrame) {
      lat.push(mmTimeDiff(monotonicMm(), frame.timeMs));
      if (session) clockLag.push(mmTimeDiff(frame.timeMs, session.clock.nowMs()));
    },
    stop() {},
    volume() {},
    mute() {},
    latency() {},
    close() {},
  };
  const decoding = new DecodingSink(sink, createOpusDecoder);
  await decoding.prepare();
  session = new SpiceSession({
    opener: createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${server.port}`), { logger: silentLogger }),
    disableChannels: [
      E.SPICE_CHANNEL_DISPLAY,
      E.SPICE_CHANNEL_INPUTS,
      E.SPICE_CHANNEL_CURSOR,
      E.SPICE_CHANNEL_RECORD,
    ],
    features: [playbackFeature(decoding)],
  });
  const mark = server.eventCount;
  try {
    await session.connect();
    await server.waitFor(
      (e) => e.event === 'channel' && e.channel === 'playback' && e.state === 'initialized',
      {
        after: mark,
      },
    );
    const played = server.eventCount;
    await server.sendOk({ cmd: 'play_sine', freq: 440, ms: seconds * 1000, amplitude: 0.5 });
    await server.waitFor((e) => e.event === 'playback_done', {
      after: played,
      timeoutMs: seconds * 1000 + 10_000,
    });
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    session.close();
  }
  summarize(`Saffron session → sink (${opus ? 'Opus, decoded in Node' : 'raw'})`, lat.slice(10));
  if (opus) summarize('  session clock behind the frame being delivered', clockLag.slice(10));
}

async function rawLatency(server: TestServer, seconds: number): Promise<void> {
  const main = await RawMain.open(server.port!);
  const playback = await RawChannel.open({
    port: server.port!,
    channelType: E.SPICE_CHANNEL_PLAYBACK,
    connectionId: main.init.sessionId,
  });
  const lat: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, 200));
    const played = server.eventCount;
    await server.sendOk({ cmd: 'play_sine', freq: 440, ms: seconds * 1000, amplitude: 0.5 });
    const done = server.waitFor((e) => e.event === 'playback_done', {
      after: played,
      timeoutMs: seconds * 1000 + 10_000,
    });
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const m = await Promise.race([playback.nextOfType(E.SPICE_MSG_PLAYBACK_DATA), done.then(() => null)]);
      if (!m) break;
      lat.push(mmTimeDiff(monotonicMm(), m.body.readUInt32LE(0)));
    }
  } finally {
    playback.close();
    main.close();
  }
  summarize('peer: bare socket + framer (raw)', lat.slice(10));
}

async function latencyBench(seconds: number): Promise<void> {
  console.log(
    `\nOne-way latency, spice-server stamping DATA → frame in Node (${seconds} s of 10 ms frames, loopback)`,
  );
  for (const opus of [false, true]) {
    const server = await startTestServer({ width: 32, height: 32, playbackCompression: opus });
    try {
      if (!opus) await rawLatency(server, seconds);
      await sessionLatency(server, seconds, opus);
    } finally {
      await server.stop();
    }
  }
}

if (process.argv.includes('--codec-child')) {
  await codecChild(process.argv[process.argv.indexOf('--codec-child') + 1]!);
} else {
  if (!process.argv.includes('--latency-only')) {
    codecBench();
    await captureCpu(argValue('--seconds', 60));
  }
  await latencyBench(argValue('--latency-seconds', 10));
  await browserLatencyBench(argValue('--latency-seconds', 10));
}
