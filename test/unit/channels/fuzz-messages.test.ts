// Mutated real server messages (the session of test/fixtures/captures, see its PROVENANCE.md) must never crash or
// wedge a session: each one is handled or reported as a channel error, and the channel still answers a PING
// afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../../main/spice/protocol/enums';
import { MessageFramer } from '../../../main/spice/transport/framer';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { CAPTURES_DIR } from '../../support/fixture-paths';
import { mutate, prng } from '../../support/prng';
import { startHarness } from '../../support/session-harness';

// A wedged channel never answers; a busy machine answers late (the display rounds took 38 s at load 20). The wait
// only has to tell the two apart, and the runner's per-file limit bounds the whole file anyway.
const PONG_WAIT_MS = 60_000;

const STREAMS: Record<number, string> = {
  [E.SPICE_CHANNEL_MAIN]: 'session-server-main.bin',
  [E.SPICE_CHANNEL_DISPLAY]: 'session-server-display.bin',
};

/** The server's messages of one channel of the recorded session, in wire order. */
function realMessages(channelType: number): { type: number; body: Uint8Array }[] {
  const file = STREAMS[channelType];
  assert.ok(file, `the capture has a channel of type ${channelType}`);
  const f = new MessageFramer(true);
  f.push(readFileSync(join(CAPTURES_DIR, file)));
  const out: { type: number; body: Uint8Array }[] = [];
  for (let m = f.next(); m; m = f.next()) out.push({ type: m.type, body: Uint8Array.from(m.body) });
  return out;
}

test('main channel: 300 mutated real messages, the session stays responsive', async () => {
  const messages = realMessages(E.SPICE_CHANNEL_MAIN);
  assert.ok(messages.length >= 5, `${messages.length} real main messages`);
  const rnd = prng(0x5a ^ 2026);
  const h = await startHarness();
  try {
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 10; i++) {
        const m = messages[Math.floor(rnd() * messages.length)]!;
        // Keep migration and disconnect types out: they end the session by design.
        if (m.type === E.SPICE_MSG_MAIN_MIGRATE_BEGIN || m.type === E.SPICE_MSG_DISCONNECTING) continue;
        h.main.send(m.type, mutate(m.body, rnd));
      }
      const id = 0x10000 + round; // the capture's own PINGs use small ids
      h.main.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
      for (;;) {
        const pong = await h.main.nextOfType(E.SPICE_MSGC_PONG, PONG_WAIT_MS);
        if (new SpiceReader(pong.body).u32() === id) break;
      }
    }
    assert.equal(h.session.isClosed, false);
  } finally {
    await h.close();
  }
});

test('cursor channel: random and truncated cursor messages are channel errors, never crashes', async () => {
  const rnd = prng(7);
  const h = await startHarness();
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_CURSOR).u8(0).finish(),
    );
    const cursor = await h.server.connection();
    await h.waitFor('channel-open');
    const valid = new SpiceWriter()
      .i16(5)
      .i16(6)
      .u8(1)
      .u16(0)
      .u64(9n)
      .u8(E.SPICE_CURSOR_TYPE_ALPHA)
      .u16(2)
      .u16(2)
      .u16(0)
      .u16(0);
    const body = valid.bytes(new Uint8Array(16)).finish();
    for (let i = 0; i < 200; i++) {
      const type = E.SPICE_MSG_CURSOR_INIT + Math.floor(rnd() * 8);
      cursor.send(type, mutate(body, rnd));
    }
    cursor.send(E.SPICE_MSG_PING, new SpiceWriter().u32(77).u64(0n).finish());
    const pong = await cursor.nextOfType(E.SPICE_MSGC_PONG, PONG_WAIT_MS);
    assert.equal(new SpiceReader(pong.body).u32(), 77);
  } finally {
    await h.close();
  }
});

test('display channel: DISPLAY_INIT first, then 400 mutated real display messages never wedge the channel', async () => {
  const messages = realMessages(E.SPICE_CHANNEL_DISPLAY).filter((m) => m.type !== E.SPICE_MSG_DISCONNECTING);
  assert.ok(
    messages.some((m) => m.type === E.SPICE_MSG_DISPLAY_DRAW_COPY),
    'the capture has a DRAW_COPY',
  );
  const rnd = prng(0xd15);
  const h = await startHarness({ display: true });
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
    );
    const display = await h.server.connection();
    const init = await display.next();
    assert.equal(init.type, E.SPICE_MSGC_DISPLAY_INIT, 'DISPLAY_INIT is the first display message');
    assert.equal(init.body.length, 14);
    for (const m of messages) display.send(m.type, m.body); // the real session first, unmutated
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 20; i++) {
        const m = messages[Math.floor(rnd() * messages.length)]!;
        display.send(m.type, mutate(m.body, rnd));
      }
      const id = 0x20000 + round;
      display.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
      for (;;) {
        const pong = await display.nextOfType(E.SPICE_MSGC_PONG, PONG_WAIT_MS);
        if (new SpiceReader(pong.body).u32() === id) break;
      }
    }
    assert.equal(h.session.isClosed, false);
  } finally {
    await h.close();
  }
});
