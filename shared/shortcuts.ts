// Keyboard shortcuts as data: parsed from the app's own form ("Shift+F11", "Ctrl+Alt+End") and from remote-viewer's
// `.vv` [hotkeys] values (GTK accelerators such as "shift+f11" or "<Ctrl><Alt>End"), matched against a key event,
// shown in menus, and turned into Electron accelerators. Pure, so it is tested under Node.

export interface Shortcut {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
  /** Lower-case key name: 'f11', 'end', 'a', '0', 'plus', 'minus', 'equal', 'escape', 'tab', … */
  key: string;
}

/** The fields of a key event a shortcut is matched against (KeyboardEvent has them all). */
export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

const MODIFIER_NAMES: Record<string, 'ctrl' | 'alt' | 'shift' | 'meta'> = {
  ctrl: 'ctrl',
  control: 'ctrl',
  primary: 'ctrl',
  alt: 'alt',
  mod1: 'alt',
  option: 'alt',
  shift: 'shift',
  meta: 'meta',
  super: 'meta',
  win: 'meta',
  cmd: 'meta',
  command: 'meta',
};

/** Key names as GTK keysyms or symbols → our names. */
const KEY_ALIASES: Record<string, string> = {
  '+': 'plus',
  '-': 'minus',
  '=': 'equal',
  kp_add: 'plus',
  kp_subtract: 'minus',
  kp_0: '0',
  esc: 'escape',
  del: 'delete',
  return: 'enter',
  page_up: 'pageup',
  page_down: 'pagedown',
  prior: 'pageup',
  next: 'pagedown',
  print: 'printscreen',
  ' ': 'space',
};

const LONGEST_SHORTCUT = 64;

/** Parses "Ctrl+Alt+End", "shift+f11", "<Ctrl><Alt>End", "Ctrl++"; undefined when it names no key. */
export function parseShortcut(text: string): Shortcut | undefined {
  if (text.length === 0 || text.length > LONGEST_SHORTCUT) return undefined;
  const out: Shortcut = { ctrl: false, alt: false, shift: false, meta: false, key: '' };
  let rest = text.trim();
  // GTK form: <Modifier> prefixes.
  for (let m = /^<([a-z0-9]+)>/i.exec(rest); m; m = /^<([a-z0-9]+)>/i.exec(rest)) {
    const mod = MODIFIER_NAMES[(m[1] ?? '').toLowerCase()];
    if (!mod) return undefined;
    out[mod] = true;
    rest = rest.slice(m[0].length);
  }
  // "a+b+c", where the key itself may be "+" ("Ctrl++").
  const parts = rest.endsWith('++') ? [...rest.slice(0, -2).split('+'), '+'] : rest.split('+');
  const keyPart = parts.pop()?.trim() ?? '';
  for (const part of parts) {
    const mod = MODIFIER_NAMES[part.trim().toLowerCase()];
    if (!mod) return undefined;
    out[mod] = true;
  }
  const lower = keyPart.toLowerCase();
  const key = KEY_ALIASES[lower] ?? lower;
  if (key === '' || MODIFIER_NAMES[key] !== undefined || !/^[a-z0-9]+$/.test(key)) return undefined;
  out.key = key;
  return out;
}

/** The key name of a key event, in Shortcut's vocabulary. */
export function keyNameOf(e: Pick<KeyLike, 'key' | 'code'>): string {
  // Letters and digits by physical position (a layout that types 'ф' on KeyA still matches Ctrl+A).
  const letter = /^Key([A-Z])$/.exec(e.code);
  if (letter?.[1]) return letter[1].toLowerCase();
  const digit = /^(?:Digit|Numpad)([0-9])$/.exec(e.code);
  if (digit?.[1]) return digit[1];
  if (e.code === 'NumpadAdd') return 'plus';
  if (e.code === 'NumpadSubtract') return 'minus';
  const lower = e.key.toLowerCase();
  return KEY_ALIASES[lower] ?? lower.replace(/^arrow/, '');
}

/** Symbol keys ('plus', 'minus', …) are typed with or without Shift depending on the layout: Shift is not
 * compared for them unless the shortcut asks for it. */
const SHIFT_AGNOSTIC = new Set(['plus', 'minus', 'equal']);

