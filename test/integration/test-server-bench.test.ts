// The test server's benchmark generators (bench_start / bench_stop / clock, test/server/src/bench.c) against
// Saffron's protocol core on a real libspice-server: every generator's frames carry a frame counter that reads
// back from the client's surface, numbers only grow, the frame log covers what the client saw, and input events
// carry the server's monotonic arrival time on the clock Node's process.hrtime reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayFeature } from '../../main/spice/channels/display-feature';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { monoUs } from '../../scripts/bench-interactive/clock';
import {
  READ_WIDTH,
  STRIP_HEIGHT,
  STRIP_SAMPLE_ROW,
  decodeStripRow,
  probeRgb,
} from '../../scripts/bench-interactive/frame-code';
import { requireTools } from '../support/require-tool';
import { startTestServer } from '../support/test-server';
import type { ImageCompression, TestServer } from '../support/test-server';

requireTools(['test-server']);

interface Watch {
  session: SpiceSession;
  seen: number[];
  /** frame → the probe pixel the client showed with it */
  probes: Map<number, number>;
}

/** A core session that reads the frame counter after every draw touching the strip. */
async function watchCounters(server: TestServer): Promise<Watch> {
  const config = parseSpiceUri(`spice://127.0.0.1:${server.port}`);
  const session = new SpiceSession({
    opener: createStreamOpener(config, { logger: silentLogger }),
    disableChannels: [E.SPICE_CHANNEL_CURSOR, E.SPICE_CHANNEL_PLAYBACK, E.SPICE_CHANNEL_RECORD],
    features: [displayFeature({ decodeInWorkers: false })],
  });
  const seen: number[] = [];
  const probes = new Map<number, number>();
  let primary = -1;
  session.on('surface-create', (s) => {
    if (s.primary) primary = s.surfaceId;
  });
  session.on('damage', ({ surfaceId, rect }) => {
    if (surfaceId !== primary || rect.left >= READ_WIDTH || rect.top >= STRIP_HEIGHT) return;
    const surface = session.getSurface(0, primary);
    if (!surface) return;
    const frame = decodeStripRow(surface.pixels, STRIP_SAMPLE_ROW * surface.width * 4);
    if (frame < 0 || frame === seen.at(-1)) return;
    seen.push(frame);
    probes.set(frame, probeRgb(surface.pixels, STRIP_SAMPLE_ROW * surface.width * 4));
  });
  await session.connect();
  return { session, seen, probes };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GENERATORS: ['photo' | 'scroll' | 'terminal', ImageCompression][] = [
  ['photo', 'quic'],
  ['scroll', 'auto_glz'],
  ['terminal', 'auto_glz'],
];

for (const [workload, compression] of GENERATORS) {
  void test(
    `bench ${workload}: counters read back from the client's surface, in order, logged`,
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-gen-'));
      const server = await startTestServer({
        width: 1024,
        height: 256,
        compression,
        streaming: 'off',
        jpeg: 'never',
        zlibGlz: 'never',
      });
      let watch: Watch | undefined;
      try {
        watch = await watchCounters(server);
        const w = watch;
        const start = await server.sendOk({ cmd: 'bench_start', workload, fps: 30, seed: 7 });
        assert.deepEqual(
          [start.width, start.height, start.strip_block, start.strip_bits],
          [1024, 256, 16, 20],
        );
        await until(() => w.seen.length >= 5, 30_000, 'five frame counters');
        const log = join(dir, 'frames.txt');
        const stop = await server.sendOk({ cmd: 'bench_stop', path: log });
        const frames = Number(stop.frames);
        assert.ok(frames >= 5 && Number(stop.pulled) <= frames, JSON.stringify(stop));
        // numbers only grow and are never beyond what the server made
        for (let i = 1; i < w.seen.length; i++) assert.ok(w.seen[i]! > w.seen[i - 1]!, `${w.seen.join(',')}`);
        assert.ok(w.seen.at(-1)! <= frames);
        // the client catches up with the last frame once the generator stops
        await until(() => w.seen.at(-1) === frames, 20_000, `frame ${frames} on the client`);
        const lines = readFileSync(log, 'utf8').trim().split('\n');
        assert.equal(lines.length, frames);
        const [n, push, pull] = lines[0]!.split(' ').map(Number);
        assert.equal(n, 1);
        assert.ok(push! > 0 && (pull === 0 || pull! >= push!), lines[0]);
        // a lossless path shows the probe pixel exactly as the server drew it
        for (const [frame, rgb] of w.probes) {
          const logged = Number.parseInt(lines[frame - 1]!.split(' ')[3]!, 16);
          assert.equal(rgb.toString(16), logged.toString(16), `frame ${frame}`);
        }
      } finally {
        watch?.session.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

void test(
  'bench_start refuses an unknown workload and a surface too small for the strip',
  { timeout: 30_000 },
  async () => {
    const small = await startTestServer({ width: 640, height: 480 });
    try {
      const r = await small.send({ cmd: 'bench_start', workload: 'terminal' });
      assert.equal(r.ok, false);
      assert.match(String(r.error), /smaller than/);
      const bad = await small.send({ cmd: 'bench_start', workload: 'teapot' as 'photo' });
      assert.equal(bad.ok, false);
      assert.match(String(bad.error), /photo, scroll or terminal/);
    } finally {
      await small.stop();
    }
  },
);

void test(
  'the server clock is the monotonic clock, and inputs report their arrival time on it',
  { timeout: 30_000 },
  async () => {
    const server = await startTestServer({ width: 1024, height: 256 });
    let watch: Watch | undefined;
    try {
      const before = monoUs();
      const clock = await server.sendOk({ cmd: 'clock' });
      const after = monoUs();
      assert.ok(
        Number(clock.monotonic_us) >= before && Number(clock.monotonic_us) <= after,
        JSON.stringify(clock),
      );
      watch = await watchCounters(server);
      const mark = server.eventCount;
      const sent = monoUs();
      // the inputs channel opens after the display channel: retry until the press arrives
      const key = server.waitFor((e) => e.event === 'key' && e.scancode === 0x1e, {
        after: mark,
        timeoutMs: 10_000,
      });
      const timer = setInterval(() => watch!.session.inputs.keyDown(0x1e), 200);
      watch.session.inputs.keyDown(0x1e);
      const event = await key.finally(() => clearInterval(timer));
      assert.equal(typeof event.t_us, 'number');
      assert.ok(Number(event.t_us) >= sent && Number(event.t_us) <= monoUs(), JSON.stringify(event));
    } finally {
      watch?.session.close();
      await server.stop();
    }
  },
);
