// Starts the scriptable SPICE test server (test/server, on the real libspice-server) on free loopback ports,
// sends it JSON commands, collects its JSON events, and stops it. See docs/test-server.md.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports';

export type ImageCompression = 'off' | 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'lz4';
export type WanCompression = 'auto' | 'always' | 'never';
export type StreamingMode = 'off' | 'all' | 'filter';
/** "#rrggbb" or 0xRRGGBB */
export type Color = string | number;

export interface TestServerOptions {
  /** PNG served as the primary surface (its size is the surface size). */
  image?: string;
  width?: number;
  height?: number;
  compression?: ImageCompression;
  jpeg?: WanCompression;
  zlibGlz?: WanCompression;
  streaming?: StreamingMode;
  videoCodecs?: string;
  playbackCompression?: boolean;
  password?: string;
  /** Open the plain port (default true). */
  plain?: boolean;
  /** The plain port to listen on (a server restarted on the same port); default a free one. */
  port?: number;
  /** Open a TLS port with the certificates of this directory (ca-cert.pem, server-cert.pem, server-key.pem). */
  x509Dir?: string;
  agent?: boolean;
  xferDir?: string;
  clientMonitorsConfig?: 'agent' | 'qxl';
  /** No tablet device: client mouse mode is then allowed only through the agent. */
  noTablet?: boolean;
  usbredir?: boolean;
  /** usbredir caps the usb-guest announces (names, e.g. ['filter', 'ep_info_max_packet_size']); default all. */
  usbredirCaps?: string[];
  portChannel?: string;
  /** JSON control channel on stdin/stdout (default true). false = the plain CLI (one "listening" line). */
  control?: boolean;
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** A command prefix, e.g. ['ip', 'netns', 'exec', NS] to run the server in a network namespace. */
  wrap?: string[];
}

export type ClipboardTypeName = 'text' | 'png' | 'bmp' | 'tiff' | 'jpg' | 'file_list';

