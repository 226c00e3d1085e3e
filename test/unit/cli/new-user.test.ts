// What a new user ran into, each answered by a message that names the problem and what to do, with the
// documented exit code, and without waiting out a timeout when the answer is already known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import {
  EXIT_NOT_SPICE,
  EXIT_PASSWORD_REQUIRED,
  EXIT_PROTOCOL,
  EXIT_TIMEOUT,
  EXIT_USAGE,
} from '../../../main/cli/exit-codes';
import { ScriptedServer } from '../../support/scripted-server';
import { mainInit } from '../../support/session-harness';
import { runCli } from '../../support/run-cli';
import * as B from '../../support/display-builders';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

void test(
  'spice:/host:5900, spice:host:5900 and a bare host name are mistyped URIs, with the right form',
  { timeout: 30_000 },
  async () => {
    for (const [arg, right] of [
      ['spice:/host:5900', 'spice://host:5900'],
      ['spice:host:5900', 'spice://host:5900'],
      ['spice+tls:/vm:5901', 'spice+tls://vm:5901'],
      ['localhost', 'spice://localhost:5900'],
    ] as const) {
      for (const command of ['info', 'screenshot']) {
        const r = await runCli([command, arg, '-o', 'x.png'].slice(0, command === 'info' ? 2 : 4));
        assert.equal(r.code, EXIT_USAGE, `${command} ${arg}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`did you mean ${right.replace(/[+.]/g, '\\$&')}`), r.stderr);
        assert.doesNotMatch(r.stderr, /delete-this-file|download a new one/, 'not taken for a .vv file');
      }
    }
  },
);

void test(
  'a port that accepts and never answers: the timeout says the port may be wrong',
  { timeout: 30_000 },
  async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    const port = await listen(silent);
    try {
      const r = await runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '1']);
      assert.equal(r.code, EXIT_TIMEOUT, r.stderr);
      assert.match(r.stderr, /never answered the SPICE link: the port may be wrong/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  },
);

void test('an HTTP port: "this is an HTTP port", exit 5', { timeout: 30_000 }, async () => {
  const http = createHttpServer((_, res) => res.end('hello'));
  const port = await listen(http);
  try {
    const r = await runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '5']);
    assert.equal(r.code, EXIT_NOT_SPICE, r.stderr);
    assert.match(r.stderr, /this is an HTTP port, not SPICE/);
  } finally {
    http.closeAllConnections();
    http.close();
  }
});

void test(
  'QEMU\'s VNC port (RFB banner): exit 5 "this is a VNC port", at once',
  { timeout: 30_000 },
  async () => {
    // As QEMU's VNC server does: the banner first, then a bad client version closes the connection.
    const vnc = createServer((s) => {
      s.on('error', () => {});
      s.write('RFB 003.008\n');
      s.once('data', () => s.end());
    });
    const port = await listen(vnc);
    try {
      const started = performance.now();
      const r = await runCli([
        'screenshot',
        `spice://127.0.0.1:${port}`,
        '-o',
        '/tmp/never.png',
        '--timeout',
        '20',
      ]);
      assert.equal(r.code, EXIT_NOT_SPICE, r.stderr);
      assert.match(r.stderr, /this is a VNC port \(QEMU -vnc\), not SPICE/);
      assert.ok(performance.now() - started < 5000);
    } finally {
      vnc.close();
    }
  },
);

