// The test server's JSON control channel: every command answers, drawing commands show up in what a real
// client (spicy-screenshot) sees, and capabilities without a client yet report through events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import type { TestServer } from '../support/test-server';
import {
  countDiffs,
  crop,
  pixelAt,
  readPngRgb,
  spicyScreenshot,
  writeSolidPng,
  writeTestPng,
} from '../server/client-tools';
import type { RgbImage } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy']);

async function shoot(server: TestServer, dir: string, name: string): Promise<RgbImage> {
  const shot = await spicyScreenshot(join(dir, `${name}.ppm`), { port: server.port! });
  assert.ok(shot.ok, `spicy-screenshot failed: ${shot.stderr}`);
  return shot.image!;
}

void test('control channel', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-control-'));
  const server = await startTestServer({ width: 200, height: 150, compression: 'auto_glz' });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const red = join(dir, 'red.png');
  await writeSolidPng(red, 30, 30, [255, 0, 0]);

  await t.test('listening event describes the server', () => {
    assert.equal(server.listening.event, 'listening');
    assert.equal(server.listening.port, server.port);
    assert.equal(server.listening.tls_port, null);
    assert.equal(server.listening.width, 200);
    assert.match(String(server.listening.video_codecs), /spice:mjpeg/);
  });

  await t.test('info answers with the server state', async () => {
    const info = await server.sendOk({ cmd: 'info' });
    assert.equal(info.reply, 'info');
    assert.equal(info.spice_server_version, '0.15.1');
    assert.equal(info.image_compression, 'auto_glz');
    assert.equal(typeof info.server_mouse, 'boolean');
  });

  await t.test('bad requests get ok:false with a reason', async () => {
    const unknown = await server.send({ cmd: 'nope' } as never);
    assert.equal(unknown.ok, false);
    assert.match(unknown.error ?? '', /unknown command/);
    const field = await server.send({ cmd: 'fill', color: '#ff0000', colour: 1 } as never);
    assert.equal(field.ok, false);
    assert.match(field.error ?? '', /unknown field 'colour'/);
    const missing = await server.send({ cmd: 'draw_image', png: join(dir, 'missing.png') });
    assert.equal(missing.ok, false);
    assert.match(missing.error ?? '', /cannot read PNG/);
    const outside = await server.send({ cmd: 'draw_image', png: red, x: 190, y: 0 });
    assert.equal(outside.ok, false);
    assert.match(outside.error ?? '', /outside surface 0/);
    const color = await server.send({ cmd: 'fill', color: 'red' });
    assert.equal(color.ok, false);
    const compression = await server.send({ cmd: 'set_compression', image: 'zip' as never });
    assert.equal(compression.ok, false);
  });

  await t.test('fill, draw_image and copy_bits show up in the client', async () => {
    await server.sendOk({ cmd: 'fill', color: '#102030' });
    await server.sendOk({ cmd: 'fill', color: 0x00ff00, x: 150, y: 100, width: 50, height: 50 });
    const drawn = await server.sendOk({ cmd: 'draw_image', png: red, x: 10, y: 20 });
    assert.equal(drawn.width, 30);
    await server.sendOk({ cmd: 'copy_bits', src_x: 10, src_y: 20, x: 100, y: 10, width: 30, height: 30 });
    const img = await shoot(server, dir, 'draw');
    assert.deepEqual(pixelAt(img, 0, 0), [0x10, 0x20, 0x30]);
    assert.deepEqual(pixelAt(img, 10, 20), [255, 0, 0]);
    assert.deepEqual(pixelAt(img, 39, 49), [255, 0, 0]);
    assert.deepEqual(pixelAt(img, 40, 50), [0x10, 0x20, 0x30]);
    assert.deepEqual(pixelAt(img, 9, 20), [0x10, 0x20, 0x30]);
    assert.deepEqual(pixelAt(img, 100, 10), [255, 0, 0]);
    assert.deepEqual(pixelAt(img, 129, 39), [255, 0, 0]);
    assert.deepEqual(pixelAt(img, 199, 149), [0, 255, 0]);
    // the server's own rendering agrees with the client's, pixel for pixel
    await server.sendOk({ cmd: 'screenshot', path: join(dir, 'server.png') });
    assert.equal(countDiffs(await readPngRgb(join(dir, 'server.png')), img), 0);
  });

  await t.test('off-screen surfaces: create, fill, copy to the primary, destroy', async () => {
    await server.sendOk({ cmd: 'create_surface', surface: 1, width: 64, height: 40, color: '#0000ff' });
    const picture = join(dir, 'picture.png');
    const expected = await writeTestPng(picture, 32, 20, 9);
    await server.sendOk({ cmd: 'draw_image', surface: 1, png: picture, x: 16, y: 10 });
    await server.sendOk({ cmd: 'copy_surface', src_surface: 1, surface: 0, x: 60, y: 80 });
    const again = await server.send({ cmd: 'create_surface', surface: 1, width: 8, height: 8 });
    assert.equal(again.ok, false);
    await server.sendOk({ cmd: 'destroy_surface', surface: 1 });
    const gone = await server.send({ cmd: 'fill', surface: 1, color: 0 });
    assert.equal(gone.ok, false);
    const img = await shoot(server, dir, 'surfaces');
    assert.deepEqual(pixelAt(img, 60, 80), [0, 0, 255]);
    assert.deepEqual(pixelAt(img, 123, 119), [0, 0, 255]);
    assert.equal(countDiffs(crop(img, 76, 90, 32, 20), expected), 0);
  });

  await t.test('resize changes the primary surface the client gets', async () => {
    const picture = join(dir, 'resize.png');
    const expected = await writeTestPng(picture, 320, 200, 11);
    await server.sendOk({ cmd: 'resize', width: 320, height: 200, png: picture });
    const img = await shoot(server, dir, 'resized');
    assert.equal(img.width, 320);
    assert.equal(img.height, 200);
    assert.equal(countDiffs(img, expected), 0);
  });

  await t.test('monitors config is validated and accepted', async () => {
    const ok = await server.sendOk({
      cmd: 'monitors',
      monitors: [
        { x: 0, y: 0, width: 160, height: 200 },
        { x: 160, y: 0, width: 160, height: 200 },
      ],
    });
    assert.equal(ok.count, 2);
    const outside = await server.send({
      cmd: 'monitors',
      monitors: [{ x: 300, y: 0, width: 100, height: 10 }],
    });
    assert.equal(outside.ok, false);
    const empty = await server.send({ cmd: 'monitors', monitors: [] });
    assert.equal(empty.ok, false);
  });

  await t.test('cursor commands', async () => {
    const alpha = await server.sendOk({ cmd: 'cursor_set', type: 'alpha', width: 16, height: 16, hot_x: 3 });
    assert.equal(alpha.width, 16);
    const mono = await server.sendOk({ cmd: 'cursor_set', type: 'mono', png: red, x: 5, y: 5 });
    assert.ok(Number(mono.unique) > Number(alpha.unique));
    await server.sendOk({ cmd: 'cursor_move', x: 50, y: 60 });
    await server.sendOk({ cmd: 'cursor_hide' });
    const bad = await server.send({ cmd: 'cursor_set', type: 'color' as never });
    assert.equal(bad.ok, false);
    const hot = await server.send({ cmd: 'cursor_set', width: 8, height: 8, hot_x: 8 });
    assert.equal(hot.ok, false);
  });

  await t.test('channel events report a client connecting', async () => {
    const mark = server.eventCount;
    await shoot(server, dir, 'events');
    const main = await server.waitFor((e) => e.event === 'channel' && e.channel === 'main', { after: mark });
    assert.equal(main.tls, false);
    assert.equal(main.peer, '127.0.0.1');
    await server.waitFor(
      (e) => e.event === 'channel' && e.channel === 'display' && e.state === 'initialized',
      {
        after: mark,
      },
    );
    await server.waitFor((e) => e.event === 'display_client' && e.present === true, { after: mark });
  });

  await t.test('stream pushes frames and reports when done', async () => {
    const mark = server.eventCount;
    await server.sendOk({ cmd: 'stream', x: 0, y: 0, width: 128, height: 96, frames: 5, fps: 50 });
    const done = await server.waitFor((e) => e.event === 'stream_done', { after: mark });
    assert.equal(done.frames, 5);
  });

  await t.test('keyboard LEDs set by the guest are reported', async () => {
    const mark = server.eventCount;
    await server.sendOk({ cmd: 'kbd_leds', leds: 4 });
    const ev = await server.waitFor((e) => e.event === 'leds', { after: mark });
    assert.equal(ev.caps_lock, true);
    assert.equal(ev.num_lock, false);
    assert.equal((await server.send({ cmd: 'kbd_leds', leds: 9 })).ok, false);
  });

  await t.test('playback without a client drops every frame in real time', async () => {
    const mark = server.eventCount;
    const reply = await server.sendOk({ cmd: 'play_sine', freq: 1000, ms: 100 });
    assert.equal(reply.frames, 4800);
    assert.equal(reply.rate, 48000);
    const done = await server.waitFor((e) => e.event === 'playback_done', { after: mark });
    assert.equal(done.frames, 4800);
    assert.equal(done.frames_sent, 0);
    assert.equal(done.frames_dropped, 4800);
    assert.equal((await server.send({ cmd: 'play_sine', freq: 0 })).ok, false);
  });

  await t.test('record without a client counts no samples', async () => {
    await server.sendOk({ cmd: 'record_start' });
    assert.equal((await server.send({ cmd: 'record_start' })).ok, false);
    const stats = await server.sendOk({ cmd: 'record_stop' });
    assert.equal(stats.frames, 0);
    assert.equal(stats.format, 's16');
    assert.equal((await server.send({ cmd: 'record_stop' })).ok, false);
  });

  await t.test('port commands need a port channel', async () => {
    const reply = await server.send({ cmd: 'port_send', text: 'hi' });
    assert.equal(reply.ok, false);
    assert.match(reply.error ?? '', /--port-channel/);
  });

  await t.test('compression can change at run time and the client still sees exact pixels', async () => {
    for (const image of ['quic', 'lz4', 'off'] as const) {
      await server.sendOk({ cmd: 'set_compression', image, jpeg: 'never', zlib_glz: 'never' });
      const info = await server.sendOk({ cmd: 'info' });
      assert.equal(info.image_compression, image);
      const expected = await readPngRgb(join(dir, 'resize.png'));
      await server.sendOk({ cmd: 'draw_image', png: join(dir, 'resize.png') });
      assert.equal(countDiffs(await shoot(server, dir, `c-${image}`), expected), 0);
    }
  });
});

