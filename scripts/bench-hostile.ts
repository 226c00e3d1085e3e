// Peak memory and wall time of whole clients against the hostile servers of issue 11: `saffron screenshot`
// (or `info`) as a fresh process, and spice-gtk's `spicy-screenshot` against the same scripted server in the
// same run, so each figure has a peer. Peak RSS is read with GNU time (`/usr/bin/time -f %M`) when present,
// else by polling /proc/PID/status (VmHWM). Run `npm run build` first.
//
//   npm run bench:hostile [-- --only NAME,…] [--timeout S] [--no-peer]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../main/spice/protocol/enums';
import { SpiceWriter } from '../main/spice/wire/writer';
import { ScriptedServer, type ScriptedConnection } from '../test/support/scripted-server';
import { mainInit } from '../test/support/session-harness';
import * as B from '../test/support/display-builders';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const TIMEOUT_S = Number(flag('--timeout') ?? 10);
const only = flag('--only')?.split(',');
const withPeer = !args.includes('--no-peer');

function surface(c: ScriptedConnection, id: number, w: number, h: number): void {
  c.send(
    E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
    B.encodeSurfaceCreate({
      surface_id: id,
      width: w,
      height: h,
      format: E.SPICE_SURFACE_FMT_32_xRGB,
      flags: id === 0 ? E.SPICE_SURFACE_FLAGS_PRIMARY : 0,
    }),
  );
}

const fill = (size: number): Uint8Array =>
  B.encodeDrawFill({
    base: B.displayBase(0, B.rect(0, 0, size, size)),
    data: {
      brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0x336699 },
      rop_descriptor: E.SPICE_ROPD_OP_XOR,
      mask: B.NO_MASK,
    },
  });

const scaledCopy = (size: number): Uint8Array =>
  B.encodeDrawCopy({
    base: B.displayBase(0, B.rect(0, 0, size, size)),
    data: {
      src_bitmap: B.bitmapImage(1n, 1, 1, [0xff8040]),
      src_area: B.rect(0, 0, 1, 1),
      rop_descriptor: E.SPICE_ROPD_OP_PUT,
      scale_mode: E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
      mask: B.NO_MASK,
    },
  });

/** A compressed image body: a stream header declaring w x h, then `bytes` of filler (1 MB "decoding to 1 GiB"). */
function lzImage(w: number, h: number, bytes: number): Uint8Array {
  const data = new Uint8Array(28 + bytes);
  const v = new DataView(data.buffer);
  v.setUint32(0, 0x20205a4c);
  v.setUint32(4, 0x00010001);
  v.setUint32(8, 8); // RGB32
  v.setUint32(12, w);
  v.setUint32(16, h);
  v.setUint32(20, w * 4);
  v.setUint32(24, 1);
  return B.encodeDrawCopy({
    base: B.displayBase(0, B.rect(0, 0, 64, 64)),
    data: {
      src_bitmap: {
        descriptor: { id: 2n, type: E.SPICE_IMAGE_TYPE_LZ_RGB, flags: 0, width: w, height: h },
        body: { kind: 'binary', data },
      },
      src_area: B.rect(0, 0, 64, 64),
      rop_descriptor: E.SPICE_ROPD_OP_PUT,
      scale_mode: 0,
      mask: B.NO_MASK,
    },
  });
}