void test(
  '-o into a missing directory: a clear message before connecting; -o missing is said',
  { timeout: 30_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-o-'));
    let connected = false;
    const server = createServer((s) => {
      connected = true;
      s.destroy();
    });
    const port = await listen(server);
    try {
      const missing = join(dir, 'no', 'such', 'dir', 'screen.png');
      const r = await runCli(['screenshot', `spice://127.0.0.1:${port}`, '-o', missing]);
      assert.equal(r.code, EXIT_USAGE, r.stderr);
      assert.match(r.stderr, /cannot write .*screen\.png: the directory does not exist/);
      assert.doesNotMatch(r.stderr, /unexpected error|ENOENT/);
      const isDir = await runCli(['screenshot', `spice://127.0.0.1:${port}`, '-o', dir]);
      assert.equal(isDir.code, EXIT_USAGE);
      assert.match(isDir.stderr, /it is a directory/);
      assert.equal(connected, false, 'the server was never contacted');
      const noO = await runCli(['screenshot', `spice://127.0.0.1:${port}`]);
      assert.equal(noO.code, EXIT_USAGE);
      assert.match(noO.stderr, /-o FILE is missing/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** A server that links main, sends MAIN_INIT and a channel list, then lets `after` script the display. */
async function withDisplayServer(
  listed: number[],
  run: (port: number, server: ScriptedServer) => Promise<void>,
): Promise<void> {
  const server = new ScriptedServer();
  const port = await server.listen();
  const serve = (async () => {
    const main = await server.connection(10_000).catch(() => null);
    if (!main) return;
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    const w = new SpiceWriter().u32(listed.length);
    for (const id of listed) w.u8(E.SPICE_CHANNEL_DISPLAY).u8(id);
    main.send(E.SPICE_MSG_MAIN_CHANNELS_LIST, w.finish());
  })();
  try {
    await run(port, server);
  } finally {
    await serve;
    await server.close();
  }
}

void test(
  '--display 3 when the server has no display 3 fails at once, naming the displays it has',
  { timeout: 30_000 },
  async () => {
    await withDisplayServer([0], async (port) => {
      const started = performance.now();
      const r = await runCli([
        'screenshot',
        `spice://127.0.0.1:${port}`,
        '-o',
        '/tmp/x.png',
        '--display',
        '3',
        '--timeout',
        '20',
      ]);
      assert.equal(r.code, EXIT_USAGE, r.stderr);
      assert.match(r.stderr, /the server has no display 3 \(it has display 0\): use --display 0/);
      assert.ok(performance.now() - started < 5000, 'without waiting for --timeout');
    });
  },
);

void test(
  'a display message declaring 4 GiB ends screenshot at once with exit 7 (not the timeout)',
  { timeout: 30_000 },
  async () => {
    await withDisplayServer([0], async (port, server) => {
      const started = performance.now();
      const run = runCli(['screenshot', `spice://127.0.0.1:${port}`, '-o', '/tmp/x.png', '--timeout', '20']);
      const display = await server.connection(5000); // main was taken by withDisplayServer
      assert.equal(display.channelType, E.SPICE_CHANNEL_DISPLAY);
      display.sendRaw(new SpiceWriter(6).u16(E.SPICE_MSG_DISPLAY_MARK).u32(0xffffffff).finish());
      const r = await run;
      assert.equal(r.code, EXIT_PROTOCOL, r.stderr);
      assert.match(r.stderr, /declares 4294967295 bytes/);
      assert.ok(performance.now() - started < 5000, 'without waiting for --timeout');
    });
  },
);

void test(
  'a server that needs a password: the CLI says to give --password (exit 11)',
  { timeout: 30_000 },
  async () => {
    const server = new ScriptedServer({ password: 'secret' });
    const port = await server.listen();
    try {
      const r = await runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '5']);
      assert.equal(r.code, EXIT_PASSWORD_REQUIRED, r.stderr);
      assert.match(r.stderr, /requires a password, and none was given — give one with --password/);
    } finally {
      await server.close();
    }
  },
);

void test(
  'a primary surface past the memory budget ends screenshot at once (exit 7), naming --max-memory',
  { timeout: 30_000 },
  async () => {
    await withDisplayServer([0], async (port, server) => {
      const started = performance.now();
      const run = runCli(['screenshot', `spice://127.0.0.1:${port}`, '-o', '/tmp/x.png', '--timeout', '20']);
      const display = await server.connection(5000);
      display.send(
        E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
        B.encodeSurfaceCreate({
          surface_id: 0,
          width: 16384,
          height: 16384,
          format: E.SPICE_SURFACE_FMT_32_xRGB,
          flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
        }),
      );
      const r = await run;
      assert.equal(r.code, EXIT_PROTOCOL, r.stderr);
      assert.match(r.stderr, /surface 0 \(16384x16384\) needs 1\.0 GiB.*memory budget.*--max-memory/);
      assert.ok(performance.now() - started < 5000, 'without waiting for --timeout');
    });
  },
);
