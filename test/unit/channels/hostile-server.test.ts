// A hostile or broken server must not hang, crash or exhaust the client: crafted messages through the real
// channel code end as a clear channel error (or a bounded refusal) and later messages are still handled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { displayFeature } from '../../../main/spice/channels/display-feature';
import { startHarness } from '../../support/session-harness';
import * as B from '../../support/display-builders';

function nameBody(s: string): Uint8Array {
  return new SpiceWriter()
    .u32(s.length + 1)
    .bytes(Buffer.from(s + '\0'))
    .finish();
}

/** A LIST whose two entries both point at the same nested LIST, `depth` levels deep (2^depth leaves). */
function nestedList(depth: number): Uint8Array {
  let body = new SpiceWriter().u16(0).finish();
  for (let i = 0; i < depth; i++) {
    const w = new SpiceWriter().u16(2).u32(10).u32(10);
    w.u16(E.SPICE_MSG_LIST).u32(body.length).bytes(body);
    body = w.finish();
  }
  return body;
}

void test('a LIST nested in a LIST is refused, not expanded exponentially (no hang)', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_LIST, nestedList(48));
    const err = await h.waitFor('channel-error');
    assert.equal(err.error.code, 'protocol');
    assert.match(err.error.message, /nested/);
    h.main.send(E.SPICE_MSG_MAIN_NAME, nameBody('after'));
    assert.equal((await h.waitFor('name')).name, 'after');
  } finally {
    await h.close();
  }
});

void test('SURFACE_CREATE beyond the session-wide surface budget is a protocol error; destroying frees it', async () => {
  const feature = displayFeature({ maxTotalSurfacePixels: 1000, decodeInWorkers: false });
  const h = await startHarness({ features: [feature] });
  try {
    const shared = feature.shared;
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
    );
    const display = await h.server.connection();
    await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
    const create = (id: number): void =>
      display.send(
        E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
        B.encodeSurfaceCreate({
          surface_id: id,
          width: 20,
          height: 20,
          format: E.SPICE_SURFACE_FMT_32_xRGB,
          flags: id === 0 ? E.SPICE_SURFACE_FLAGS_PRIMARY : 0,
        }),
      );
    create(0);
    create(1);
    create(2); // 1200 pixels > 1000
    const err = await h.waitFor('channel-error');
    assert.equal(err.error.code, 'protocol');
    assert.match(err.error.message, /surface 2: 20x20 refused/);
    assert.equal(h.session.getSurface(0, 2), undefined);
    assert.equal(shared.surfaceBudget.usedPixels, 800);
    display.send(E.SPICE_MSG_DISPLAY_SURFACE_DESTROY, B.encodeSurfaceDestroy(1));
    create(2);
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    assert.equal(h.session.getSurface(0, 2)?.width, 20);
    assert.equal(shared.surfaceBudget.usedPixels, 800);
  } finally {
    await h.close();
  }
});

void test('a wait for a serial the server never sends times out and is forgotten (no waiter pile-up)', async () => {
  const h = await startHarness();
  try {
    const main = h.session.getChannel(E.SPICE_CHANNEL_MAIN, 0)!;
    const waits = Array.from({ length: 100 }, () => main.waitForSerial(2 ** 40, 20));
    assert.equal(main.pendingSerialWaits, 100);
    assert.deepEqual(new Set(await Promise.all(waits)), new Set([false]));
    assert.equal(main.pendingSerialWaits, 0);
    // A wait that is met resolves true and leaves nothing behind.
    const met = main.waitForSerial(1, 1000);
    assert.equal(await met, true);
    const next = main.waitForSerial(Number.MAX_SAFE_INTEGER - 1, 5000);
    h.session.close();
    assert.equal(await next, true); // closing settles it at once
    assert.equal(main.pendingSerialWaits, 0);
  } finally {
    await h.close();
  }
});
