import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCANCODE_EXTENDED, SCANCODE_PAUSE, packScancode } from '../../../main/spice/channels/inputs-channel';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { startHarness } from '../../support/session-harness';

test('scancodes pack low byte first: plain, E0-extended, and Pause as E0 46', () => {
  assert.equal(packScancode(0x1e, false), 0x1e); // A down
  assert.equal(packScancode(0x1e, true), 0x9e); // A up
  assert.equal(packScancode(SCANCODE_EXTENDED | 0x1d, false), 0x1de0); // Right Ctrl down (REFERENCES G25)
  assert.equal(packScancode(SCANCODE_EXTENDED | 0x1d, true), 0x9de0);
  assert.equal(packScancode(SCANCODE_PAUSE, false), 0x46e0);
  assert.equal(packScancode(SCANCODE_PAUSE, true), 0xc6e0);
});

test('inputs channel: keys, modifiers, buttons and motion flow control on the wire', async () => {
  const h = await startHarness();
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_INPUTS).u8(0).finish(),
    );
    const inputs = await h.server.connection();
    await h.waitFor('channel-open');
    inputs.send(
      E.SPICE_MSG_INPUTS_INIT,
      new SpiceWriter().u16(E.SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK).finish(),
    );
    assert.equal((await h.waitFor('keyboard-modifiers')).modifiers, E.SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK);

    h.session.inputs.keyDown(SCANCODE_EXTENDED | 0x38); // AltGr
    h.session.inputs.keyUp(SCANCODE_EXTENDED | 0x38);
    const down = await inputs.next();
    assert.equal(down.type, E.SPICE_MSGC_INPUTS_KEY_DOWN);
    assert.equal(new SpiceReader(down.body).u32(), 0x38e0);
    const up = await inputs.next();
    assert.equal(up.type, E.SPICE_MSGC_INPUTS_KEY_UP);
    assert.equal(new SpiceReader(up.body).u32(), 0xb8e0);

    h.session.inputs.setModifiers(E.SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK);
    const mods = await inputs.next();
    assert.equal(mods.type, E.SPICE_MSGC_INPUTS_KEY_MODIFIERS);
    assert.equal(new SpiceReader(mods.body).u16(), 4);

    h.session.inputs.mousePress(E.SPICE_MOUSE_BUTTON_RIGHT, E.SPICE_MOUSE_BUTTON_MASK_RIGHT);
    const press = await inputs.next();
    assert.equal(press.type, E.SPICE_MSGC_INPUTS_MOUSE_PRESS);
    const pr = new SpiceReader(press.body);
    assert.deepEqual([pr.u8(), pr.u16()], [3, 4]);

    // 20 motions: only 8 go out before an ack, the rest are summed into one
    for (let i = 0; i < 20; i++) h.session.inputs.mouseMotion(1, 2, 0);
    let dx = 0;
    let dy = 0;
    for (let i = 0; i < 8; i++) {
      const m = await inputs.next();
      assert.equal(m.type, E.SPICE_MSGC_INPUTS_MOUSE_MOTION);
      const r = new SpiceReader(m.body);
      dx += r.i32();
      dy += r.i32();
    }
    await assert.rejects(inputs.next(150), /no client message/);
    inputs.send(E.SPICE_MSG_INPUTS_MOUSE_MOTION_ACK);
    const rest = await inputs.next();
    const r = new SpiceReader(rest.body);
    dx += r.i32();
    dy += r.i32();
    assert.deepEqual([dx, dy], [20, 40], 'no motion lost');

    h.session.inputs.mousePosition(100.4, 50, E.SPICE_MOUSE_BUTTON_MASK_LEFT, 1);
    const pos = await inputs.next();
    assert.equal(pos.type, E.SPICE_MSGC_INPUTS_MOUSE_POSITION);
    const p = new SpiceReader(pos.body);
    assert.deepEqual([p.u32(), p.u32(), p.u16(), p.u8()], [100, 50, 1, 1]);
  } finally {
    await h.close();
  }
});
