// Keyboard → guest: KeyboardEvent.code → PC AT set-1 scancodes (shared/keyboard-scancodes.ts), so the guest
// gets physical keys independent of the host layout (AltGr and dead keys arrive as the real keys). Handles the
// app's shortcuts first (the page's effective shortcuts: remote-viewer's Shift+F11 fullscreen and Shift+F12 release
// cursor by default, the user's settings, a .vv file's [hotkeys]; Ctrl+Alt while grabbed), syncs the
// host's lock keys to the guest at focus, and releases every held key when focus is lost.
import type { RequestMap, RequestMethod } from '../../shared/contract';
import type { AppCommand } from '../../shared/commands';
import { HeldKeys, lockModifiers, scancodeForCode } from '../../shared/keyboard-map';

export interface KeyboardInputDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** Keys go to the guest only while this is true (connected, display shown, no form field focused). */
  isActive(): boolean;
  /** The pointer is grabbed (server-mode pointer lock). */
  isGrabbed(): boolean;
  /** The app command a key-down is the shortcut of, if any. */
  shortcutFor(e: KeyboardEvent): AppCommand | undefined;
  onCommand(command: AppCommand): void;
}

const LOCK_CODES = new Set(['CapsLock', 'NumLock', 'ScrollLock']);

export class KeyboardInput {
  private readonly held = new HeldKeys();
  private guestModifiers: number | undefined;
  private needsLockSync = true;
  private readonly disposers: (() => void)[] = [];

  constructor(
    private readonly target: Window,
    private readonly deps: KeyboardInputDeps,
  ) {}

  attach(): void {
    const on = <K extends keyof WindowEventMap>(type: K, listener: (e: WindowEventMap[K]) => void) => {
      this.target.addEventListener(type, listener, true);
      this.disposers.push(() => this.target.removeEventListener(type, listener, true));
    };
    on('keydown', (e) => this.onKey(e, true));
    on('keyup', (e) => this.onKey(e, false));
    on('blur', () => this.releaseAll());
    on('focus', () => (this.needsLockSync = true));
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') this.releaseAll();
    };
    document.addEventListener('visibilitychange', onVisibility);
    this.disposers.push(() => document.removeEventListener('visibilitychange', onVisibility));
  }

  detach(): void {
    this.releaseAll();
    for (const d of this.disposers.splice(0)) d();
  }

  /** The guest's lock-key state changed (SPICE_KEYBOARD_MODIFIER_FLAGS_*). */
  setGuestModifiers(modifiers: number): void {
    this.guestModifiers = modifiers;
  }

  /** Sends key-ups for every key held (and tells the session side to do the same). */
  releaseAll(): void {
    const strokes = this.held.releaseAll();
    for (const s of strokes) this.deps.request('key', s);
    this.deps.request('releaseKeys', {});
    this.needsLockSync = true;
  }

  private hotkey(e: KeyboardEvent, down: boolean): AppCommand | undefined {
    if (!down || e.repeat) return undefined;
    return this.deps.shortcutFor(e);
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    if (!this.deps.isActive()) return;
    const command = this.hotkey(e, down);
    if (command) {
      e.preventDefault();
      e.stopPropagation();
      // Release the Shift held for the hotkey so the guest does not keep it.
      this.releaseAll();
      this.deps.onCommand(command);
      return;
    }
    const scancode = scancodeForCode(e.code);
    if (scancode === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    if (down && this.needsLockSync && !LOCK_CODES.has(e.code)) this.syncLocks(e);
    const stroke = { scancode, down };
    if (!this.held.update(stroke)) return;
    this.deps.request('key', stroke);
    // Ctrl+Alt (left keys) releases a server-mode pointer grab, as in remote-viewer.
    if (down && this.deps.isGrabbed() && this.held.has(0x1d) && this.held.has(0x38)) {
      this.releaseAll();
      this.deps.onCommand('release-cursor');
    }
  }

  /** Makes the guest's Caps/Num/Scroll lock match the host's (at focus, before the first key). */
  syncLocks(e: KeyboardEvent | MouseEvent): void {
    this.needsLockSync = false;
    const host = lockModifiers({
      capsLock: e.getModifierState('CapsLock'),
      numLock: e.getModifierState('NumLock'),
      scrollLock: e.getModifierState('ScrollLock'),
    });
    if (this.guestModifiers === undefined || host !== this.guestModifiers) {
      this.deps.request('keyModifiers', { modifiers: host });
    }
  }

  get needsSync(): boolean {
    return this.needsLockSync;
  }
}