interface Scenario {
  name: string;
  what: string;
  command: 'screenshot' | 'info';
  /** Display channels to list (ids). */
  displays: number[];
  main?: (c: ScriptedConnection) => void;
  display?: (c: ScriptedConnection) => Promise<void> | void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'list-fill',
    what: 'SPICE_MSG_LIST of 65,535 entries, all one full-screen fill of a 4096² surface, then MARK',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      surface(c, 0, 4096, 4096);
      c.send(
        E.SPICE_MSG_LIST,
        B.encodeMessageList([{ type: E.SPICE_MSG_DISPLAY_DRAW_FILL, body: fill(4096) }], 65535),
      );
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'scaled-16384',
    what: '5,000 DRAW_COPY scaling a 1×1 bitmap onto a 16384² surface, then MARK',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      surface(c, 0, 16384, 16384);
      const m = scaledCopy(16384);
      for (let i = 0; i < 5000; i++) c.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, m);
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'scaled-8192',
    what: 'the same onto an 8192² surface (within the default budget): 5,000 × 67 Mpx of bilinear work',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      surface(c, 0, 8192, 8192);
      const m = scaledCopy(8192);
      for (let i = 0; i < 5000; i++) c.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, m);
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'channels-1e6',
    what: 'CHANNELS_LIST of 10^6 entries (all types, ids 0-255)',
    command: 'info',
    displays: [],
    main: (c) => {
      const n = 1_000_000;
      const w = new SpiceWriter(4 + 2 * n).u32(n);
      for (let i = 0; i < n; i++) w.u8(1 + (i % 11)).u8((i >> 4) & 0xff);
      c.send(E.SPICE_MSG_MAIN_CHANNELS_LIST, w.finish());
    },
  },
  {
    name: 'half-messages',
    what: '24 display channels, each announcing a 128 MiB message and sending 100 MiB of it',
    command: 'screenshot',
    displays: Array.from({ length: 24 }, (_, i) => i),
    display: async (c) => {
      c.sendRaw(
        new SpiceWriter(6)
          .u16(E.SPICE_MSG_DISPLAY_MARK)
          .u32(128 * MiB)
          .finish(),
      );
      const chunk = new Uint8Array(MiB);
      for (let i = 0; i < 100 && !c.socket.destroyed; i++) {
        if (!c.socket.write(chunk))
          await new Promise<void>((resolve) => {
            const done = (): void => {
              c.socket.off('drain', done).off('close', done);
              resolve();
            };
            c.socket.on('drain', done).on('close', done);
          });
      }
    },
  },
  {
    name: 'lz-1gib',
    what: 'a 1 MB LZ image whose header declares 16384² (1 GiB decoded) on a 16384² surface',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      surface(c, 0, 16384, 16384);
      c.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, lzImage(16384, 16384, MiB));
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'mjpeg-16384',
    what: 'a 1.5 MB MJPEG frame declaring 16384² on a 1024² surface',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      surface(c, 0, 1024, 1024);
      c.send(
        E.SPICE_MSG_DISPLAY_STREAM_CREATE,
        B.encodeStreamCreate({
          surface_id: 0,
          id: 1,
          flags: E.SPICE_STREAM_FLAGS_TOP_DOWN,
          codec_type: E.SPICE_VIDEO_CODEC_TYPE_MJPEG,
          stamp: 0n,
          stream_width: 1024,
          stream_height: 1024,
          src_width: 1024,
          src_height: 1024,
          dest: B.rect(0, 0, 1024, 1024),
          clip: B.NO_CLIP,
        }),
      );
      const jpeg = new Uint8Array(1_500_000);
      jpeg.set([
        0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x40, 0x00, 0x40, 0x00, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11,
        1,
      ]);
      for (let i = 0; i < 5; i++) c.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(1, i, jpeg));
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'surface-churn',
    what: '200 × create and destroy a 16384² surface (past the budget), then 200 × an 8192² one, then a small primary and MARK',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      for (const size of [16384, 8192])
        for (let i = 0; i < 200; i++) {
          surface(c, 1, size, size);
          c.send(E.SPICE_MSG_DISPLAY_SURFACE_DESTROY, B.encodeSurfaceDestroy(1));
        }
      surface(c, 0, 640, 480);
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'churn-8192',
    what: '200 × create and destroy an 8192² surface (256 MiB each, within the budget), then a small primary and MARK',
    command: 'screenshot',
    displays: [0],
    display: (c) => {
      for (let i = 0; i < 200; i++) {
        surface(c, 1, 8192, 8192);
        c.send(E.SPICE_MSG_DISPLAY_SURFACE_DESTROY, B.encodeSurfaceDestroy(1));
      }
      surface(c, 0, 640, 480);
      c.send(E.SPICE_MSG_DISPLAY_MARK);
    },
  },
  {
    name: 'declares-4gib',
    what: 'a display message declaring 4 GiB',
    command: 'screenshot',
    displays: [0],
    display: (c) => c.sendRaw(new SpiceWriter(6).u16(E.SPICE_MSG_DISPLAY_MARK).u32(0xffffffff).finish()),
  },
];

/** Serves `scenario` to every client that connects until closed. */
function serve(server: ScriptedServer, scenario: Scenario): () => void {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const c = await server.connection(3_600_000).catch(() => null);
      if (!c || stopped) return;
      c.socket.on('error', () => {});
      if (c.channelType === E.SPICE_CHANNEL_MAIN) {
        c.send(E.SPICE_MSG_MAIN_INIT, mainInit());
        if (scenario.main) scenario.main(c);
        else {
          const w = new SpiceWriter().u32(scenario.displays.length);
          for (const id of scenario.displays) w.u8(E.SPICE_CHANNEL_DISPLAY).u8(id);
          c.send(E.SPICE_MSG_MAIN_CHANNELS_LIST, w.finish());
        }
      } else if (c.channelType === E.SPICE_CHANNEL_DISPLAY && scenario.display) {
        void Promise.resolve(scenario.display(c)).catch(() => {});
      }
    }
  })();
  return () => {
    stopped = true;
  };
}