export function matchesShortcut(shortcut: Shortcut, e: KeyLike): boolean {
  if (keyNameOf(e) !== shortcut.key) return false;
  if (e.ctrlKey !== shortcut.ctrl || e.altKey !== shortcut.alt || e.metaKey !== shortcut.meta) return false;
  if (SHIFT_AGNOSTIC.has(shortcut.key) && !shortcut.shift) return true;
  return e.shiftKey === shortcut.shift;
}

const DISPLAY_NAMES: Record<string, string> = {
  plus: '+',
  minus: '-',
  equal: '=',
  escape: 'Esc',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  printscreen: 'PrintScreen',
  delete: 'Delete',
  backspace: 'Backspace',
};

function keyLabel(key: string): string {
  if (DISPLAY_NAMES[key]) return DISPLAY_NAMES[key];
  if (/^f[0-9]+$/.test(key)) return key.toUpperCase();
  return key.length === 1 ? key.toUpperCase() : key.charAt(0).toUpperCase() + key.slice(1);
}

/** "Ctrl+Alt+End": the app's canonical text (stored in settings, shown in menus). */
export function formatShortcut(s: Shortcut): string {
  const parts: string[] = [];
  if (s.ctrl) parts.push('Ctrl');
  if (s.alt) parts.push('Alt');
  if (s.shift) parts.push('Shift');
  if (s.meta) parts.push('Meta');
  parts.push(keyLabel(s.key));
  return parts.join('+');
}

/** Electron's accelerator for a shortcut (shown in native menus; the page handles the key itself). */
export function toAccelerator(s: Shortcut): string {
  const parts: string[] = [];
  if (s.ctrl) parts.push('Ctrl');
  if (s.alt) parts.push('Alt');
  if (s.shift) parts.push('Shift');
  if (s.meta) parts.push('Super');
  const names: Record<string, string> = { plus: 'Plus', minus: '-', equal: '=', escape: 'Esc' };
  parts.push(names[s.key] ?? keyLabel(s.key));
  return parts.join('+');
}

/** The KeyboardEvent.code values a shortcut involves (for the Keyboard Lock API in fullscreen). */
export function lockCodesOf(s: Shortcut): string[] {
  const codes: string[] = [];
  if (s.ctrl) codes.push('ControlLeft', 'ControlRight');
  if (s.alt) codes.push('AltLeft', 'AltRight');
  if (s.shift) codes.push('ShiftLeft', 'ShiftRight');
  if (s.meta) codes.push('MetaLeft', 'MetaRight');
  const key = s.key;
  if (key === 'meta') codes.push('MetaLeft', 'MetaRight');
  else if (/^[a-z]$/.test(key)) codes.push(`Key${key.toUpperCase()}`);
  else if (/^[0-9]$/.test(key)) codes.push(`Digit${key}`);
  else if (/^f[0-9]+$/.test(key)) codes.push(key.toUpperCase());
  else {
    const named: Record<string, string> = {
      tab: 'Tab',
      escape: 'Escape',
      space: 'Space',
      enter: 'Enter',
      backspace: 'Backspace',
      delete: 'Delete',
      end: 'End',
      home: 'Home',
      pageup: 'PageUp',
      pagedown: 'PageDown',
      printscreen: 'PrintScreen',
      minus: 'Minus',
      equal: 'Equal',
      plus: 'Equal',
    };
    const code = named[key];
    if (code) codes.push(code);
  }
  return [...new Set(codes)];
}

/** A pass-through entry: a shortcut, or a lone modifier key ("Meta", "Alt"). */
export function parsePassThrough(text: string): Shortcut | undefined {
  const lone = text.trim().toLowerCase();
  if (lone === 'meta' || lone === 'super' || lone === 'win')
    return { ctrl: false, alt: false, shift: false, meta: false, key: 'meta' };
  return parseShortcut(text);
}

/** True when the event is the pass-through entry (a lone "Meta" matches either Meta key with any modifiers). */
export function matchesPassThrough(entry: Shortcut, e: KeyLike): boolean {
  if (entry.key === 'meta') return e.code === 'MetaLeft' || e.code === 'MetaRight';
  return matchesShortcut(entry, e);
}
