// One measurement: a fresh test server for the workload, one client connected to it, the generator started, a
// warm-up, then a fixed window in which the client's frames, CPU and memory are taken; optionally the input
// latency afterwards on the still screen.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from '../../test/support/test-server';
import type { TestServer } from '../../test/support/test-server';
import type { BenchClient, ClientRun, FrameSeen } from './client';
import { sleep } from './child';
import { monoUs } from './clock';
import type { InputFigures } from './input-latency';
import { pairInputs, serverInputKind } from './input-latency';
import type { ServerInput } from './input-latency';
import type { GroupUsage } from './proc-stats';
import { startUsage } from './proc-stats';
import type { Spread } from './stats';
import { spread } from './stats';
import type { Workload } from './workloads';

export interface MeasureOptions {
  warmupMs: number;
  windowMs: number;
  /** Measure input latency after the window (keys and pointer moves). */
  input: { keys: number; moves: number; gapMs: number } | undefined;
  tmpDir: string;
  /** Registers what must be stopped if the benchmark is interrupted; returns the unregistration. */
  track: (stop: () => Promise<void>) => () => void;
}

export interface Measurement {
  workload: string;
  client: string;
  windowSeconds: number;
  /** Distinct frame numbers that reached the client's screen in the window, per second. */
  framesPerSecond: number;
  framesShown: number;
  /** How far the frame number on screen advanced per second (frames the screen caught up with). */
  updatesPerSecond: number;
  /** Client CPU in the window (probe overhead removed), all process groups. */
  cpuSeconds: number;
  cpuMsPerFrame: number;
  /** Peak of the summed RSS of all groups (each group's peak, added; shared pages counted per process). */
  rssPeakMb: number;
  /** The same with PSS (shared pages counted once): the fair figure for multi-process clients. */
  pssPeakMb: number;
  /** After the generator stopped: how long the client took to show the last frame (its backlog), ms. */
  drainMs: number;
  /** Video workloads: from the first frame shown to the first frame shown from the stream, ms (NaN: never). */
  streamWaitMs: number | null;
  groups: GroupUsage[];
  /** Server draw (frame submitted to spice-server) to the frame on the client's screen. */
  latencyMs: Spread;
  /** Frames in the window whose probe pixel differed from what the server drew: received lossy (JPEG, video). */
  lossyFrames: number;
  /** Frame numbers that went backwards on screen (must be 0: the counter reads are sound). */
  framesOutOfOrder: number;
  /** The generator: frames made in all, per second in the window, taken by spice-server's worker per second, and
   * (fixed pace) frames not made because the QXL queue was full. */
  server: { framesGenerated: number; generatedPerSecond: number; pulledPerSecond: number; skipped: number };
  overheadCpuPerSecond: number;
  input: InputFigures | null;
  notes: Record<string, unknown>;
}

interface FrameLogEntry {
  pushUs: number;
  pullUs: number;
  probeRgb: number;
}

/** The server's frame log: "frame push_us pull_us probe_rgb_hex" per line (test/server/src/bench.c). */
function readFrameLog(path: string): FrameLogEntry[] {
  const out: FrameLogEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [, push, pull, probe] = line.split(' ');
    if (push !== undefined) {
      out.push({ pushUs: Number(push), pullUs: Number(pull), probeRgb: Number.parseInt(probe ?? '', 16) });
    }
  }
  return out;
}

function framesInWindow(frames: readonly FrameSeen[], t0: number, t1: number): FrameSeen[] {
  return frames.filter(([, t]) => t >= t0 && t <= t1);
}

function maxFrameBy(frames: readonly FrameSeen[], t: number): number {
  let max = 0;
  for (const [f, seen] of frames) if (seen <= t && f > max) max = f;
  return max;
}

const DRAIN_TIMEOUT_MS = 10_000;
const STREAM_TIMEOUT_MS = 20_000;

/**
 * Waits until the client shows a frame received lossy (its probe pixel differs from the server's): the video
 * stream has reached it, past the images sent before the stream started. Returns the wait in ms, NaN if not.
 */
async function waitForStream(run: ClientRun, server: TestServer, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const shown = await run.lastShown();
    if (shown.frame > 0) {
      const logged = await server.send({ cmd: 'bench_frame', frame: shown.frame });
      if (logged.ok && Number.parseInt(String(logged.probe), 16) !== shown.rgb) return Date.now() - start;
    }
    await sleep(250);
  }
  return Number.NaN;
}