interface Run {
  code: number | null;
  seconds: number;
  peakMiB: number;
  note: string;
}

const GNU_TIME = existsSync('/usr/bin/time');

function measure(cmd: string, argv: string[], killAfterS: number): Promise<Run> {
  return new Promise((resolve) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-hostile-'));
    const rssFile = join(dir, 'rss');
    const child = GNU_TIME
      ? spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...argv], {
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: true, // its own process group: a kill reaches the client, not only GNU time
        })
      : spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let polledKiB = 0;
    // Also the client under GNU time (its child), for a run that has to be killed before time reports.
    const poll = setInterval(() => {
      try {
        const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
          .trim()
          .split(/\s+/);
        for (const pid of [String(child.pid), ...kids].filter(Boolean)) {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          if (m) polledKiB = Math.max(polledKiB, Number(m[1]));
        }
      } catch {
        // exited
      }
    }, 20);
    const started = performance.now();
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, killAfterS * 1000);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(killer);
      let kib = polledKiB;
      if (GNU_TIME && !killed) {
        try {
          kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        } catch {
          // killed before time wrote it
        }
      }
      rmSync(dir, { recursive: true, force: true });
      const last =
        stderr
          .trim()
          .split('\n')
          .filter((l) => !/^Command (exited|terminated)/.test(l))
          .pop() ?? '';
      resolve({
        code: killed ? null : code,
        seconds: (performance.now() - started) / 1000,
        peakMiB: kib / 1024,
        note:
          code === null || performance.now() - started >= killAfterS * 1000 - 50
            ? 'killed'
            : last.slice(0, 110),
      });
    });
  });
}

async function main(): Promise<void> {
  const cli = join(process.cwd(), 'bin/saffron.cjs');
  if (!existsSync(join(process.cwd(), 'dist/cli.cjs'))) throw new Error('run `npm run build` first');
  const out = mkdtempSync(join(tmpdir(), 'bench-hostile-out-'));
  const rows: string[] = [];
  process.stdout.write(
    `peak RSS by ${GNU_TIME ? 'GNU time (%M)' : 'polling VmHWM'}; --timeout ${TIMEOUT_S}\n`,
  );
  for (const s of SCENARIOS.filter((x) => !only || only.includes(x.name))) {
    const server = new ScriptedServer();
    const port = await server.listen();
    const stop = serve(server, s);
    const uri = `spice://127.0.0.1:${port}`;
    const ours = await measure(
      process.execPath,
      s.command === 'info'
        ? [cli, 'info', uri, '--timeout', String(TIMEOUT_S)]
        : [cli, 'screenshot', uri, '-o', join(out, `${s.name}.png`), '--timeout', String(TIMEOUT_S)],
      TIMEOUT_S * 6,
    );
    let peer: Run | undefined;
    if (withPeer)
      peer = await measure(
        'spicy-screenshot',
        ['-h', '127.0.0.1', '-p', String(port), '-o', join(out, `${s.name}.ppm`)],
        TIMEOUT_S * 6,
      );
    stop();
    await server.close();
    const fmt = (r: Run): string =>
      `exit ${r.code ?? 'killed'}, ${r.seconds.toFixed(1)} s, ${r.peakMiB.toFixed(0)} MiB`;
    process.stdout.write(`${s.name}: saffron ${fmt(ours)} — ${ours.note}\n`);
    if (peer) process.stdout.write(`${s.name}: spicy-screenshot ${fmt(peer)} — ${peer.note}\n`);
    rows.push(
      `| ${s.name} | ${s.what} | ${ours.code ?? 'killed'} | ${ours.seconds.toFixed(1)} | ${ours.peakMiB.toFixed(0)} | ` +
        (peer
          ? `${peer.code ?? 'killed'} | ${peer.seconds.toFixed(1)} | ${peer.peakMiB.toFixed(0)} |`
          : '– | – | – |'),
    );
  }
  rmSync(out, { recursive: true, force: true });
  process.stdout.write(
    '\n| scenario | what the server does | saffron exit | s | peak RSS MiB | spicy-screenshot exit | s | peak RSS MiB |\n' +
      '|---|---|---|---|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
  process.exit(0);
}

await main();
