// Settings schema (defaults, tolerant parse of a stored file, strict patch guard), shortcut parsing and matching
// (the app's form and remote-viewer's GTK accelerators from .vv files), and which shortcut each command answers to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_SPECS, REMAPPABLE_COMMANDS, effectiveShortcuts } from '../../../shared/commands';
import {
  applySettingsPatch,
  defaultSettings,
  isSettings,
  isSettingsPatch,
  parseSettings,
} from '../../../shared/settings';
import {
  formatShortcut,
  lockCodesOf,
  matchesPassThrough,
  matchesShortcut,
  parsePassThrough,
  parseShortcut,
  toAccelerator,
  type KeyLike,
} from '../../../shared/shortcuts';

const key = (code: string, keyName: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  code,
  key: keyName,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

void test("remote-viewer's defaults: Shift+F11 fullscreen, Shift+F12 release cursor, Ctrl+Alt+End secure attention", () => {
  assert.equal(COMMAND_SPECS.fullscreen.shortcut, 'Shift+F11');
  assert.equal(COMMAND_SPECS['release-cursor'].shortcut, 'Shift+F12');
  const keys = effectiveShortcuts({}, {});
  const f11 = keys.get('fullscreen');
  assert.ok(f11 && matchesShortcut(f11, key('F11', 'F11', { shiftKey: true })));
  assert.ok(f11 && !matchesShortcut(f11, key('F11', 'F11')));
  const release = keys.get('release-cursor');
  assert.ok(release && matchesShortcut(release, key('F12', 'F12', { shiftKey: true })));
  assert.ok(REMAPPABLE_COMMANDS.includes('fullscreen'));
  assert.ok(!REMAPPABLE_COMMANDS.includes('about'));
});

void test('.vv hotkeys win over the user setting, which wins over the default; an empty setting removes it', () => {
  const keys = effectiveShortcuts(
    { fullscreen: 'Ctrl+Alt+F', 'release-cursor': '', 'zoom-in': 'Ctrl+Alt+I' },
    { 'toggle-fullscreen': '<Ctrl><Shift>f', 'zoom-in': 'not a key+++' },
  );
  assert.equal(formatShortcut(keys.get('fullscreen')!), 'Ctrl+Shift+F');
  assert.equal(keys.has('release-cursor'), false);
  // An unparsable .vv value falls through to the user's setting.
  assert.equal(formatShortcut(keys.get('zoom-in')!), 'Ctrl+Alt+I');
  assert.equal(formatShortcut(keys.get('zoom-out')!), 'Ctrl+-');
});

void test('shortcut text: app form, GTK accelerators, Ctrl++, and garbage refused', () => {
  assert.deepEqual(parseShortcut('Ctrl+Alt+End'), {
    ctrl: true,
    alt: true,
    shift: false,
    meta: false,
    key: 'end',
  });
  assert.deepEqual(parseShortcut('shift+f11'), parseShortcut('Shift+F11'));
  assert.deepEqual(parseShortcut('<Control><Alt>Delete'), parseShortcut('Ctrl+Alt+Delete'));
  assert.equal(parseShortcut('Ctrl++')?.key, 'plus');
  for (const bad of ['', 'Ctrl+', 'Hyper+A', 'Ctrl+Alt', '<Bogus>x', 'a'.repeat(100), 'Ctrl+é'])
    assert.equal(parseShortcut(bad), undefined, bad);
  assert.equal(formatShortcut(parseShortcut('ctrl+alt+end')!), 'Ctrl+Alt+End');
  assert.equal(toAccelerator(parseShortcut('Ctrl++')!), 'Ctrl+Plus');
  assert.equal(toAccelerator(parseShortcut('Meta+L')!), 'Super+L');
});

void test('matching: letters by physical key, symbol keys with or without Shift, lone Meta pass-through', () => {
  const ctrlA = parseShortcut('Ctrl+A')!;
  assert.ok(matchesShortcut(ctrlA, key('KeyA', 'ф', { ctrlKey: true })));
  assert.ok(!matchesShortcut(ctrlA, key('KeyA', 'a', { ctrlKey: true, altKey: true })));
  const zoomIn = parseShortcut('Ctrl++')!;
  assert.ok(matchesShortcut(zoomIn, key('Equal', '+', { ctrlKey: true, shiftKey: true })));
  assert.ok(matchesShortcut(zoomIn, key('NumpadAdd', '+', { ctrlKey: true })));
  const meta = parsePassThrough('Meta')!;
  assert.ok(matchesPassThrough(meta, key('MetaLeft', 'Meta', { metaKey: true })));
  assert.ok(!matchesPassThrough(meta, key('KeyA', 'a', { metaKey: true })));
  assert.deepEqual(lockCodesOf(parseShortcut('Alt+Tab')!), ['AltLeft', 'AltRight', 'Tab']);
});

void test('settings: defaults, a stored file of any shape keeps only valid fields, patches are strict', () => {
  const d = defaultSettings();
  assert.ok(isSettings(d));
  assert.deepEqual(parseSettings(undefined), d);
  assert.deepEqual(parseSettings('junk'), d);
  const parsed = parseSettings({
    theme: 'dark',
    language: 'klingon',
    autoResize: 'yes',
    shortcuts: { fullscreen: 'Ctrl+Alt+F' },
    passThroughKeys: ['Alt+Tab', 42],
    password: 'never',
  });
  assert.equal(parsed.theme, 'dark');
  assert.equal(parsed.language, 'system');
  assert.equal(parsed.autoResize, true);
  assert.deepEqual(parsed.shortcuts, { fullscreen: 'Ctrl+Alt+F' });
  assert.deepEqual(parsed.passThroughKeys, d.passThroughKeys);
  assert.equal('password' in parsed, false);

  assert.ok(isSettingsPatch({ language: 'zh-CN' }));
  assert.ok(isSettingsPatch({ shortcuts: { 'release-cursor': '' } }));
  for (const bad of [{}, null, [], { language: 'fr' }, { password: 'x' }, { shortcuts: { about: 'Ctrl+A' } }])
    assert.equal(isSettingsPatch(bad), false, JSON.stringify(bad));
  const next = applySettingsPatch(d, { theme: 'light', passThroughKeys: ['Meta'] });
  assert.equal(next.theme, 'light');
  assert.deepEqual(next.passThroughKeys, ['Meta']);
  assert.deepEqual(d.passThroughKeys, ['Alt+Tab', 'Meta'], 'the original is not changed');
});
