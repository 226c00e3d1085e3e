// Work amplification from a hostile server: one message (a LIST of 65,535 entries that all point at one
// full-screen fill, a flood of scaled draws) must neither freeze the process nor run unbounded. The dispatcher
// yields to the event loop while it works (another channel's PING is answered meanwhile) and a message that goes
// over its pixel budget is a ProtocolError on its channel, which then goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import type { ScriptedConnection } from '../../support/scripted-server';
import { linkDisplays, startHarness, type Harness } from '../../support/session-harness';
import * as B from '../../support/display-builders';

const SIZE = 2048;

function ping(id: number): Uint8Array {
  return new SpiceWriter().u32(id).u64(0n).finish();
}

async function pong(conn: ScriptedConnection, id: number, timeoutMs: number): Promise<void> {
  for (;;) {
    const m = await conn.nextOfType(E.SPICE_MSGC_PONG, timeoutMs);
    if (new SpiceReader(m.body).u32() === id) return;
  }
}

async function displayWithSurface(): Promise<{ h: Harness; display: ScriptedConnection }> {
  const h = await startHarness({ display: true });
  const display = (await linkDisplays(h)).get(0)!;
  display.send(
    E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
    B.encodeSurfaceCreate({
      surface_id: 0,
      width: SIZE,
      height: SIZE,
      format: E.SPICE_SURFACE_FMT_32_xRGB,
      flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
    }),
  );
  await h.waitFor('surface-create');
  return { h, display };
}

const fullFill = B.encodeDrawFill({
  base: B.displayBase(0, B.rect(0, 0, SIZE, SIZE)),
  data: {
    brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0x123456 },
    rop_descriptor: E.SPICE_ROPD_OP_XOR,
    mask: B.NO_MASK,
  },
});

void test(
  'a LIST of 65,535 full-screen fills: other channels keep answering, the list ends as a work-budget error',
  { timeout: 60_000 },
  async () => {
    const { h, display } = await displayWithSurface();
    try {
      const list = B.encodeMessageList([{ type: E.SPICE_MSG_DISPLAY_DRAW_FILL, body: fullFill }], 65535);
      assert.ok(list.length < 300_000, `a small message (${list.length} bytes)`);
      let errorAt = 0;
      const failed = h
        .waitFor('channel-error', (e) => e.type === E.SPICE_CHANNEL_DISPLAY, 30_000)
        .then((e) => {
          errorAt = performance.now();
          return e;
        });
      display.send(E.SPICE_MSG_LIST, list);
      // The client is drawing the list now; the main channel (and every timer) must still run.
      await h.waitFor('damage', undefined, 10_000);
      h.main.send(E.SPICE_MSG_PING, ping(0x77));
      await pong(h.main, 0x77, 10_000);
      const pongAt = performance.now();
      const err = await failed;
      assert.equal(err.error.code, 'protocol');
      assert.match(err.error.message, /work amplification/);
      assert.ok(pongAt <= errorAt, 'the main channel answered while the display channel was still working');
      // The display channel itself goes on.
      display.send(E.SPICE_MSG_PING, ping(0x78));
      await pong(display, 0x78, 10_000);
      assert.equal(h.session.isClosed, false);
    } finally {
      await h.close();
    }
  },
);

void test('a flood of full-screen draws never starves another channel', { timeout: 60_000 }, async () => {
  const { h, display } = await displayWithSurface();
  try {
    // 1x1 bitmaps scaled onto the whole surface: each one 4 Mpx of bilinear work.
    const one = B.bitmapImage(1n, 1, 1, [0xff8040]);
    const scaled = B.encodeDrawCopy({
      base: B.displayBase(0, B.rect(0, 0, SIZE, SIZE)),
      data: {
        src_bitmap: one,
        src_area: B.rect(0, 0, 1, 1),
        rop_descriptor: E.SPICE_ROPD_OP_PUT,
        scale_mode: E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
        mask: B.NO_MASK,
      },
    });
    let damaged = 0;
    h.session.on('damage', () => damaged++);
    for (let i = 0; i < 300; i++) display.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, scaled);
    await h.waitFor('damage', undefined, 10_000);
    h.main.send(E.SPICE_MSG_PING, ping(0x99));
    await pong(h.main, 0x99, 10_000);
    assert.ok(damaged < 300, `answered after ${damaged} of 300 draws, not after all of them`);
  } finally {
    await h.close();
  }
});
