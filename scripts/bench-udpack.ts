// UDPack against plain TCP (CUBIC, and BBR) through the same emulated WAN link, in one run (docs/udpack.md §12):
//   - `saffron screenshot` time, whole process (median of --runs);
//   - display frames/s counted at the client while the test server draws a 640×360 region at 30 fps;
//   - key-to-server latency p50/p99 (client press → the test server's `key` event), typed during that stream.
// The C test server and `saffron gateway` run in the server namespace, the clients in the client namespace;
// the link has a 20 Mbit/s bottleneck (100 ms queue) plus the grid's RTT and random loss.
// Usage: npm run bench:udpack [-- --full] [--grid LOSS:RTT,…] [--repeat N] [--only TRANSPORT] [--runs N]
//        [--stream-seconds S] [--verbose]
//   (root; builds first)
//   default grid: 0 % loss / 20 ms and 3 % / 100 ms;  --full: {0, 1, 3} % × {20, 100, 300} ms
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateGatewayKeys } from '../main/gateway/gateway-keys';
import { startTestServer, type TestServer } from '../test/support/test-server';
import { SERVER_ADDRESS, WanEmulator } from '../test/support/wan-emulator';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const value = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = value('runs', 3);
/** Each grid point this many times; the table shows the median of each figure. */
const REPEAT = value('repeat', 1);
const onlyArg = args.indexOf('--only');
/** One transport only (tcp-cubic, tcp-bbr, udpack), for investigations. */
const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
const STREAM_SECONDS = value('stream-seconds', 6);
const FPS = 30;
const KEY_INTERVAL_MS = 20;
const RATE_KBIT = 20_000;
const gridArg = args.indexOf('--grid');
const GRID: { loss: number; rttMs: number }[] =
  gridArg >= 0
    ? (args[gridArg + 1] ?? '').split(',').map((p) => {
        const [loss, rttMs] = p.split(':').map(Number);
        return { loss: loss ?? 0, rttMs: rttMs ?? 20 };
      })
    : flag('full')
      ? [0, 1, 3].flatMap((loss) => [20, 100, 300].map((rttMs) => ({ loss, rttMs })))
      : [
          { loss: 0, rttMs: 20 },
          { loss: 3, rttMs: 100 },
        ];

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'saffron.cjs');
const PROBE = join(ROOT, 'test', 'support', 'wan-probe-client.ts');
const REGION = { x: 40, y: 20, width: 640, height: 360 };
const wall = (): number => performance.timeOrigin + performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Transport {
  name: string;
  uri: string;
  extra: string[];
  /** Kernel TCP congestion control for this run (TCP rows); undefined for UDPack. */
  tcpCc?: string;
}