/** Waits until the client shows `frame` (the generator's last); returns the wait in ms, NaN if it never did. */
async function waitForFrame(run: ClientRun, frame: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if ((await run.lastShown()).frame >= frame) return Date.now() - start;
    await sleep(100);
  }
  return Number.NaN;
}

export async function measure(
  workload: Workload,
  client: BenchClient,
  options: MeasureOptions,
): Promise<Measurement> {
  let server: TestServer | undefined;
  let run: ClientRun | undefined;
  let untrackServer: (() => void) | undefined;
  let untrackRun: (() => void) | undefined;
  const logPath = join(options.tmpDir, `frames-${workload.id}-${client.id}.txt`);
  try {
    server = await startTestServer({ ...workload.server, startTimeoutMs: 20_000 });
    const startedServer = server;
    untrackServer = options.track(() => startedServer.stop());
    run = await client.start({
      serverPort: server.port!,
      width: workload.server.width ?? 1920,
      height: workload.server.height ?? 1080,
      tmpDir: options.tmpDir,
    });
    const startedRun = run;
    untrackRun = options.track(() => startedRun.stop());
    await server.sendOk(
      { cmd: 'bench_start', workload: workload.generator, fps: workload.fps, seed: 1 },
      30_000,
    );
    await run.waitFirstFrame(30_000);
    // a video workload is measured once the stream reaches the client (not on the images before it)
    const streamWaitMs =
      workload.pace === 'fixed' ? await waitForStream(run, server, STREAM_TIMEOUT_MS) : null;
    await sleep(options.warmupMs);

    const t0 = monoUs();
    const usage = startUsage(run.groups);
    await sleep(options.windowMs);
    const groups = usage.stop();
    const t1 = monoUs();

    const stop = await server.sendOk({ cmd: 'bench_stop', path: logPath });
    const drainMs = await waitForFrame(run, Number(stop.frames), DRAIN_TIMEOUT_MS);
    const overhead = await run.measurementOverheadCpu();
    const frames = await run.frames();
    const log = readFrameLog(logPath);

    const windowSeconds = (t1 - t0) / 1e6;
    const shown = framesInWindow(frames, t0, t1);
    const latencies: number[] = [];
    let lossyFrames = 0;
    for (const [f, t, rgb] of shown) {
      const entry = log[f - 1];
      if (!entry) continue;
      latencies.push((t - entry.pushUs) / 1000);
      if (rgb !== entry.probeRgb) lossyFrames++;
    }
    let framesOutOfOrder = 0;
    for (let i = 1; i < frames.length; i++) if (frames[i]![0] < frames[i - 1]![0]) framesOutOfOrder++;
    const cpuSeconds = Math.max(0, groups.reduce((s, g) => s + g.cpuSeconds, 0) - overhead * windowSeconds);
    const generated = log.filter((e) => e.pushUs >= t0 && e.pushUs <= t1).length;
    const pulled = log.filter((e) => e.pullUs >= t0 && e.pullUs <= t1).length;

    let input: InputFigures | null = null;
    if (options.input && run.sendInput) {
      const mark = server.eventCount;
      const sent = await run.sendInput(options.input.keys, options.input.moves, options.input.gapMs);
      const arrived = server.events
        .slice(mark)
        .map((e) => serverInputKind(e))
        .filter((e): e is ServerInput => e !== undefined);
      input = pairInputs(sent, arrived);
    }

    return {
      workload: workload.id,
      client: client.id,
      windowSeconds,
      framesPerSecond: shown.length / windowSeconds,
      framesShown: shown.length,
      updatesPerSecond: (maxFrameBy(frames, t1) - maxFrameBy(frames, t0)) / windowSeconds,
      cpuSeconds,
      cpuMsPerFrame: shown.length > 0 ? (1000 * cpuSeconds) / shown.length : Number.NaN,
      rssPeakMb: groups.reduce((s, g) => s + g.rssPeakMb, 0),
      pssPeakMb: groups.reduce((s, g) => s + g.pssPeakMb, 0),
      drainMs,
      streamWaitMs,
      groups,
      latencyMs: spread(latencies),
      lossyFrames,
      framesOutOfOrder,
      server: {
        framesGenerated: Number(stop.frames),
        generatedPerSecond: generated / windowSeconds,
        pulledPerSecond: pulled / windowSeconds,
        skipped: Number(stop.skipped),
      },
      overheadCpuPerSecond: overhead,
      input,
      notes: run.notes,
    };
  } finally {
    await run?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    untrackRun?.();
    untrackServer?.();
    rmSync(logPath, { force: true });
  }
}
