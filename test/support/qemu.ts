// Starts Debian's QEMU with a SPICE server on a free loopback port, for integration tests. No disk, no guest:
// SeaBIOS (and iPXE) draw the screen. stop() kills it and waits for the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface QemuOptions {
  /** SPICE password (ticketing on); none = disable-ticketing=on. */
  password?: string;
  /** Also listen for TLS on a free port with this x509 directory (ca-cert.pem, server-cert.pem, server-key.pem). */
  x509Dir?: string;
  /** Extra `-spice` suboptions, e.g. ['image-compression=quic', 'tls-channel=main']. */
  spiceOptions?: string[];
  /** The SPICE port (a VM restarted on the same port); default a free one. */
  port?: number;
  /** Extra QEMU arguments. */
  args?: string[];
  name?: string;
  uuid?: string;
}

export interface Qemu {
  port: number;
  tlsPort?: number;
  process: ChildProcess;
  /** Everything QEMU wrote to stderr so far. */
  log(): string;
  /** Runs a human monitor command (e.g. 'stop' to freeze the guest and its blinking text cursor, 'cont'). */
  hmp(command: string): Promise<string>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`QEMU did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends one command to QEMU's human monitor and returns what it printed up to the next prompt. */
function runHmp(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let out = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`monitor command '${command}' timed out`));
    }, 5000);
    sock.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const prompts = out.split('(qemu) ').length - 1;
      if (!sent && prompts >= 1) {
        sent = true;
        sock.write(command + '\n');
      } else if (sent && prompts >= 2) {
        clearTimeout(timer);
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function startQemu(options: QemuOptions = {}): Promise<Qemu> {
  const port = options.port ?? (await freePort());
  const tlsPort = options.x509Dir ? await freePort() : undefined;
  const spice = [`port=${port}`, 'addr=127.0.0.1'];
  if (options.password !== undefined) spice.push(`password=${options.password}`);
  else spice.push('disable-ticketing=on');
  if (options.x509Dir) spice.push(`tls-port=${tlsPort}`, `x509-dir=${options.x509Dir}`);
  spice.push(...(options.spiceOptions ?? []));
  const monitorDir = mkdtempSync(join(tmpdir(), 'qemu-mon-'));
  const monitor = join(monitorDir, 'hmp.sock');
  const args = [
    '-monitor',
    `unix:${monitor},server=on,wait=off`,
    '-nodefaults',
    '-vga',
    'qxl',
    '-display',
    'none',
    '-m',
    '64',
    '-spice',
    spice.join(','),
  ];
  if (options.name) args.push('-name', options.name);
  if (options.uuid) args.push('-uuid', options.uuid);
  args.push(...(options.args ?? []));
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      exited.then(() => {
        throw new Error(`QEMU exited: ${stderr}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    port,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    process: child,
    log: () => stderr,
    hmp: (command) => runHmp(monitor, command),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(monitorDir, { recursive: true, force: true });
    },
  };
}
