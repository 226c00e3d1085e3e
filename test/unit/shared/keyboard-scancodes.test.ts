import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYBOARD_CODE_TO_SCANCODE } from '../../../shared/keyboard-scancodes';
import {
  HeldKeys,
  chord,
  lockModifiers,
  scancodeForCode,
  sendKeyLabel,
  sendKeyStrokes,
} from '../../../shared/keyboard-map';
import { SEND_KEY_COMBOS } from '../../../shared/contract';
import { isScancode } from '../../../shared/contract-guards';

void test('known KeyboardEvent.code → set-1 pairs', () => {
  const known: [string, number][] = [
    ['KeyA', 0x1e],
    ['KeyZ', 0x2c],
    ['Digit0', 0x0b],
    ['Backquote', 0x29],
    ['Backspace', 0x0e],
    ['Tab', 0x0f],
    ['CapsLock', 0x3a],
    ['ShiftLeft', 0x2a],
    ['ShiftRight', 0x36],
    ['ControlLeft', 0x1d],
    ['ControlRight', 0x11d],
    ['AltLeft', 0x38],
    ['AltRight', 0x138],
    ['MetaLeft', 0x15b],
    ['MetaRight', 0x15c],
    ['ContextMenu', 0x15d],
    ['Space', 0x39],
    ['Insert', 0x152],
    ['Home', 0x147],
    ['PageUp', 0x149],
    ['Delete', 0x153],
    ['End', 0x14f],
    ['PageDown', 0x151],
    ['ArrowLeft', 0x14b],
    ['ArrowRight', 0x14d],
    ['NumLock', 0x45],
    ['NumpadDivide', 0x135],
    ['NumpadMultiply', 0x37],
    ['NumpadSubtract', 0x4a],
    ['NumpadAdd', 0x4e],
    ['NumpadEnter', 0x11c],
    ['NumpadDecimal', 0x53],
    ['Numpad0', 0x52],
    ['F1', 0x3b],
    ['F10', 0x44],
    ['F11', 0x57],
    ['F12', 0x58],
    ['ScrollLock', 0x46],
    ['PrintScreen', 0x137],
    ['Pause', 0x146],
    ['IntlBackslash', 0x56],
    ['IntlRo', 0x73],
    ['IntlYen', 0x7d],
    ['Lang1', 0x172],
    ['Lang2', 0x171],
    ['KanaMode', 0x70],
    ['Convert', 0x79],
    ['NonConvert', 0x7b],
    ['AudioVolumeMute', 0x120],
    ['OSLeft', 0x15b],
  ];
  for (const [code, scancode] of known) assert.equal(scancodeForCode(code), scancode, code);
});

void test('every table entry is a valid contract scancode, and unknown codes map to nothing', () => {
  const entries = Object.entries(KEYBOARD_CODE_TO_SCANCODE);
  assert.ok(entries.length >= 150, `table has ${entries.length} codes`);
  for (const [code, sc] of entries) assert.ok(isScancode(sc), `${code} → 0x${sc.toString(16)}`);
  assert.equal(scancodeForCode('Fn'), undefined);
  assert.equal(scancodeForCode('toString'), undefined);
  assert.equal(scancodeForCode('__proto__'), undefined);
});

void test('physical keys do not collide (aliases excepted)', () => {
  const aliases = new Set(['OSLeft', 'OSRight', 'VolumeMute', 'VolumeDown', 'VolumeUp']);
  const seen = new Map<number, string>();
  for (const [code, sc] of Object.entries(KEYBOARD_CODE_TO_SCANCODE)) {
    if (aliases.has(code)) continue;
    const other = seen.get(sc);
    // Lang3/Lang4 share Katakana/Hiragana's codes in the source table: same physical keys.
    if (other && !(/^Lang[345]$/.test(code) || /^Lang[345]$/.test(other)))
      assert.fail(`${code} and ${other} both map to 0x${sc.toString(16)}`);
    seen.set(sc, code);
  }
});

void test('send-key combos: press in order, release in reverse', () => {
  assert.deepEqual(sendKeyStrokes('ctrl-alt-del'), [
    { scancode: 0x1d, down: true },
    { scancode: 0x38, down: true },
    { scancode: 0x153, down: true },
    { scancode: 0x153, down: false },
    { scancode: 0x38, down: false },
    { scancode: 0x1d, down: false },
  ]);
  assert.deepEqual(
    sendKeyStrokes('ctrl-alt-f12').map((s) => s.scancode),
    [0x1d, 0x38, 0x58, 0x58, 0x38, 0x1d],
  );
  assert.deepEqual(
    sendKeyStrokes('ctrl-alt-f1').map((s) => s.scancode),
    [0x1d, 0x38, 0x3b, 0x3b, 0x38, 0x1d],
  );
  assert.deepEqual(sendKeyStrokes('print-screen'), chord([0x137]));
  for (const combo of SEND_KEY_COMBOS) assert.ok(sendKeyStrokes(combo).length >= 2, combo);
  assert.equal(sendKeyLabel('ctrl-alt-del'), 'Ctrl+Alt+Del');
  assert.equal(sendKeyLabel('ctrl-alt-f5'), 'Ctrl+Alt+F5');
});

void test('lock modifiers use the SPICE flag bits', () => {
  assert.equal(lockModifiers({ capsLock: false, numLock: false, scrollLock: false }), 0);
  assert.equal(lockModifiers({ capsLock: false, numLock: false, scrollLock: true }), 1);
  assert.equal(lockModifiers({ capsLock: false, numLock: true, scrollLock: false }), 2);
  assert.equal(lockModifiers({ capsLock: true, numLock: true, scrollLock: true }), 7);
});

void test('HeldKeys: repeats forwarded, stray key-ups dropped, releaseAll lets nothing stick', () => {
  const held = new HeldKeys();
  assert.equal(held.update({ scancode: 0x1d, down: true }), true);
  assert.equal(held.update({ scancode: 0x1e, down: true }), true);
  assert.equal(held.update({ scancode: 0x1e, down: true }), true); // auto-repeat
  assert.equal(held.update({ scancode: 0x30, down: false }), false); // never pressed
  assert.equal(held.size, 2);
  assert.deepEqual(held.releaseAll(), [
    { scancode: 0x1e, down: false },
    { scancode: 0x1d, down: false },
  ]);
  assert.equal(held.size, 0);
  assert.deepEqual(held.releaseAll(), []);
});
