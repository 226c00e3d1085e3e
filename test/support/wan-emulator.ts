// The WAN emulator for UDPack tests and benchmarks (docs/udpack.md §12): two network namespaces, "client" and
// "server", joined by TUN devices through test/wan/wan-forwarder.c, which delays, drops, duplicates, reorders and
// rate-limits packets (Linux netem is not available here). Real kernel TCP crosses the same link, so UDPack and TCP
// are compared fairly. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN), iproute2, /dev/net/tun and gcc; a missing piece
// fails with what to install or how to run, never a skip.
//
//   client ns: wan0 10.201.1.2/24, route 10.201.2.0/24 → wan0
//   server ns: wan0 10.201.2.2/24, route 10.201.0.0/16 → wan0   (so a migrated client 10.201.x.y is reachable)
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, '..', 'wan', 'wan-forwarder.c');
const BINARY = join(here, '..', 'wan', 'build', 'wan-forwarder');
const PREFIX = 'saffron-wan-';

export const CLIENT_ADDRESS = '10.201.1.2';
export const SERVER_ADDRESS = '10.201.2.2';

/** One direction's impairments. Percentages are 0–100. */
export interface LinkSettings {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  duplicatePercent?: number;
  reorderPercent?: number;
  reorderMs?: number;
  /** Bottleneck rate; 0 = unlimited. */
  rateKbit?: number;
  /** Queue at the bottleneck before tail drop. */
  queueMs?: number;
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Throws, naming what is missing, when this machine cannot run the emulator. */
export function checkWanPrerequisites(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push(
      'root (CAP_NET_ADMIN and CAP_SYS_ADMIN, for ip netns and TUN devices): run the tests as root',
    );
  if (!have('ip')) missing.push('the ip command: apt-get install iproute2');
  if (!existsSync('/dev/net/tun'))
    missing.push('/dev/net/tun (the tun module: modprobe tun, or --device /dev/net/tun)');
  if (!have('gcc')) missing.push('gcc: apt-get install gcc');
  if (missing.length > 0) throw new Error(`the WAN emulator cannot run here; missing: ${missing.join('; ')}`);
}

/** Builds the forwarder when its source is newer than the binary; returns its path. */
export function buildForwarder(): string {
  if (mtimeMs(BINARY) >= mtimeMs(SOURCE)) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const tmp = `${BINARY}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O2', '-o', tmp, SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(tmp, BINARY);
  } finally {
    rmSync(tmp, { force: true });
  }
  return BINARY;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim() || r.error?.message}`);
}