function screenshotMs(wan: WanEmulator, t: Transport, out: string): number {
  const t0 = wall();
  const r = spawnSync(
    'ip',
    ['netns', 'exec', wan.clientNs, process.execPath, CLI, 'screenshot', t.uri, '-o', out, ...t.extra],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const ms = wall() - t0;
  if (r.status !== 0) throw new Error(`${t.name} screenshot failed (${r.status}): ${r.stderr}`);
  return ms;
}

interface Probe {
  child: ChildProcess;
  send(line: string): void;
  next(t: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function startProbe(wan: WanEmulator, t: Transport): Probe {
  const child = wan.spawnIn(
    'client',
    process.execPath,
    [
      '--import',
      'tsx',
      PROBE,
      t.uri,
      ...t.extra,
      '--region',
      `${REGION.x},${REGION.y},${REGION.width},${REGION.height}`,
    ],
    { cwd: ROOT },
  );
  const queue: Record<string, unknown>[] = [];
  const waiters: { t: string; resolve: (r: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.t === record.t);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(record);
    else queue.push(record);
  });
  return {
    child,
    send: (line) => child.stdin!.write(`${line}\n`),
    next: (type, timeoutMs) => {
      const i = queue.findIndex((r) => r.t === type);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${t.name} probe: no '${type}' in ${timeoutMs} ms; ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          t: type,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
  };
}

async function streamAndKeys(
  wan: WanEmulator,
  server: TestServer,
  t: Transport,
  rttMs: number,
): Promise<{ fps: number; keyP50: number; keyP99: number; keys: number }> {
  const probe = startProbe(wan, t);
  try {
    await probe.next('ready', 60_000);
    await sleep(1000);
    probe.send('stats');
    const before = Number((await probe.next('stats', 30_000)).frames);
    const frames = STREAM_SECONDS * FPS;
    await server.sendOk({ cmd: 'stream', ...REGION, frames, fps: FPS });
    const latencies: Promise<number>[] = [];
    const codes = Array.from({ length: 20 }, (_, i) => 0x10 + i);
    const end = wall() + STREAM_SECONDS * 1000;
    for (let k = 0; wall() < end; k++) {
      const code = codes[k % codes.length]!;
      let arrived = 0;
      const seen = server.waitFor(
        (e) => {
          if (e.event !== 'key' || e.scancode !== code) return false;
          arrived = wall();
          return true;
        },
        { after: server.eventCount, timeoutMs: 60_000 },
      );
      probe.send(`key ${code}`);
      const sent = probe.next('key', 30_000);
      latencies.push(Promise.all([seen, sent]).then(([, record]) => arrived - Number(record.wall)));
      await sleep(KEY_INTERVAL_MS);
    }
    await server.waitFor((e) => e.event === 'stream_done', { timeoutMs: 60_000 });
    await sleep(Math.max(1000, 2 * rttMs));
    probe.send('stats');
    const final = await probe.next('stats', 30_000);
    const after = Number(final.frames);
    if (flag('verbose'))
      console.error(
        `${t.name}: client event-loop delay p99 ${Number(final.loopDelayP99Ms).toFixed(1)} ms, max ${Number(final.loopDelayMaxMs).toFixed(1)} ms`,
      );
    const samples = await Promise.all(latencies);
    return {
      fps: (after - before) / STREAM_SECONDS,
      keyP50: percentile(samples, 0.5),
      keyP99: percentile(samples, 0.99),
      keys: samples.length,
    };
  } finally {
    probe.send('quit');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        probe.child.kill('SIGKILL');
        resolve();
      }, 5000);
      probe.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-udpack-'));
  const wan = await WanEmulator.start({ rateKbit: RATE_KBIT, queueMs: 100 });
  let server: TestServer | undefined;
  let gateway: ChildProcess | undefined;
  try {
    const keys = await generateGatewayKeys(dir);
    writeFileSync(join(dir, 'tokens'), 'bench\n');
    server = await startTestServer({
      image: join(ROOT, 'test', 'fixtures', 'quic', 'cap-quic-720x400.expected.png'),
      wrap: wan.prefix('server'),
      extraArgs: ['--addr', '0.0.0.0'],
    });
    gateway = wan.spawnIn('server', process.execPath, [
      CLI,
      'gateway',
      '--listen',
      'udp://0.0.0.0:0',
      '--target',
      `spice://127.0.0.1:${server.port}`,
      '--key',
      keys.privatePath,
      '--tokens',
      join(dir, 'tokens'),
    ]);
    let gatewayLog = '';
    gateway.stderr!.on('data', (d: Buffer) => (gatewayLog += d.toString()));
    process.on('exit', () => {
      if (flag('verbose')) console.error(gatewayLog);
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the gateway did not start')), 30_000);
      createInterface({ input: gateway!.stdout! }).on('line', (line) => {
        const m = /:(\d+)$/.exec(line);
        if (line.startsWith('listening') && m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    // Plain TCP as SPICE hosts usually run it (CUBIC: the default of Linux distributions, Windows and macOS), and
    // with BBR (this kernel's default here, built for lossy paths) as the strongest TCP peer.
    const transports: Transport[] = [
      { name: 'tcp-cubic', uri: `spice://${SERVER_ADDRESS}:${server.port}`, extra: [], tcpCc: 'cubic' },
      { name: 'tcp-bbr', uri: `spice://${SERVER_ADDRESS}:${server.port}`, extra: [], tcpCc: 'bbr' },
      {
        name: 'udpack',
        uri: `spice+udpack://${SERVER_ADDRESS}:${port}`,
        extra: ['--udpack-public-key', keys.publicPath, '--udpack-token', 'bench'],
      },
    ];
    const rows: Record<string, number | string | number[]>[] = [];
    for (const point of GRID) {
      await wan.set('both', {
        delayMs: point.rttMs / 2,
        lossPercent: point.loss,
        rateKbit: RATE_KBIT,
        queueMs: 100,
      });
      const selected = transports.filter((x) => only === undefined || x.name === only);
      const samples = new Map<
        string,
        { shots: number[]; fps: number[]; p50: number[]; p99: number[]; keys: number[] }
      >();
      // Transports take turns within each repetition, so a burst of load on the machine hits them alike.
      for (let round = 0; round < REPEAT; round++) {
        for (const t of selected) {
          wan.setTcpCongestionControl(t.tcpCc);
          const s = samples.get(t.name) ?? { shots: [], fps: [], p50: [], p99: [], keys: [] };
          samples.set(t.name, s);
          for (let i = 0; i < RUNS; i++) s.shots.push(screenshotMs(wan, t, join(dir, `${t.name}.png`)));
          const live = await streamAndKeys(wan, server, t, point.rttMs);
          s.fps.push(live.fps);
          s.p50.push(live.keyP50);
          s.p99.push(live.keyP99);
          s.keys.push(live.keys);
        }
      }
      for (const t of selected) {
        const s = samples.get(t.name)!;
        const row = {
          bench: 'udpack',
          loss_percent: point.loss,
          rtt_ms: point.rttMs,
          transport: t.name,
          repeat: REPEAT,
          screenshot_ms: Math.round(median(s.shots)),
          fps: Number(median(s.fps).toFixed(1)),
          key_p50_ms: Math.round(median(s.p50)),
          key_p99_ms: Math.round(median(s.p99)),
          keys: Math.round(median(s.keys)),
          fps_all: s.fps.map((f) => Number(f.toFixed(1))),
          key_p99_all: s.p99.map(Math.round),
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
    console.log('');
    console.log(
      `UDPack vs TCP through the WAN emulator (20 Mbit/s bottleneck; medians of ${REPEAT} rounds; screenshot: ${RUNS} ` +
        `whole-process runs per round; ` +
        `${STREAM_SECONDS} s of a ${REGION.width}x${REGION.height} region at ${FPS} fps with a key every ${KEY_INTERVAL_MS} ms)`,
    );
    console.log('| loss | RTT | transport | screenshot ms | display fps | key p50 ms | key p99 ms |');
    console.log('|---|---|---|---|---|---|---|');
    const cell = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' ? String(v) : '');
    for (const r of rows)
      console.log(
        `| ${cell(r.loss_percent)} % | ${cell(r.rtt_ms)} ms | ${cell(r.transport)} | ${cell(r.screenshot_ms)} | ` +
          `${cell(r.fps)} | ${cell(r.key_p50_ms)} | ${cell(r.key_p99_ms)} |`,
      );
  } finally {
    gateway?.kill('SIGTERM');
    await server?.stop();
    await wan.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
