// Hotkeys as .vv files give them (`[virt-viewer] usb-device-reset=ctrl+shift+r`, spice's "+"-separated names, as
// virt-viewer reads them) or in GTK accelerator form (`<Ctrl><Shift>r`, virt-viewer's fallback), parsed into a
// KeyboardEvent match: modifiers plus one physical key (`code`). Plain data: the session process validates a .vv
// hotkey with it and the page matches key events against the result.

export interface Hotkey {
  /** KeyboardEvent.code of the one non-modifier key ("KeyR", "F11", "Delete"). */
  code: string;
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  /** The Super / Windows / Command key. */
  meta: boolean;
}

/** remote-viewer's default for usb-device-reset. */
export const DEFAULT_USB_RESET_HOTKEY: Hotkey = {
  code: 'KeyR',
  ctrl: true,
  shift: true,
  alt: false,
  meta: false,
};

/** The modifiers of a KeyboardEvent and its code (so Node tests can pass plain objects). */
export interface KeyEventLike {
  code: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

type Modifier = 'ctrl' | 'shift' | 'alt' | 'meta';

// virt-viewer's spellings (virt-viewer-util.c): cmd means Ctrl there too; win is Super.
const MODIFIERS: Record<string, Modifier> = {};
for (const [modifier, names] of [
  ['alt', ['alt', 'lalt', 'leftalt', 'left-alt', 'ralt', 'rightalt', 'right-alt', 'mod1']],
  ['ctrl', ['ctrl', 'ctl', 'control', 'lctrl', 'leftctrl', 'left-ctrl', 'rctrl', 'rightctrl', 'right-ctrl']],
  ['ctrl', ['cmd', 'lcmd', 'leftcmd', 'left-cmd', 'rcmd', 'rightcmd', 'right-cmd', 'primary']],
  ['shift', ['shift', 'lshift', 'leftshift', 'left-shift', 'rshift', 'rightshift', 'right-shift']],
  ['meta', ['win', 'lwin', 'leftwin', 'left-win', 'rwin', 'rightwin', 'right-win', 'super', 'meta']],
] as const)
  for (const name of names) MODIFIERS[name] = modifier;

const NAMED_KEYS: Record<string, string> = {
  esc: 'Escape',
  escape: 'Escape',
  ins: 'Insert',
  insert: 'Insert',
  del: 'Delete',
  delete: 'Delete',
  pgup: 'PageUp',
  pageup: 'PageUp',
  page_up: 'PageUp',
  pgdn: 'PageDown',
  pagedown: 'PageDown',
  page_down: 'PageDown',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  return: 'Enter',
  tab: 'Tab',
  space: 'Space',
  backspace: 'Backspace',
  pause: 'Pause',
  print: 'PrintScreen',
  up: 'ArrowUp',
  down: 'ArrowDown',
  left: 'ArrowLeft',
  right: 'ArrowRight',
};

function keyCode(name: string): string | undefined {
  if (/^[a-z]$/.test(name)) return `Key${name.toUpperCase()}`;
  if (/^[0-9]$/.test(name)) return `Digit${name}`;
  const f = /^f([1-9]|1[0-9]|2[0-4])$/.exec(name);
  if (f) return `F${f[1]}`;
  return NAMED_KEYS[name];
}

/** Parses a hotkey; undefined when it is not exactly modifiers plus one key we know. */
export function parseSpiceHotkey(text: string): Hotkey | undefined {
  let rest = text.trim().toLowerCase();
  if (rest.length === 0 || rest.length > 128) return undefined;
  const tokens: string[] = [];
  // GTK form: leading <Modifier> groups, then the key.
  for (let m = /^<([a-z0-9_-]+)>/.exec(rest); m; m = /^<([a-z0-9_-]+)>/.exec(rest)) {
    tokens.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  if (tokens.length > 0) tokens.push(rest);
  else tokens.push(...rest.split('+').map((t) => t.trim()));
  const hotkey: Hotkey = { code: '', ctrl: false, shift: false, alt: false, meta: false };
  for (const token of tokens) {
    const modifier = MODIFIERS[token];
    if (modifier) {
      hotkey[modifier] = true;
      continue;
    }
    const code = keyCode(token);
    if (!code || hotkey.code !== '') return undefined;
    hotkey.code = code;
  }
  return hotkey.code === '' ? undefined : hotkey;
}

/** True when the key event is exactly this hotkey (no extra modifiers). */
export function hotkeyMatches(hotkey: Hotkey, e: KeyEventLike): boolean {
  return (
    e.code === hotkey.code &&
    e.ctrlKey === hotkey.ctrl &&
    e.shiftKey === hotkey.shift &&
    e.altKey === hotkey.alt &&
    e.metaKey === hotkey.meta
  );
}

/** "Ctrl+Shift+R", for menus and tooltips. */
export function hotkeyLabel(hotkey: Hotkey): string {
  const key = hotkey.code.replace(/^Key|^Digit/, '');
  return [hotkey.ctrl && 'Ctrl', hotkey.alt && 'Alt', hotkey.shift && 'Shift', hotkey.meta && 'Super', key]
    .filter(Boolean)
    .join('+');
}
