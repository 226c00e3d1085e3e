// "spicy": spice-gtk's test client (Debian spice-client-gtk) in a private Xvfb large enough to show the guest
// screen at 1:1. The X probe (x11-probe.c) finds the frame-counter strip on the root window, then reads its one
// sample row every 2 ms; a frame counts as shown when the probe first reads it from the X server's framebuffer.
// spicy's figures include Xvfb (it does the pixel work a compositor does for Chromium), minus what the probe's
// own reads cost Xvfb (measured on a still screen after the window).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { BenchClient, ClientRun, FrameSeen, InputSent, StartContext } from './client';
import { sleep, startLineChild } from './child';
import type { LineChild } from './child';
import { treeCpuSeconds } from './proc-stats';
import { buildX11Probe } from './x11-probe-build';

const PROBE_PERIOD_US = 2000;

function hasHeader(path: string): boolean {
  return existsSync(`/usr/include/${path}`);
}

/** Starts Xvfb on a free display (-displayfd) and resolves with its number. */
async function startXvfb(width: number, height: number): Promise<{ display: string; child: LineChild }> {
  const proc = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  proc.stderr?.resume();
  const fd3 = proc.stdio[3] as NodeJS.ReadableStream;
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report its display within 10 s')), 10_000);
    fd3.setEncoding('utf8');
    fd3.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}) before reporting its display`));
    });
  });
  return { display, child: adoptChild('Xvfb', proc) };
}

/** Wraps an already spawned process in LineChild's stop() (stdout is not read). */
function adoptChild(name: string, proc: ReturnType<typeof spawn>): LineChild {
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    pid: proc.pid!,
    lines: [],
    waitLine: () => Promise.reject(new Error(`${name}: no output is read`)),
    write: () => undefined,
    stderr: () => '',
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const spicyClient: BenchClient = {
  id: 'spicy',
  label: 'spice-gtk (spicy under Xvfb)',
  missing: () => [
    ...(existsSync('/usr/bin/spicy') ? [] : ['spice-client-gtk']),
    ...(existsSync('/usr/bin/Xvfb') ? [] : ['xvfb']),
    ...(existsSync('/usr/bin/gcc') ? [] : ['gcc']),
    ...(hasHeader('X11/Xlib.h') ? [] : ['libx11-dev']),
    ...(hasHeader('X11/extensions/XTest.h') ? [] : ['libxtst-dev']),
  ],
  async start(ctx: StartContext): Promise<ClientRun> {
    const probeBin = buildX11Probe();
    const stops: (() => Promise<void>)[] = [];
    const stopAll = async (): Promise<void> => {
      for (const s of stops.reverse()) await s().catch(() => undefined);
    };
    try {
      // room for spicy's menu, tool and status bars around a 1:1 guest screen
      const xvfb = await startXvfb(ctx.width + 256, ctx.height + 320);
      stops.push(() => xvfb.child.stop());
      // spicy's own settings file, in a private config dir: scaling off makes its window exactly the guest's size
      // (1:1, as the pages show it); spice-gtk's default (scaling on) would fit the guest into a 640×480 window
      const configHome = join(ctx.tmpDir, 'spicy-config');
      mkdirSync(join(configHome, 'spicy'), { recursive: true });
      writeFileSync(join(configHome, 'spicy', 'settings'), '[general]\nscaling=false\nresize-guest=false\n');
      const env = {
        ...process.env,
        DISPLAY: xvfb.display,
        GDK_BACKEND: 'x11',
        NO_AT_BRIDGE: '1',
        XDG_CONFIG_HOME: configHome,
      };
      const spicy = startLineChild('spicy', 'spicy', ['-h', '127.0.0.1', '-p', String(ctx.serverPort)], {
        env,
      });
      stops.push(() => spicy.stop());
      const probe = startLineChild('x11-probe', probeBin, [], { env });
      stops.push(async () => {
        probe.write('quit\n');
        await probe.stop();
      });
      let origin: { x: number; y: number } | undefined;
      const frames = (): FrameSeen[] =>
        probe.lines
          .filter((l) => l.startsWith('frame '))
          .map((l) => {
            const [, f, t, rgb] = l.split(' ');
            return [Number(f), Number(t), Number.parseInt(rgb ?? '', 16)] as FrameSeen;
          });
      const notes: Record<string, unknown> = { display: xvfb.display };
      return {
        groups: [
          { name: 'spicy', roots: () => [spicy.pid] },
          { name: 'xvfb', roots: () => [xvfb.child.pid] },
        ],
        notes,
        async waitFirstFrame(timeoutMs) {
          const deadline = Date.now() + timeoutMs;
          while (!origin) {
            if (Date.now() > deadline) {
              const shot = join(ctx.tmpDir, '..', `spicy-screen-${process.pid}.ppm`);
              probe.write(`snapshot ${shot}\n`);
              await probe
                .waitLine((l) => l.startsWith('snapshot ') || l.startsWith('error'), 10_000)
                .catch(() => '');
              throw new Error(
                `no frame counter found on spicy's X screen within ${timeoutMs} ms (screen: ${shot})`,
              );
            }
            const from = probe.lines.length;
            probe.write('locate\n');
            const answer = await probe.waitLine((l) => l.startsWith('at ') || l === 'none', 10_000, from);
            if (answer.startsWith('at ')) {
              const [, x, y] = answer.split(' ');
              origin = { x: Number(x), y: Number(y) };
            } else {
              await sleep(250);
            }
          }
          notes.screenOrigin = origin;
          probe.write(`watch ${origin.x} ${origin.y} ${PROBE_PERIOD_US}\n`);
          await probe.waitLine((l) => l.startsWith('frame '), Math.max(1000, deadline - Date.now()));
        },
        lastShown: () => {
          const last = frames().at(-1);
          return Promise.resolve({ frame: last?.[0] ?? -1, rgb: last?.[2] ?? -1 });
        },
        frames: () => Promise.resolve(frames()),
        async measurementOverheadCpu() {
          // the screen is still now: what Xvfb spends is the probe's reads (and Xvfb's idle)
          const before = treeCpuSeconds([xvfb.child.pid]);
          const t0 = Date.now();
          await sleep(1000);
          return (treeCpuSeconds([xvfb.child.pid]) - before) / ((Date.now() - t0) / 1000);
        },
        async sendInput(keys, moves, gapMs) {
          if (!origin) throw new Error('the guest screen was not located');
          probe.write(`move ${origin.x + ctx.width / 2} ${origin.y + ctx.height / 2}\n`); // pointer in, for focus
          await sleep(gapMs);
          const first = probe.lines.length;
          for (let i = 0; i < keys; i++) {
            probe.write('key a\n');
            await sleep(gapMs + 5);
          }
          for (let i = 0; i < moves; i++) {
            probe.write(`move ${origin.x + 40 + ((i * 37) % 400)} ${origin.y + 40 + ((i * 23) % 300)}\n`);
            await sleep(gapMs);
          }
          await sleep(200);
          const sent: InputSent[] = [];
          for (const l of probe.lines.slice(first)) {
            const parts = l.split(' ');
            if (parts[0] === 'keydown' || parts[0] === 'keyup')
              sent.push({ kind: parts[0], tUs: Number(parts[1]) });
            else if (parts[0] === 'move') sent.push({ kind: 'move', tUs: Number(parts[3]) });
          }
          return sent;
        },
        stop: stopAll,
      };
    } catch (e) {
      await stopAll();
      throw e;
    }
  },
};