/** Removes namespaces left by emulators whose process died (a killed test run). */
function removeStale(): void {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  for (const line of r.stdout?.split('\n') ?? []) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}(\\d+)-\\d+-[cs]$`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive || pid === process.pid) spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  }
}

let counter = 0;

export class WanEmulator {
  private clientAddress = CLIENT_ADDRESS;
  private constructor(
    readonly clientNs: string,
    readonly serverNs: string,
    private readonly forwarder: ChildProcess,
    private readonly lines: string[],
    private readonly waiters: ((line: string) => void)[],
  ) {}

  /** Creates the namespaces, the TUN link and the routes; the link starts with `settings` both ways. */
  static async start(settings: LinkSettings = {}, seed = 1): Promise<WanEmulator> {
    checkWanPrerequisites();
    const binary = buildForwarder();
    removeStale();
    const base = `${PREFIX}${process.pid}-${counter++}`;
    const clientNs = `${base}-c`;
    const serverNs = `${base}-s`;
    ip('netns', 'add', clientNs);
    ip('netns', 'add', serverNs);
    let forwarder: ChildProcess | undefined;
    try {
      for (const ns of [clientNs, serverNs]) ip('-n', ns, 'link', 'set', 'lo', 'up');
      const forwarderArgs = [
        '--a',
        `/run/netns/${clientNs}:wan0`,
        '--b',
        `/run/netns/${serverNs}:wan0`,
        '--seed',
        String(seed),
      ];
      // The link's timing must not depend on how busy the machine is: real-time priority for the forwarder (it
      // uses little CPU) where chrt can give it; otherwise a normal process.
      forwarder = have('chrt')
        ? spawn('chrt', ['-f', '20', binary, ...forwarderArgs], { stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(binary, forwarderArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
      const lines: string[] = [];
      const waiters: ((line: string) => void)[] = [];
      let buffered = '';
      let stderr = '';
      forwarder.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      forwarder.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const waiter = waiters.shift();
          if (waiter) waiter(line);
          else lines.push(line);
        }
      });
      forwarder.stdin!.on('error', () => undefined);
      const emulator = new WanEmulator(clientNs, serverNs, forwarder, lines, waiters);
      const ready = await emulator.nextLine(5000).catch((e: Error) => {
        throw new Error(`the WAN forwarder did not start: ${e.message}; ${stderr.trim()}`);
      });
      if (ready !== 'ready') throw new Error(`the WAN forwarder said '${ready}': ${stderr.trim()}`);
      ip('-n', clientNs, 'addr', 'add', `${CLIENT_ADDRESS}/24`, 'dev', 'wan0');
      ip('-n', clientNs, 'link', 'set', 'wan0', 'up');
      ip('-n', clientNs, 'route', 'add', '10.201.2.0/24', 'dev', 'wan0');
      ip('-n', serverNs, 'addr', 'add', `${SERVER_ADDRESS}/24`, 'dev', 'wan0');
      ip('-n', serverNs, 'link', 'set', 'wan0', 'up');
      ip('-n', serverNs, 'route', 'add', '10.201.0.0/16', 'dev', 'wan0');
      await emulator.set('both', settings);
      return emulator;
    } catch (e) {
      forwarder?.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', clientNs], { timeout: 10_000 });
      spawnSync('ip', ['netns', 'del', serverNs], { timeout: 10_000 });
      throw e;
    }
  }

  private nextLine(timeoutMs: number): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no answer from the WAN forwarder within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(waiter);
    });
  }

  /** Changes the link's impairments ('up' = client → server). */
  async set(direction: 'up' | 'down' | 'both', settings: LinkSettings): Promise<void> {
    const pairs: [string, number | undefined][] = [
      ['delay_ms', settings.delayMs],
      ['jitter_ms', settings.jitterMs],
      ['loss', settings.lossPercent],
      ['dup', settings.duplicatePercent],
      ['reorder', settings.reorderPercent],
      ['reorder_ms', settings.reorderMs],
      ['rate_kbit', settings.rateKbit],
      ['queue_ms', settings.queueMs],
    ];
    const args = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    this.forwarder.stdin!.write(`set ${direction} ${args.join(' ')}\n`);
    const answer = await this.nextLine(5000);
    if (answer !== 'ok') throw new Error(`the WAN forwarder refused the settings: ${answer}`);
  }

  /** Packet counters per direction. */
  async stats(): Promise<Record<string, unknown>> {
    this.forwarder.stdin!.write('stats\n');
    return JSON.parse(await this.nextLine(5000)) as Record<string, unknown>;
  }

  get currentClientAddress(): string {
    return this.clientAddress;
  }

  /** Moves the client namespace to a new address (the old one is removed): Wi-Fi → LTE. */
  changeClientAddress(address: string): void {
    ip('-n', this.clientNs, 'addr', 'add', `${address}/24`, 'dev', 'wan0');
    ip('-n', this.clientNs, 'addr', 'del', `${this.clientAddress}/24`, 'dev', 'wan0');
    this.clientAddress = address;
  }

  /**
   * The TCP congestion control for connections across the link ('cubic', 'bbr', …), set on the routes (the
   * per-namespace sysctl may be read-only in a container); undefined restores the kernel's default.
   */
  setTcpCongestionControl(name: string | undefined): void {
    const cc = name === undefined ? [] : ['congctl', name];
    ip('-n', this.clientNs, 'route', 'replace', '10.201.2.0/24', 'dev', 'wan0', ...cc);
    ip('-n', this.serverNs, 'route', 'replace', '10.201.0.0/16', 'dev', 'wan0', ...cc);
  }

  /** The kernel's default TCP congestion control (what a route without congctl uses). */
  static defaultTcpCongestionControl(): string {
    return spawnSync('sysctl', ['-n', 'net.ipv4.tcp_congestion_control'], { encoding: 'utf8' }).stdout.trim();
  }

  /** Spawns a process inside a namespace. */
  spawnIn(
    side: 'client' | 'server',
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): ChildProcess {
    const ns = side === 'client' ? this.clientNs : this.serverNs;
    return spawn('ip', ['netns', 'exec', ns, command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options,
    });
  }

  /** The command prefix that runs something in a namespace (for wrappers that spawn themselves). */
  prefix(side: 'client' | 'server'): string[] {
    return ['ip', 'netns', 'exec', side === 'client' ? this.clientNs : this.serverNs];
  }

  async stop(): Promise<void> {
    this.forwarder.stdin!.end();
    await new Promise<void>((resolve) => {
      if (this.forwarder.exitCode !== null) return resolve();
      const timer = setTimeout(() => this.forwarder.kill('SIGKILL'), 2000);
      this.forwarder.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    spawnSync('ip', ['netns', 'del', this.clientNs], { timeout: 10_000 });
    spawnSync('ip', ['netns', 'del', this.serverNs], { timeout: 10_000 });
  }
}
