// `npm run bench:frame-path`: the display frame path of `saffron web`, from the session's surface to the page's
// canvas, for this checkout and for a baseline git ref built in the same run (default: the commit before the
// session process, BASELINE_REF), both against the same scripted SPICE server on loopback and Debian's Chromium.
//
// The server streams full-screen 1920×1080 DRAW_FILLs (alternating colours) at a fixed rate; each becomes full
// damage, so every frame carries 8 MiB of pixels through the whole path. Two measurements per variant:
// - to Chromium: the page draws with its frame-rate limit off, so frames/s is what surface → canvas sustains;
// - to a WebSocket client in Node that acknowledges each frame at once and draws nothing: the `saffron web` side of
//   the path alone (surface → session process → server → socket), without Chromium's share.
// ms per update is the inverse of frames/s. Variants run interleaved (A B A B …) and medians are reported, because
// this machine is shared.
//
//   npm run bench:frame-path -- [--baseline REF] [--rounds N] [--seconds S] [--rate UPDATES_PER_S]
//
// The baseline is built from `git archive REF` in a temporary directory outside the repository (with this
// checkout's node_modules); from a clone without that history the bench says so and measures this checkout only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import WebSocket from 'ws';
import * as E from '../main/spice/protocol/enums';
import { SpiceWriter } from '../main/spice/wire/writer';
import * as B from '../test/support/display-builders';
import { ScriptedServer, type ScriptedConnection } from '../test/support/scripted-server';
import { mainInit } from '../test/support/session-harness';

/** main before the session process (issue 9): SessionHost in the server process, copies in four places. */
const BASELINE_REF = 'a8fc442b43c1ea6b99a275502bc1267635ce2d78';
const WIDTH = 1920;
const HEIGHT = 1080;

/**
 * Copies of a frame's pixels from surface to canvas, by where they happen. "crossing" = the kernel copying between
 * processes (a socket); the canvas upload (putImageData) is the last copy in both.
 */
const COPIES: Record<'baseline' | 'current', string[]> = {
  baseline: [
    'copyRect: surface → ArrayBuffer (server process)',
    'encodeViewMessage: → header + pixels frame (server process)',
    'crossing: WebSocket, server → Chromium',
    'decodeViewMessage: slice of the frame (page)',
    'putImageData: → canvas',
  ],
  current: [
    'copyRectInto: surface → the socket frame, in place (session process)',
    'crossing: socket, session process → server (forwarded as WebSocket fragments, not joined)',
    'crossing: WebSocket, server → Chromium',
    'putImageData of a view of the received frame: → canvas',
  ],
};

interface Options {
  baseline: string;
  rounds: number;
  seconds: number;
  rate: number;
}

function parseArgs(): Options {
  const a = process.argv.slice(2);
  const get = (k: string): string | undefined => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    baseline: get('--baseline') ?? BASELINE_REF,
    rounds: Number(get('--rounds') ?? 3),
    seconds: Number(get('--seconds') ?? 4),
    rate: Number(get('--rate') ?? 120),
  };
}

/** Builds `ref` into a temporary directory; undefined (with the reason printed) when that is impossible. */
function buildBaseline(ref: string): { dir: string; cli: string } | undefined {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { stdio: 'ignore' });
  } catch {
    console.log(`baseline ${ref}: unavailable (not in this clone's history); measuring this checkout only`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'saffron-baseline-'));
  const archive = spawnSync('sh', ['-c', `git archive ${ref} | tar -x -C '${dir}'`], { stdio: 'inherit' });
  if (archive.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`baseline ${ref}: git archive failed; measuring this checkout only`);
    return undefined;
  }
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], {
    cwd: dir,
    stdio: 'inherit',
    timeout: 300_000,
  });
  if (build.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`baseline ${ref}: its build failed; measuring this checkout only`);
    return undefined;
  }
  return { dir, cli: join(dir, 'bin', 'saffron.cjs') };
}

/** Serves every client: main channel with MAIN_INIT and a display channel, then full-screen fills at `rate`/s. */
function serve(server: ScriptedServer, rate: number): () => void {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const display = async (conn: ScriptedConnection): Promise<void> => {
    await conn.nextOfType(E.SPICE_MSGC_DISPLAY_INIT, 10_000);
    conn.send(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      B.encodeSurfaceCreate({
        surface_id: 0,
        width: WIDTH,
        height: HEIGHT,
        format: E.SPICE_SURFACE_FMT_32_xRGB,
        flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
      }),
    );
    let n = 0;
    const fill = (color: number): Uint8Array =>
      B.encodeDrawFill({
        base: B.displayBase(0, B.rect(0, 0, WIDTH, HEIGHT)),
        data: {
          brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color },
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          mask: B.NO_MASK,
        },
      });
    const fills = [fill(0x2040c0), fill(0xc04020)];
    const timer = setInterval(() => {
      // Never queue more than the client takes: skip a tick while the socket is backed up.
      if (conn.socket.destroyed || conn.socket.writableLength > 1 << 20) return;
      conn.send(E.SPICE_MSG_DISPLAY_DRAW_FILL, fills[n++ & 1]);
    }, 1000 / rate);
    timers.add(timer);
    conn.socket.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      // One waiter at a time, for as long as it takes (a timed-out waiter would swallow the next connection);
      // main() exits the process when done.
      const conn = await server.connection(2_000_000_000);
      if (conn.channelType === E.SPICE_CHANNEL_MAIN) {
        conn.send(E.SPICE_MSG_MAIN_INIT, mainInit());
        conn.send(
          E.SPICE_MSG_MAIN_CHANNELS_LIST,
          new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
        );
      } else if (conn.channelType === E.SPICE_CHANNEL_DISPLAY) {
        display(conn).catch(() => conn.socket.destroy());
      }
    }
  };
  void loop();
  return () => {
    stopped = true;
    for (const t of timers) clearInterval(t);
  };
}

