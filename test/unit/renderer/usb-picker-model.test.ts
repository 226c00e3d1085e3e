// The USB picker's model (what each row shows) and the usb-device-reset hotkey: parsing .vv / GTK spellings,
// matching key events exactly, and the renderer's listener keeping the hotkey from the guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsbStateMessage } from '../../../shared/contract';
import { hotkeyLabel, hotkeyMatches, parseSpiceHotkey } from '../../../shared/spice-hotkey';
import { pickerModel } from '../../../renderer/usb/usb-picker-model';
import { attachUsbResetHotkey } from '../../../renderer/usb/usb-hotkey';
import { USB_STRINGS, usbText } from '../../../renderer/usb/strings';

const state: UsbStateMessage = {
  kind: 'usb-state',
  availability: 'ready',
  channels: { total: 2, free: 1 },
  autoShare: true,
  imageSource: 'path',
  resetHotkey: { code: 'KeyR', ctrl: true, shift: true, alt: false, meta: false },
  devices: [
    {
      key: 'cd:1',
      kind: 'cd',
      label: 'CD: a.iso',
      vendorId: 0x2b23,
      productId: 0xcdcd,
      state: 'available',
      path: '/a.iso',
      shared: true,
      autoShare: true,
      redirectable: true,
    },
    {
      key: 'host:1-2',
      kind: 'host',
      label: 'Stick',
      vendorId: 0x0781,
      productId: 0x5567,
      state: 'available',
      autoShare: true,
      redirectable: true,
      error: { code: 'permission', message: 'denied', hint: 'add a rule', fix: 'udev-rule' },
    },
    {
      key: 'host:1-3',
      kind: 'host',
      label: 'Cam',
      vendorId: 0x046d,
      productId: 0x0825,
      state: 'available',
      autoShare: false,
      redirectable: false,
      reason: 'isochronous endpoints',
    },
    {
      key: 'host:1-4',
      kind: 'host',
      label: 'Key',
      vendorId: 1,
      productId: 2,
      state: 'connected',
      autoShare: true,
      redirectable: true,
    },
  ],
};

void test('rows: ids in hex, states, toggles, errors with their fix, reasons, images apart', () => {
  const m = pickerModel(state, 'web');
  assert.equal(m.summary, '1 of 2 USB redirection channels free.');
  assert.match(m.hostTitle, /saffron web/);
  assert.deepEqual(
    m.hostRows.map((r) => r.key),
    ['host:1-2', 'host:1-3', 'host:1-4'],
  );
  const [stick, cam, key] = m.hostRows;
  assert.equal(stick!.detail, '0781:5567');
  assert.deepEqual(stick!.error, {
    code: 'permission',
    message: 'denied',
    hint: 'add a rule',
    fixLabel: 'Install udev rule…',
  });
  assert.equal(cam!.disabled, true);
  assert.match(cam!.reason ?? '', /isochronous/);
  assert.equal(key!.checked, true);
  assert.equal(key!.stateText, 'Shared with the VM');
  const cd = m.imageRows[0]!;
  assert.equal(cd.checked, true, 'an image the user shares is on even while waiting for a channel');
  assert.equal(cd.stateText, 'Shared when a channel is free');
  assert.match(cd.detail, /^CD-ROM · 2b23:cdcd$/);
  assert.equal(m.canReset, true);
  assert.equal(m.resetLabel, 'Reset shared devices (Ctrl+Shift+R)');
  const idle = pickerModel({ ...state, availability: 'idle' }, 'electron');
  assert.equal(idle.hostRows[0]!.disabled, true, 'host devices need a session');
  assert.equal(idle.imageRows[0]!.disabled, false, 'images can be toggled before connecting');
});

void test('strings: stable ids, placeholders filled, an unknown one left visible', () => {
  assert.ok(Object.keys(USB_STRINGS).every((id) => id.startsWith('usb.')));
  assert.equal(usbText('usb.share-toggle', { label: 'X' }), 'Share X with the VM');
  assert.equal(usbText('usb.share-toggle'), 'Share {label} with the VM');
});

void test('hotkeys: .vv "+" form, GTK <Mod> form, names, and refusals', () => {
  assert.deepEqual(parseSpiceHotkey('ctrl+shift+r'), {
    code: 'KeyR',
    ctrl: true,
    shift: true,
    alt: false,
    meta: false,
  });
  assert.deepEqual(parseSpiceHotkey('<Control><Alt>F5'), {
    code: 'F5',
    ctrl: true,
    shift: false,
    alt: true,
    meta: false,
  });
  assert.equal(parseSpiceHotkey('win+del')?.code, 'Delete');
  assert.equal(parseSpiceHotkey('ctrl+r+s'), undefined, 'two keys');
  assert.equal(parseSpiceHotkey('ctrl+shift'), undefined, 'no key');
  assert.equal(parseSpiceHotkey('ctrl+banana'), undefined);
  assert.equal(parseSpiceHotkey(''), undefined);
  assert.equal(hotkeyLabel(parseSpiceHotkey('alt+shift+1')!), 'Alt+Shift+1');
  const hk = parseSpiceHotkey('ctrl+shift+r')!;
  const ev = { code: 'KeyR', ctrlKey: true, shiftKey: true, altKey: false, metaKey: false };
  assert.equal(hotkeyMatches(hk, ev), true);
  assert.equal(hotkeyMatches(hk, { ...ev, altKey: true }), false, 'extra modifiers do not match');
});

void test('the reset listener: fires once per press, swallows the press and its release, only while active', () => {
  const target = new EventTarget();
  let resets = 0;
  let active = true;
  const stop = attachUsbResetHotkey(target, {
    hotkey: () => state.resetHotkey,
    isActive: () => active,
    reset: () => resets++,
  });
  const seenByGuest: string[] = [];
  target.addEventListener(
    'keydown',
    (e) => seenByGuest.push(`down:${(e as unknown as { code: string }).code}`),
    true,
  );
  target.addEventListener(
    'keyup',
    (e) => seenByGuest.push(`up:${(e as unknown as { code: string }).code}`),
    true,
  );
  const key = (type: string, over: Record<string, unknown> = {}) => {
    const e = new Event(type, { cancelable: true });
    Object.assign(e, {
      code: 'KeyR',
      ctrlKey: true,
      shiftKey: true,
      altKey: false,
      metaKey: false,
      repeat: false,
      ...over,
    });
    target.dispatchEvent(e);
    return e;
  };
  assert.equal(key('keydown').defaultPrevented, true);
  key('keydown', { repeat: true });
  key('keyup');
  assert.equal(resets, 1);
  assert.deepEqual(seenByGuest, []);
  key('keydown', { shiftKey: false });
  assert.equal(resets, 1);
  assert.deepEqual(seenByGuest, ['down:KeyR']);
  active = false;
  key('keydown');
  assert.equal(resets, 1, 'not while no session view is showing');
  stop();
});