export type TestServerCommand =
  | { cmd: 'info' }
  | { cmd: 'quit' }
  | { cmd: 'set_compression'; image?: ImageCompression; jpeg?: WanCompression; zlib_glz?: WanCompression }
  | { cmd: 'set_streaming'; mode?: StreamingMode; codecs?: string }
  | { cmd: 'set_password'; password?: string; lifetime?: number }
  | { cmd: 'draw_image'; png: string; surface?: number; x?: number; y?: number }
  | { cmd: 'fill'; color: Color; surface?: number; x?: number; y?: number; width?: number; height?: number }
  | {
      cmd: 'copy_bits';
      src_x: number;
      src_y: number;
      x: number;
      y: number;
      width: number;
      height: number;
      surface?: number;
    }
  | { cmd: 'create_surface'; surface: number; width: number; height: number; color?: Color }
  | { cmd: 'destroy_surface'; surface: number }
  | {
      cmd: 'copy_surface';
      src_surface: number;
      surface?: number;
      src_x?: number;
      src_y?: number;
      x?: number;
      y?: number;
      width?: number;
      height?: number;
    }
  | { cmd: 'resize'; width: number; height: number; color?: Color; png?: string }
  | { cmd: 'monitors'; monitors: { x: number; y: number; width: number; height: number }[] }
  | { cmd: 'stream'; x?: number; y?: number; width?: number; height?: number; frames?: number; fps?: number }
  | { cmd: 'screenshot'; path: string; surface?: number }
  | { cmd: 'sync'; surface?: number }
  | {
      cmd: 'cursor_set';
      type?: 'alpha' | 'mono';
      png?: string;
      width?: number;
      height?: number;
      hot_x?: number;
      hot_y?: number;
      x?: number;
      y?: number;
      visible?: boolean;
    }
  | { cmd: 'cursor_move'; x: number; y: number }
  | { cmd: 'cursor_hide' }
  | { cmd: 'kbd_leds'; leds: number }
  | { cmd: 'play_sine'; freq?: number; ms?: number; amplitude?: number }
  | { cmd: 'play_stop' }
  | { cmd: 'record_start' }
  | { cmd: 'record_stop' }
  | { cmd: 'playback_volume'; left: number; right?: number }
  | { cmd: 'playback_mute'; mute?: boolean }
  | { cmd: 'record_volume'; left: number; right?: number }
  | { cmd: 'record_mute'; mute?: boolean }
  | { cmd: 'agent_connect' }
  | { cmd: 'agent_disconnect' }
  | { cmd: 'agent_announce'; request?: boolean; caps?: number[] }
  | {
      cmd: 'clipboard_grab';
      text?: string;
      png?: string;
      file?: string;
      type?: ClipboardTypeName | number;
      selection?: number;
    }
  | { cmd: 'clipboard_release'; selection?: number }
  | { cmd: 'clipboard_request'; type: ClipboardTypeName | number; selection?: number }
  | { cmd: 'agent_stall'; stalled: boolean }
  | {
      cmd: 'xfer_policy';
      status:
        | 'ok'
        | 'cancelled'
        | 'error'
        | 'no_space'
        | 'locked'
        | 'not_connected'
        | 'disabled'
        | 'unknown'
        | 'silent';
      free?: number;
      io_error?: number;
      after_bytes?: number;
    }
  | {
      cmd: 'usb_control';
      endpoint?: number;
      request: number;
      requesttype: number;
      value?: number;
      index?: number;
      length?: number;
      data?: string;
    }
  | { cmd: 'usb_bulk'; endpoint: number; length?: number; data?: string }
  | { cmd: 'usb_reset' }
  | { cmd: 'usb_set_configuration'; configuration: number }
  | { cmd: 'usb_get_configuration' }
  | { cmd: 'usb_set_alt_setting'; interface: number; alt: number }
  | { cmd: 'usb_get_alt_setting'; interface: number }
  | { cmd: 'usb_interrupt_receiving'; endpoint: number; start: boolean }
  | {
      cmd: 'usb_bulk_receiving';
      endpoint: number;
      start: boolean;
      bytes_per_transfer?: number;
      transfers?: number;
    }
  | { cmd: 'usb_iso_stream'; endpoint: number }
  | { cmd: 'usb_interrupt'; endpoint: number; data: string }
  | { cmd: 'usb_cancel'; transfer_id: number }
  | { cmd: 'usb_filter'; filter: string }
  | { cmd: 'usb_filter_reject' }
  | { cmd: 'usb_raw'; data: string }
  | { cmd: 'port_send'; text?: string; hex?: string }
  | { cmd: 'port_event'; event: 'opened' | 'closed' | 'break' }
  | {
      cmd: 'bench_start';
      workload: 'photo' | 'scroll' | 'terminal';
      fps?: number;
      seed?: number;
      pace?: 'demand' | 'fixed';
    }
  | { cmd: 'bench_stop'; path?: string }
  | { cmd: 'bench_frame'; frame: number }
  | { cmd: 'clock' };

export interface TestServerReply {
  reply: string;
  ok: boolean;
  id?: unknown;
  error?: string;
  [field: string]: unknown;
}

export interface TestServerEvent {
  event: string;
  [field: string]: unknown;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Only events with index >= after are considered (see eventCount). Default 0: all events so far. */
  after?: number;
}

export interface TestServer {
  readonly port: number | undefined;
  readonly tlsPort: number | undefined;
  /** The server process id (benchmarks read its CPU time from /proc). */
  readonly pid: number | undefined;
  /** The "listening" event (control mode) or the parsed CLI line. */
  readonly listening: Readonly<Record<string, unknown>>;
  /** Every event received so far, in order. */
  readonly events: readonly TestServerEvent[];
  readonly eventCount: number;
  /** Sends a command and resolves with its reply (ok or not). */
  send(command: TestServerCommand, timeoutMs?: number): Promise<TestServerReply>;
  /** Like send, but rejects when the reply is not ok. */
  sendOk(command: TestServerCommand, timeoutMs?: number): Promise<TestServerReply>;
  waitFor(predicate: (event: TestServerEvent) => boolean, options?: WaitOptions): Promise<TestServerEvent>;
  /** Writes raw text to the control channel (for tests of the channel itself; replies without a known id are dropped). */
  writeRaw(text: string): void;
  /** What the server wrote to stderr (last 64 KiB). */
  stderr(): string;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const buildScript = join(here, '..', 'server', 'build.mjs');
const EXIT_PORT_IN_USE = 3;
const STDERR_KEEP_BYTES = 64 * 1024;

let builtPath: string | undefined;

/** Builds the server if a source is newer than the binary; returns the binary's path. */
export function buildTestServerBinary(): string {
  if (builtPath !== undefined) return builtPath;
  // a hand-built variant (e.g. with -fsanitize=address) can stand in for the normal build
  const override = process.env.SAFFRON_TEST_SERVER_BIN;
  if (override !== undefined && override !== '') return (builtPath = override);
  const result = spawnSync(process.execPath, [buildScript], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`building the SPICE test server failed:\n${result.stderr}${result.stdout}`);
  }
  builtPath = result.stdout.trim().split('\n').pop() ?? '';
  return builtPath;
}

