// Keyboard helpers on top of the generated KEYBOARD_CODE_TO_SCANCODE table: code → scancode, the key
// sequences of the "Send key" menu, and lock-key (Caps/Num/Scroll) state as SPICE modifier flags.
import type { SendKeyCombo } from './session-contract';
import { KEYBOARD_CODE_TO_SCANCODE } from './keyboard-scancodes';
import {
  SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK,
} from './spice-enums';

export const SCANCODE_CTRL_LEFT = 0x1d;
export const SCANCODE_ALT_LEFT = 0x38;
export const SCANCODE_DELETE = 0x153;
export const SCANCODE_BACKSPACE = 0x0e;
export const SCANCODE_PRINT_SCREEN = 0x137;
/** F1..F10 are 0x3B..0x44; F11, F12 are 0x57, 0x58. */
const FUNCTION_KEYS = [0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58] as const;

/** Scancode of a KeyboardEvent.code, or undefined if the key has no set-1 scancode (e.g. "Fn"). */
export function scancodeForCode(code: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(KEYBOARD_CODE_TO_SCANCODE, code)
    ? KEYBOARD_CODE_TO_SCANCODE[code]
    : undefined;
}

export interface KeyStroke {
  scancode: number;
  down: boolean;
}

/** Presses `scancodes` in order, then releases them in reverse order. */
export function chord(scancodes: readonly number[]): KeyStroke[] {
  return [
    ...scancodes.map((scancode) => ({ scancode, down: true })),
    ...[...scancodes].reverse().map((scancode) => ({ scancode, down: false })),
  ];
}

/** The keystrokes of a "Send key" menu entry. */
export function sendKeyStrokes(combo: SendKeyCombo): KeyStroke[] {
  switch (combo) {
    case 'ctrl-alt-del':
      return chord([SCANCODE_CTRL_LEFT, SCANCODE_ALT_LEFT, SCANCODE_DELETE]);
    case 'ctrl-alt-backspace':
      return chord([SCANCODE_CTRL_LEFT, SCANCODE_ALT_LEFT, SCANCODE_BACKSPACE]);
    case 'print-screen':
      return chord([SCANCODE_PRINT_SCREEN]);
    default: {
      const n = Number(combo.slice('ctrl-alt-f'.length));
      const fKey = FUNCTION_KEYS[n - 1];
      if (fKey === undefined) return [];
      return chord([SCANCODE_CTRL_LEFT, SCANCODE_ALT_LEFT, fKey]);
    }
  }
}

/** Human label of a combo for menus ("Ctrl+Alt+Del"). */
export function sendKeyLabel(combo: SendKeyCombo): string {
  if (combo === 'print-screen') return 'PrintScreen';
  const labels: Record<string, string> = { ctrl: 'Ctrl', alt: 'Alt', del: 'Del', backspace: 'Backspace' };
  return combo
    .split('-')
    .map((part) => labels[part] ?? part.toUpperCase())
    .join('+');
}

/** SPICE lock-key flags from a host's lock state (e.g. KeyboardEvent.getModifierState). */
export function lockModifiers(state: { capsLock: boolean; numLock: boolean; scrollLock: boolean }): number {
  return (
    (state.scrollLock ? SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK : 0) |
    (state.numLock ? SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK : 0) |
    (state.capsLock ? SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK : 0)
  );
}

/**
 * Tracks held keys so none stays stuck in the guest: every key down is remembered until its key up, and
 * `releaseAll` returns the key-ups for whatever is still held (on blur, hide, disconnect).
 */
export class HeldKeys {
  private readonly held = new Set<number>();

  /** Records a stroke; returns false for a repeat key-down or a key-up of a key not held (nothing to send). */
  update(stroke: KeyStroke): boolean {
    if (stroke.down) {
      // Auto-repeat is forwarded: the guest expects typematic make codes while a key is held.
      this.held.add(stroke.scancode);
      return true;
    }
    return this.held.delete(stroke.scancode);
  }

  has(scancode: number): boolean {
    return this.held.has(scancode);
  }

  get size(): number {
    return this.held.size;
  }

  releaseAll(): KeyStroke[] {
    const strokes = [...this.held].reverse().map((scancode) => ({ scancode, down: false }));
    this.held.clear();
    return strokes;
  }
}