void test('plain CLI mode prints one listening line and no JSON', async () => {
  const server = await startTestServer({ control: false, width: 32, height: 32 });
  try {
    assert.deepEqual(Object.keys(server.listening), ['port']);
    await assert.rejects(server.send({ cmd: 'info' }), /without a control channel/);
  } finally {
    await server.stop();
  }
});

void test('the control channel survives garbage and random commands (fixed seed)', async (t) => {
  const server = await startTestServer({ width: 64, height: 48, portChannel: 'org.test.echo' });
  t.after(() => server.stop());
  let state = 0x12345678;
  const rand = (n: number): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
  // raw garbage: bytes without newlines, broken JSON, deep nesting, huge numbers
  const garbage = [
    '{',
    '}',
    '[]',
    '"cmd"',
    '{"cmd":}',
    '{"cmd":"info",}',
    '{"cmd":"info","id":1e999}',
    '{"cmd":"\\ud800"}',
    '['.repeat(200) + ']'.repeat(200),
    '{"cmd":"fill","color":"#ff0000","x":1e300}',
    '\u0000\u0001\u0002',
  ];
  for (const g of garbage) server.writeRaw(`${g}\n`);
  for (let i = 0; i < 100; i++) {
    let line = '';
    const len = rand(80);
    for (let j = 0; j < len; j++) line += String.fromCharCode(32 + rand(95));
    server.writeRaw(`${line}\n`);
  }
  // structurally valid requests with random fields and values
  const commands = [
    'fill',
    'copy_bits',
    'copy_surface',
    'destroy_surface',
    'draw_image',
    'cursor_set',
    'cursor_move',
    'kbd_leds',
    'monitors',
    'set_streaming',
    'port_send',
    'port_event',
    'usb_control',
    'usb_bulk',
    'clipboard_grab',
    'clipboard_request',
    'sync',
  ];
  const fields = [
    'surface',
    'x',
    'y',
    'width',
    'height',
    'color',
    'src_x',
    'src_y',
    'png',
    'type',
    'monitors',
  ];
  fields.push('leds', 'text', 'hex', 'event', 'mode', 'request', 'requesttype', 'endpoint', 'data', 'length');
  const values: unknown[] = [
    0,
    1,
    -1,
    7,
    31,
    65535,
    1e12,
    3.5,
    '#ff0000',
    'x',
    '',
    null,
    true,
    [],
    {},
    [1, 2],
  ];
  values.push({ x: 1 }, [{ x: 0, y: 0, width: 8, height: 8 }], '/nonexistent.png', 'opened', 'zz');
  let replies = 0;
  for (let i = 0; i < 300; i++) {
    const request: Record<string, unknown> = { cmd: commands[rand(commands.length)] };
    const n = rand(5);
    for (let k = 0; k < n; k++) request[fields[rand(fields.length)]!] = values[rand(values.length)];
    const reply = await server.send(request as never);
    assert.equal(typeof reply.ok, 'boolean');
    replies++;
  }
  assert.equal(replies, 300);
  const info = await server.sendOk({ cmd: 'info' });
  assert.equal(info.spice_server_version, '0.15.1');
});