function serverArgs(
  opts: TestServerOptions,
  port: number | undefined,
  tlsPort: number | undefined,
): string[] {
  const args: string[] = [];
  if (port !== undefined) args.push('--port', String(port));
  if (tlsPort !== undefined && opts.x509Dir !== undefined)
    args.push('--tls-port', String(tlsPort), '--x509-dir', opts.x509Dir);
  if (opts.image !== undefined) args.push('--image', opts.image);
  if (opts.width !== undefined) args.push('--width', String(opts.width));
  if (opts.height !== undefined) args.push('--height', String(opts.height));
  if (opts.compression !== undefined) args.push('--compression', opts.compression);
  if (opts.jpeg !== undefined) args.push('--jpeg', opts.jpeg);
  if (opts.zlibGlz !== undefined) args.push('--zlib-glz', opts.zlibGlz);
  if (opts.streaming !== undefined) args.push('--streaming', opts.streaming);
  if (opts.videoCodecs !== undefined) args.push('--video-codecs', opts.videoCodecs);
  if (opts.playbackCompression !== undefined) {
    args.push('--playback-compression', opts.playbackCompression ? 'on' : 'off');
  }
  if (opts.password !== undefined) args.push('--password', opts.password);
  if (opts.agent === true) args.push('--agent');
  if (opts.xferDir !== undefined) args.push('--xfer-dir', opts.xferDir);
  if (opts.clientMonitorsConfig !== undefined)
    args.push('--client-monitors-config', opts.clientMonitorsConfig);
  if (opts.noTablet === true) args.push('--no-tablet');
  if (opts.usbredir === true) args.push('--usbredir');
  if (opts.usbredirCaps !== undefined) args.push('--usbredir-caps', opts.usbredirCaps.join(','));
  if (opts.portChannel !== undefined) args.push('--port-channel', opts.portChannel);
  if (opts.control !== false) args.push('--control', 'stdio');
  args.push(...(opts.extraArgs ?? []));
  return args;
}

/** Parses the CLI line "listening port=P tls-port=T" into { port, tls_port }. */
export function parseListeningLine(line: string): Record<string, number> | undefined {
  const m = /^listening((?: [a-z-]+=\d+)*)$/.exec(line.trim());
  if (!m) return undefined;
  const out: Record<string, number> = {};
  for (const pair of (m[1] ?? '').trim().split(' ').filter(Boolean)) {
    const [k, v] = pair.split('=');
    if (k !== undefined && v !== undefined) out[k.replace('-', '_')] = Number(v);
  }
  return out;
}

interface Waiter {
  predicate: (event: TestServerEvent) => boolean;
  after: number;
  resolve: (event: TestServerEvent) => void;
}

