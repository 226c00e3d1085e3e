// Every connecting CLI command, as a real process, against servers that stall — silent, one byte a second, no
// link result, a secondary channel that never links: the process ends within --timeout + 2 s with the
// documented exit code and one line of explanation, never a stack trace. `saffron web` keeps serving its page
// while the connection stalls and stops at once on SIGTERM. (bench-decode connects to nothing.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { EXIT_OK, EXIT_TIMEOUT } from '../../../main/cli/exit-codes';
import { ScriptedServer, type StallMode } from '../../support/scripted-server';
import { mainInit } from '../../support/session-harness';
import * as B from '../../support/display-builders';
import { STACK_LINE, buildCliPackage, runProcess, type CliPackage } from '../../support/cli-process';

const TIMEOUT_S = 2;
const LIMIT_MS = (TIMEOUT_S + 2) * 1000;
let cli: CliPackage;
let out: string;

before(async () => {
  cli = await buildCliPackage();
  out = mkdtempSync(join(tmpdir(), 'saffron-stalled-'));
});
after(() => {
  cli.cleanup();
  rmSync(out, { recursive: true, force: true });
});

const commands = (port: number): string[][] => [
  ['screenshot', `spice://127.0.0.1:${port}`, '-o', join(out, `s${port}.png`), '--timeout', `${TIMEOUT_S}`],
  ['info', `spice://127.0.0.1:${port}`, '--timeout', `${TIMEOUT_S}`],
  ['info', `spice://127.0.0.1:${port}`, '--json', '--timeout', `${TIMEOUT_S}`],
];

for (const mode of ['silent', 'trickle', 'no-link-result'] as StallMode[]) {
  void test(
    `main channel link ${mode}: every command exits ${EXIT_TIMEOUT} within --timeout + 2 s, no stack trace`,
    { timeout: 30_000 },
    async () => {
      const server = new ScriptedServer({ stall: () => mode });
      const port = await server.listen();
      try {
        const runs = await Promise.all(
          commands(port).map((args) => runProcess(cli.bin, args, { killAfterMs: 15_000 })),
        );
        for (const [i, run] of runs.entries()) {
          const what = `${commands(port)[i]!.slice(0, 1).join(' ')}: ${run.stderr}`;
          assert.equal(run.code, EXIT_TIMEOUT, what);
          assert.ok(run.elapsedMs <= LIMIT_MS, `${what} took ${Math.round(run.elapsedMs)} ms`);
          assert.doesNotMatch(run.stderr, STACK_LINE, what);
          assert.match(run.stderr, /saffron: gave up after 2 s/, what);
          if (mode !== 'trickle' || run.stderr.includes('never answered'))
            assert.match(run.stderr, mode === 'silent' ? /the port may be wrong/ : /.*/, what);
        }
      } finally {
        await server.close();
      }
    },
  );
}

void test(
  'a secondary channel that never links: info reports it as linking and the process exits',
  { timeout: 30_000 },
  async () => {
    const server = new ScriptedServer({
      stall: (type) => (type === E.SPICE_CHANNEL_DISPLAY ? 'silent' : undefined),
    });
    const port = await server.listen();
    // Two processes, one main channel each; their display channels stay stuck in the link stage.
    const serve = (async () => {
      for (let i = 0; i < 2; i++) {
        const main = await server.connection(10_000).catch(() => null);
        if (!main) return;
        main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
        main.send(
          E.SPICE_MSG_MAIN_CHANNELS_LIST,
          new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
        );
      }
    })();
    try {
      const [info, shot] = await Promise.all([
        runProcess(cli.bin, ['info', `spice://127.0.0.1:${port}`, '--timeout', '10'], {
          killAfterMs: 15_000,
        }),
        runProcess(cli.bin, commands(port)[0]!, { killAfterMs: 15_000 }),
      ]);
      assert.equal(info.code, EXIT_OK, info.stderr);
      assert.match(info.stdout, /display +still linking/);
      assert.doesNotMatch(info.stdout, /display.*not supported/);
      assert.ok(
        info.elapsedMs < 8000,
        `info exits when done (${Math.round(info.elapsedMs)} ms), not at --timeout`,
      );
      assert.equal(shot.code, EXIT_TIMEOUT, shot.stderr);
      assert.ok(shot.elapsedMs <= LIMIT_MS);
      assert.doesNotMatch(info.stderr + shot.stderr, STACK_LINE);
    } finally {
      await server.close();
      await serve;
    }
  },
);

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(3000, () => req.destroy(new Error('HTTP request timed out')));
    req.on('error', reject);
  });
}

void test(
  'saffron web keeps answering while the connection stalls, and SIGTERM stops it at once',
  { timeout: 30_000 },
  async () => {
    const server = new ScriptedServer({ stall: () => 'trickle' });
    const port = await server.listen();
    const child = spawn(process.execPath, [cli.bin, 'web', `spice://127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /listening (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`saffron web exited: ${stderr}`)));
      });
      const page = url.replace(/#.*$/, '');
      for (let i = 0; i < 3; i++) {
        assert.equal(await httpStatus(page), 200);
        await new Promise((r) => setTimeout(r, 500));
      }
      const started = performance.now();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, EXIT_OK);
      assert.ok(performance.now() - started < 2000, 'stopped within 2 s');
      assert.doesNotMatch(stderr, STACK_LINE);
      await assert.rejects(httpStatus(page), 'the port is free');
    } finally {
      child.kill('SIGKILL');
      await server.close();
    }
  },
);

void test(
  'saffron web under a work-amplification flood keeps answering HTTP and stops at once on SIGTERM',
  { timeout: 60_000 },
  async () => {
    const server = new ScriptedServer();
    const port = await server.listen();
    const fill = B.encodeDrawFill({
      base: B.displayBase(0, B.rect(0, 0, 4096, 4096)),
      data: {
        brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0x336699 },
        rop_descriptor: E.SPICE_ROPD_OP_XOR,
        mask: B.NO_MASK,
      },
    });
    const list = B.encodeMessageList([{ type: E.SPICE_MSG_DISPLAY_DRAW_FILL, body: fill }], 65535);
    let flooding = false;
    const serve = (async () => {
      const main = await server.connection(10_000).catch(() => null);
      if (!main) return;
      main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
      main.send(
        E.SPICE_MSG_MAIN_CHANNELS_LIST,
        new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
      );
      const display = await server.connection(10_000).catch(() => null);
      if (!display) return;
      display.send(
        E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
        B.encodeSurfaceCreate({
          surface_id: 0,
          width: 4096,
          height: 4096,
          format: E.SPICE_SURFACE_FMT_32_xRGB,
          flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
        }),
      );
      for (let i = 0; i < 40; i++) display.send(E.SPICE_MSG_LIST, list);
      flooding = true;
    })();
    const child = spawn(process.execPath, [cli.bin, 'web', `spice://127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /listening (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`saffron web exited: ${stderr}`)));
      });
      await serve;
      assert.ok(flooding, 'the flood was sent');
      const page = url.replace(/#.*$/, '');
      for (let i = 0; i < 4; i++) {
        const t = performance.now();
        assert.equal(await httpStatus(page), 200);
        assert.ok(performance.now() - t < 3000, 'answered while the display channel works');
        await new Promise((r) => setTimeout(r, 300));
      }
      const started = performance.now();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, EXIT_OK);
      assert.ok(performance.now() - started < 3000, 'stopped within 3 s');
      assert.doesNotMatch(stderr, STACK_LINE);
    } finally {
      child.kill('SIGKILL');
      await server.close();
    }
  },
);
