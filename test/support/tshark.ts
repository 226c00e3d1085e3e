// tshark as the wire-format oracle: capture loopback traffic on one port while a test runs, then dissect it
// with the SPICE dissector.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Capture {
  file: string;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts `tshark -i lo -f 'tcp port P'` and resolves once it is capturing. */
export async function startCapture(port: number): Promise<Capture> {
  const dir = await mkdtemp(join(tmpdir(), 'tshark-'));
  const file = join(dir, 'cap.pcapng');
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 15_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Capturing on/.test(err)) {
        clearTimeout(timer);
        // tshark announces itself a moment before the capture filter is live
        setTimeout(resolve, 1000);
      }
    });
    child.once('exit', () => reject(new Error(`tshark exited: ${err}`)));
  });
  return {
    file,
    async stop() {
      await new Promise((r) => setTimeout(r, 300)); // let the last packets land
      child.kill('SIGINT');
      await exited;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Dissects `file` as SPICE on `port` and returns the requested fields, one row per packet. */
export async function dissect(
  file: string,
  port: number,
  filter: string,
  fields: string[],
): Promise<string[][]> {
  const args = [
    '-r',
    file,
    '-d',
    `tcp.port==${port},spice`,
    '-Y',
    filter,
    '-T',
    'fields',
    '-E',
    'separator=\t',
  ];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}
