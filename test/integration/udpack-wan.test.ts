// UDPack across the WAN emulator (two network namespaces, TUN devices, test/wan/wan-forwarder.c): the C test
// server and `saffron gateway` in the server namespace, clients in the client namespace, 50 ms RTT and 2 % loss.
// A screenshot over UDPack equals one over plain TCP through the same link; and the client's address changes
// mid-session (Wi-Fi → LTE) while keys and screen updates keep flowing in the same session.
// Needs root, iproute2, /dev/net/tun and gcc (the emulator says which is missing).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { generateGatewayKeys } from '../../main/gateway/gateway-keys';
import { requireTools } from '../support/require-tool';
import { countPixelDiffs, readPngRgba } from '../support/spicy';
import { startTestServer, type TestServer } from '../support/test-server';
import { SERVER_ADDRESS, WanEmulator } from '../support/wan-emulator';

requireTools(['test-server', 'wan']);

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const IMAGE = join(here, '..', 'fixtures', 'quic', 'cap-quic-720x400.expected.png');
const TSX = ['--import', 'tsx'];
const CLI = join(ROOT, 'main', 'cli', 'bin.ts');
const PROBE = join(here, '..', 'support', 'wan-probe-client.ts');

let wan: WanEmulator;
let server: TestServer;
let gateway: ChildProcess;
let gatewayLog = '';
let dir: string;
let keyArgs: string[];
let udpackUri: string;

function run(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

before(async () => {
  wan = await WanEmulator.start({ delayMs: 25, lossPercent: 2 });
  dir = await mkdtemp(join(tmpdir(), 'saffron-wan-'));
  const keys = await generateGatewayKeys(dir, 2048);
  await writeFile(join(dir, 'tokens'), 'wan-token\n');
  keyArgs = ['--udpack-public-key', keys.publicPath, '--udpack-token', 'wan-token'];
  server = await startTestServer({
    image: IMAGE,
    wrap: wan.prefix('server'),
    extraArgs: ['--addr', '0.0.0.0'],
  });
  gateway = wan.spawnIn(
    'server',
    process.execPath,
    [
      ...TSX,
      CLI,
      'gateway',
      '--listen',
      'udp://0.0.0.0:0',
      '--target',
      `spice://127.0.0.1:${server.port}`,
    ].concat(['--key', keys.privatePath, '--tokens', join(dir, 'tokens'), '--verbose']),
    { cwd: ROOT },
  );
  gateway.stderr!.on('data', (d: Buffer) => (gatewayLog += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${gatewayLog}`)), 30_000);
    createInterface({ input: gateway.stdout! }).on('line', (line) => {
      const m = /^listening udp:\/\/.*:(\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  udpackUri = `spice+udpack://${SERVER_ADDRESS}:${port}`;
});

after(async () => {
  gateway?.kill('SIGTERM');
  await server?.stop();
  await wan?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(
  'through the lossy link, a UDPack screenshot equals a plain TCP screenshot',
  { timeout: 120_000 },
  async () => {
    const tcpOut = join(dir, 'tcp.png');
    const udpOut = join(dir, 'udpack.png');
    const tcp = await run(
      wan.spawnIn(
        'client',
        process.execPath,
        [...TSX, CLI, 'screenshot', `spice://${SERVER_ADDRESS}:${server.port}`, '-o', tcpOut],
        { cwd: ROOT },
      ),
      60_000,
    );
    assert.equal(tcp.code, 0, tcp.err);
    const udp = await run(
      wan.spawnIn(
        'client',
        process.execPath,
        [...TSX, CLI, 'screenshot', udpackUri, '-o', udpOut, ...keyArgs],
        {
          cwd: ROOT,
        },
      ),
      60_000,
    );
    assert.equal(udp.code, 0, `${udp.err}\ngateway:\n${gatewayLog}`);
    const [a, b] = await Promise.all([readPngRgba(tcpOut), readPngRgba(udpOut)]);
    assert.equal(b.width, 720);
    assert.equal(countPixelDiffs(a, b), 0, 'same pixels');
    assert.match(gatewayLog, /session 0x[0-9a-f]{8} from 10\.201\.1\.2:\d+ ready/);
  },
);

interface Probe {
  send(line: string): void;
  next(
    predicate: (r: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Record<string, unknown>>;
  records: Record<string, unknown>[];
  child: ChildProcess;
}

function startProbe(args: string[]): Probe {
  const child = wan.spawnIn('client', process.execPath, [...TSX, PROBE, ...args], { cwd: ROOT });
  const records: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (r: Record<string, unknown>) => boolean;
    resolve: (r: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    records.push(record);
    for (const w of [...waiters]) {
      if (w.predicate(record)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(record);
      }
    }
  });
  return {
    child,
    records,
    send: (line) => child.stdin!.write(`${line}\n`),
    next: (predicate, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `probe: no ${what} within ${timeoutMs} ms; stderr: ${stderr}; records: ${JSON.stringify(records.slice(-5))}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      }),
  };
}

test(
  'the client changes address mid-session: keys and screen keep working in the same session',
  { timeout: 120_000 },
  async (t) => {
    const probe = startProbe([udpackUri, ...keyArgs, '--region', '100,100,200,100']);
    try {
      await probe.next((r) => r.t === 'ready', 60_000, 'ready');
      const keyEvent = async (code: number): Promise<void> => {
        const after = server.eventCount;
        probe.send(`key ${code}`);
        await server.waitFor((e) => e.event === 'key' && e.scancode === code, { after, timeoutMs: 15_000 });
      };
      const screenUpdate = async (color: string): Promise<void> => {
        probe.send('stats');
        const before = Number((await probe.next((r) => r.t === 'stats', 5000, 'stats')).frames);
        await server.sendOk({ cmd: 'fill', color, x: 100, y: 100, width: 200, height: 100 });
        for (let i = 0; i < 50; i++) {
          probe.send('stats');
          const now = Number((await probe.next((r) => r.t === 'stats', 5000, 'stats')).frames);
          if (now > before) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.fail(`no screen update for the ${color} fill`);
      };
      await keyEvent(0x1e);
      await screenUpdate('#ff0000');
      const movedAt = performance.now();
      wan.changeClientAddress('10.201.3.2');
      await keyEvent(0x30);
      const keyAfterMs = performance.now() - movedAt;
      await screenUpdate('#00ff00');
      const screenAfterMs = performance.now() - movedAt;
      t.diagnostic(
        `after the address change: first key at the server in ${keyAfterMs.toFixed(0)} ms, first screen update ` +
          `at the client in ${screenAfterMs.toFixed(0)} ms (RTT 50 ms, 2 % loss)`,
      );
      await keyEvent(0x2e);
      await screenUpdate('#0000ff');
      assert.match(gatewayLog, /client moved from 10\.201\.1\.2:\d+ to 10\.201\.3\.2:\d+/);
      assert.match(gatewayLog, /path to 10\.201\.3\.2:\d+ validated/);
      assert.equal(probe.records.filter((r) => r.t === 'closed').length, 0, 'the SPICE session never closed');
      assert.equal((gatewayLog.match(/ready/g) ?? []).length >= 1, true);
      const sessions = new Set(
        [...gatewayLog.matchAll(/session (0x[0-9a-f]{8}) from 10\.201\.3/g)].map((m) => m[1]),
      );
      assert.equal(sessions.size, 0, 'no new session was made from the new address (no reconnect)');
    } finally {
      probe.send('quit');
      await run(probe.child, 10_000);
    }
  },
);