void test('control over a unix socket: replies to the asker, events to every peer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-unix-'));
  const path = join(dir, 'control.sock');
  const server = await startTestServer({
    width: 32,
    height: 32,
    control: false,
    extraArgs: ['--control', `unix:${path}`],
  });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (): Promise<{
    lines: unknown[];
    socket: Socket;
    wait: (n: number) => Promise<void>;
  }> => {
    const socket = createConnection(path);
    await once(socket, 'connect');
    const lines: unknown[] = [];
    let buf = '';
    const waiters: (() => void)[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      waiters.splice(0).forEach((w) => w());
    });
    const wait = async (n: number): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (lines.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${lines.length} lines: ${JSON.stringify(lines)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    };
    return { lines, socket, wait };
  };
  const a = await open();
  const b = await open();
  t.after(() => {
    a.socket.destroy();
    b.socket.destroy();
  });
  await a.wait(1);
  await b.wait(1);
  assert.equal((a.lines[0] as { event: string }).event, 'listening');
  assert.equal((a.lines[0] as { port: number }).port, server.port);
  a.socket.write('{"cmd":"kbd_leds","leds":2,"id":"a1"}\n');
  await a.wait(3);
  await b.wait(2);
  const aLines = a.lines.slice(1) as Record<string, unknown>[];
  const bLines = b.lines.slice(1) as Record<string, unknown>[];
  assert.ok(aLines.some((l) => l.reply === 'kbd_leds' && l.id === 'a1' && l.ok === true));
  assert.ok(aLines.some((l) => l.event === 'leds' && l.num_lock === true));
  assert.ok(bLines.some((l) => l.event === 'leds'));
  assert.ok(!bLines.some((l) => l.reply !== undefined), 'the reply goes only to the asker');
});