class RunningServer implements TestServer {
  readonly events: TestServerEvent[] = [];
  listening: Record<string, unknown> = {};
  private readonly pending = new Map<number, (reply: TestServerReply) => void>();
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;
  private stderrText = '';
  private stdoutBuf = '';
  private exited = false;
  private readonly exitPromise: Promise<number | null>;
  private onListening: ((line: Record<string, unknown>) => void) | undefined;
  readonly pid: number | undefined;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly port: number | undefined,
    readonly tlsPort: number | undefined,
    private readonly controlMode: boolean,
  ) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-STDERR_KEEP_BYTES);
    });
    child.stdin.on('error', () => undefined);
    this.pid = child.pid;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true;
        for (const resolveReply of this.pending.values()) {
          resolveReply({ reply: '', ok: false, error: `server exited (code ${String(code)})` });
        }
        this.pending.clear();
        resolve(code);
      });
    });
  }

  get eventCount(): number {
    return this.events.length;
  }

  waitListening(timeoutMs: number): Promise<'listening' | number | null | 'timeout'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      this.onListening = (info) => {
        clearTimeout(timer);
        this.listening = info;
        resolve('listening');
      };
      void this.exitPromise.then((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  private onStdout(chunk: string): void {
    this.stdoutBuf += chunk;
    let nl: number;
    while ((nl = this.stdoutBuf.indexOf('\n')) >= 0) {
      const line = this.stdoutBuf.slice(0, nl);
      this.stdoutBuf = this.stdoutBuf.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (!this.controlMode) {
      const parsed = parseListeningLine(line);
      if (parsed) this.onListening?.(parsed);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.stderrText += `\n[wrapper] non-JSON stdout line: ${line}`;
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const record = msg as Record<string, unknown>;
    if (typeof record.reply === 'string') {
      const id = typeof record.id === 'number' ? record.id : -1;
      const resolveReply = this.pending.get(id);
      if (resolveReply) {
        this.pending.delete(id);
        resolveReply(record as TestServerReply);
      }
      return;
    }
    if (typeof record.event === 'string') {
      const event = record as TestServerEvent;
      this.events.push(event);
      if (event.event === 'listening') this.onListening?.(record);
      const index = this.events.length - 1;
      for (const w of [...this.waiters]) {
        if (index >= w.after && w.predicate(event)) {
          this.waiters.delete(w);
          w.resolve(event);
        }
      }
    }
  }

  send(command: TestServerCommand, timeoutMs = 15000): Promise<TestServerReply> {
    if (!this.controlMode)
      return Promise.reject(new Error('the server was started without a control channel'));
    if (this.exited) return Promise.reject(new Error(`server has exited; stderr:\n${this.stderrText}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${command.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  async sendOk(command: TestServerCommand, timeoutMs?: number): Promise<TestServerReply> {
    const reply = await this.send(command, timeoutMs);
    if (!reply.ok) throw new Error(`${command.cmd} failed: ${reply.error ?? 'unknown error'}`);
    return reply;
  }

  waitFor(
    predicate: (event: TestServerEvent) => boolean,
    options: WaitOptions = {},
  ): Promise<TestServerEvent> {
    const after = options.after ?? 0;
    const timeoutMs = options.timeoutMs ?? 10000;
    for (let i = after; i < this.events.length; i++) {
      const event = this.events[i];
      if (event !== undefined && predicate(event)) return Promise.resolve(event);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        after,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const recent = this.events.slice(-10).map((e) => JSON.stringify(e));
        reject(new Error(`event not seen within ${timeoutMs} ms; last events:\n${recent.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  writeRaw(text: string): void {
    this.child.stdin.write(text);
  }

  stderr(): string {
    return this.stderrText;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    this.child.stderr.destroy();
  }
}

/** Builds if needed, starts the server on free loopback ports and waits until it listens. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const binary = buildTestServerBinary();
  const controlMode = opts.control !== false;
  const wantPlain = opts.plain !== false;
  const wantTls = opts.x509Dir !== undefined;
  if (!wantPlain && !wantTls) throw new Error('a test server needs a plain port or a TLS port');
  let lastError = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const [a, b] = await freePorts(2);
    const port = wantPlain ? (opts.port ?? a) : undefined;
    const tlsPort = wantTls ? b : undefined;
    const [command, ...prefixArgs] = [...(opts.wrap ?? []), binary];
    const child = spawn(command, [...prefixArgs, ...serverArgs(opts, port, tlsPort)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const server = new RunningServer(child, port, tlsPort, controlMode);
    const outcome = await server.waitListening(opts.startTimeoutMs ?? 10000);
    if (outcome === 'listening') return server;
    await server.stop();
    lastError = `outcome ${String(outcome)}; stderr:\n${server.stderr()}`;
    if (outcome !== EXIT_PORT_IN_USE) break;
    // A fixed port still held (the previous server is closing it): wait a moment instead of moving.
    if (opts.port !== undefined) await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the SPICE test server did not start: ${lastError}`);
}