/** Starts `saffron web` (the given CLI) against the server; resolves with the page address. */
function startWeb(cli: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, 'web', `spice://127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cli} web did not start`)), 30_000);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[1]!, child });
      }
    });
    child.on('exit', (code) => reject(new Error(`${cli} web exited with ${code}`)));
  });
}

async function stopWeb(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One measurement: frames the page draws in `seconds` once the stream runs. */
async function measure(context: BrowserContext, cli: string, port: number, seconds: number): Promise<number> {
  const { url, child } = await startWeb(cli, port);
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(
      () => Number(document.getElementById('screen')?.dataset.frames ?? 0) > 5,
      null,
      {
        timeout: 30_000,
      },
    );
    const frames = () => page.evaluate(() => Number(document.getElementById('screen')?.dataset.frames ?? 0));
    const f0 = await frames();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const f1 = await frames();
    return ((f1 - f0) * 1000) / (performance.now() - t0);
  } finally {
    await page.close();
    await stopWeb(child);
  }
}

/** One measurement without Chromium: a Node WebSocket client that acks every frame at once. */
async function measureSocket(cli: string, port: number, seconds: number): Promise<number> {
  const { url, child } = await startWeb(cli, port);
  const page = new URL(url);
  const token = new URLSearchParams(page.hash.slice(1)).get('token') ?? '';
  const ws = new WebSocket(`ws://${page.host}/ws?monitor=0&token=${encodeURIComponent(token)}`, {
    origin: `http://${page.host}`,
  });
  let frames = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      if (data.length > 1_000_000) frames++;
      return;
    }
    const m = /"frame-end","seq":(\d+)/.exec(data.toString('utf8'));
    if (m) ws.send(JSON.stringify({ method: 'frameAck', payload: { seq: Number(m[1]) } }));
  });
  try {
    await new Promise<void>((resolvePromise, reject) => {
      ws.once('open', () => resolvePromise());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ method: 'viewReady', payload: {} }));
    const deadline = Date.now() + 30_000;
    while (frames < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const f0 = frames;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return ((frames - f0) * 1000) / (performance.now() - t0);
  } finally {
    ws.terminate();
    await stopWeb(child);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const o = parseArgs();
  const baseline = buildBaseline(o.baseline);
  const server = new ScriptedServer();
  const port = await server.listen();
  const stopServing = serve(server, o.rate);
  const profile = mkdtempSync(join(tmpdir(), 'saffron-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SAFFRON_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-frame-rate-limit',
      '--disable-gpu-vsync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const variants = [
    ...(baseline ? [{ name: 'baseline', cli: baseline.cli }] : []),
    { name: 'current', cli: resolve('bin/saffron.cjs') },
  ];
  const fps = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const socketFps = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 0; round < o.rounds; round++)
      for (const v of variants) {
        fps.get(v.name)!.push(await measure(context, v.cli, port, o.seconds));
        socketFps.get(v.name)!.push(await measureSocket(v.cli, port, o.seconds));
      }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    stopServing();
    await server.close();
    if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
  }
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  console.log(
    `frame path of saffron web, ${WIDTH}x${HEIGHT} full-screen updates sent at ${o.rate}/s, ` +
      `${o.rounds} rounds x ${o.seconds} s, medians (load average ${load})`,
  );
  const line = (label: string, runs: number[]): string => {
    const f = median(runs);
    return (
      `    ${label.padEnd(34)} ${f.toFixed(1).padStart(6)} frames/s ${(1000 / f).toFixed(1).padStart(7)} ms/update` +
      `  (runs: ${runs.map((x) => x.toFixed(1)).join(', ')})`
    );
  };
  for (const v of variants) {
    const copies =
      v.name === 'baseline' && o.baseline !== BASELINE_REF
        ? undefined
        : COPIES[v.name as 'baseline' | 'current'];
    console.log(`  ${v.name}: copies per frame ${copies ? copies.length : '(not counted for this ref)'}`);
    for (const c of copies ?? []) console.log(`      - ${c}`);
    console.log(line('surface → canvas (Chromium)', fps.get(v.name)!));
    console.log(line('surface → WebSocket client (Node)', socketFps.get(v.name)!));
  }
}

await main();
process.exit(0);
