// The test server against Saffron's own protocol core (SpiceSession): keys, lock-key LEDs, relative and
// absolute pointer, mouse-mode switching, and cursor shapes/moves/hides round-trip through a real
// libspice-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import type { SessionEventMap } from '../../main/spice/session-events';
import type { StreamOpener } from '../../main/spice/transport/stream-opener';
import { startTestServer } from '../support/test-server';
import type { TestServer, TestServerEvent } from '../support/test-server';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

function loopbackOpener(port: number): StreamOpener {
  return {
    open: () =>
      new Promise<Duplex>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
    prefersSecure: () => false,
    hasSecurePort: false,
    hasPlainPort: true,
    describe: () => `127.0.0.1:${port}`,
  };
}

function nextSessionEvent<K extends keyof SessionEventMap>(
  session: SpiceSession,
  name: K,
  predicate: (payload: SessionEventMap[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<SessionEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.off(name, listener);
      reject(new Error(`session event ${name} not seen within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: SessionEventMap[K]): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      session.off(name, listener);
      resolve(payload);
    };
    session.on(name, listener);
  });
}

async function keyEvents(server: TestServer, after: number, count: number): Promise<number[]> {
  const seen: number[] = [];
  await server.waitFor(
    (e: TestServerEvent) => {
      if (e.event === 'key') seen.push(Number(e.scancode));
      return seen.length >= count;
    },
    { after },
  );
  return seen;
}

void test('inputs and cursor through SpiceSession', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-session-'));
  const server = await startTestServer({ width: 320, height: 200 });
  const session = new SpiceSession({ opener: loopbackOpener(server.port!), preferredMouseMode: 'server' });
  t.after(async () => {
    session.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const inputsOpen = nextSessionEvent(session, 'channel-open', (c) => c.type === E.SPICE_CHANNEL_INPUTS);
  const cursorOpen = nextSessionEvent(session, 'channel-open', (c) => c.type === E.SPICE_CHANNEL_CURSOR);
  await session.connect();
  await Promise.all([inputsOpen, cursorOpen]);

  await t.test('key presses arrive as scancode bytes', async () => {
    const mark = server.eventCount;
    session.inputs.keyDown(0x1e); // A
    session.inputs.keyUp(0x1e);
    session.inputs.keyDown(0x11d); // Right Ctrl: extended
    session.inputs.keyUp(0x11d);
    assert.deepEqual(await keyEvents(server, mark, 6), [0x1e, 0x9e, 0xe0, 0x1d, 0xe0, 0x9d]);
  });

  await t.test(
    'Caps Lock toggles the guest LEDs; KEY_MODIFIERS makes spice-server inject lock keys',
    async () => {
      const mark = server.eventCount;
      session.inputs.keyDown(0x3a);
      session.inputs.keyUp(0x3a);
      // both events of our own press must be in before the next mark, or the release lands after it
      assert.deepEqual(await keyEvents(server, mark, 2), [0x3a, 0xba]);
      const leds = await server.waitFor((e) => e.event === 'leds', { after: mark });
      assert.equal(leds.caps_lock, true);
      // KEY_MODIFIERS from the client makes spice-server inject Caps Lock until the guest LEDs match
      const mark2 = server.eventCount;
      session.inputs.setModifiers(0);
      assert.deepEqual(await keyEvents(server, mark2, 2), [0x3a, 0xba]);
      const off = await server.waitFor((e) => e.event === 'leds' && e.caps_lock === false, { after: mark2 });
      assert.equal(off.leds, 0);
    },
  );

  await t.test('server mouse mode: relative motion and buttons', async () => {
    const mark = server.eventCount;
    session.inputs.mouseMotion(5, -3, 0);
    const motion = await server.waitFor((e) => e.event === 'mouse_motion', { after: mark });
    assert.equal(motion.dx, 5);
    assert.equal(motion.dy, -3);
    const mark2 = server.eventCount;
    session.inputs.mousePress(E.SPICE_MOUSE_BUTTON_LEFT, E.SPICE_MOUSE_BUTTON_MASK_LEFT);
    // spice-server reports a press in server mode as a zero motion carrying the new button state
    const pressed = await server.waitFor((e) => e.event === 'mouse_motion' || e.event === 'mouse_buttons', {
      after: mark2,
    });
    assert.notEqual(pressed.buttons, 0);
    const mark3 = server.eventCount;
    session.inputs.mouseRelease(E.SPICE_MOUSE_BUTTON_LEFT, 0);
    const released = await server.waitFor((e) => e.event === 'mouse_motion' || e.event === 'mouse_buttons', {
      after: mark3,
    });
    assert.equal(released.buttons, 0);
  });

  await t.test('alpha cursor shape, move and hide', async () => {
    const png = join(dir, 'cursor.png');
    const pixels = Buffer.alloc(8 * 4 * 4);
    for (let i = 0; i < 32; i++) pixels.set([i * 8, 255 - i * 8, 77, 255], i * 4);
    await sharp(pixels, { raw: { width: 8, height: 4, channels: 4 } })
      .png()
      .toFile(png);
    const set = nextSessionEvent(session, 'cursor-set', (c) => c.shape?.width === 8);
    await server.sendOk({ cmd: 'cursor_set', png, hot_x: 2, hot_y: 1, x: 30, y: 40 });
    const shape = (await set).shape!;
    assert.equal(shape.height, 4);
    assert.equal(shape.hotX, 2);
    assert.equal(shape.hotY, 1);
    assert.deepEqual(Array.from(shape.pixels.subarray(0, 8)), [0, 255, 77, 255, 8, 247, 77, 255]);
    const moved = nextSessionEvent(session, 'cursor-move', (m) => m.x === 60);
    await server.sendOk({ cmd: 'cursor_move', x: 60, y: 70 });
    assert.equal((await moved).y, 70);
    const hidden = nextSessionEvent(session, 'cursor-hide');
    await server.sendOk({ cmd: 'cursor_hide' });
    await hidden;
  });

  await t.test('monochrome cursor: transparent, black and white pixels', async () => {
    const png = join(dir, 'mono.png');
    // row 0: transparent, black, white, transparent
    const pixels = Buffer.from([0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 9, 9, 9, 0]);
    await sharp(pixels, { raw: { width: 4, height: 1, channels: 4 } })
      .png()
      .toFile(png);
    const set = nextSessionEvent(session, 'cursor-set', (c) => c.shape?.width === 4);
    await server.sendOk({ cmd: 'cursor_set', type: 'mono', png });
    const shape = (await set).shape!;
    const alpha = [3, 7, 11, 15].map((i) => shape.pixels[i]);
    assert.deepEqual(alpha, [0, 255, 255, 0]);
    assert.deepEqual(Array.from(shape.pixels.subarray(4, 7)), [0, 0, 0]);
    assert.deepEqual(Array.from(shape.pixels.subarray(8, 11)), [255, 255, 255]);
  });
  // last: in client mouse mode spice-server stops forwarding cursor moves (the client owns the pointer)
  await t.test('client mouse mode (the tablet): absolute positions', async () => {
    const granted = nextSessionEvent(session, 'mouse-mode', (m) => m.current === E.SPICE_MOUSE_MODE_CLIENT);
    session.requestMouseMode(E.SPICE_MOUSE_MODE_CLIENT);
    await granted;
    const mark = server.eventCount;
    session.inputs.mousePosition(100, 50, 0, 0);
    const pos = await server.waitFor((e) => e.event === 'tablet_position', { after: mark });
    assert.equal(pos.x, 100);
    assert.equal(pos.y, 50);
    const mark2 = server.eventCount;
    session.inputs.mousePress(E.SPICE_MOUSE_BUTTON_UP, 0); // a wheel notch up
    const wheel = await server.waitFor((e) => e.event === 'tablet_wheel', { after: mark2 });
    assert.equal(wheel.wheel, -1);
  });
});
