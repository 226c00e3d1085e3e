// The usb-device-reset hotkey (.vv [virt-viewer] usb-device-reset, remote-viewer's default Ctrl+Shift+R): caught
// before the guest keyboard sees it (a capture listener on the window, attached before the keyboard input's), both
// its press and the release of its key are kept from the guest, and the press asks the session to reset every
// redirected device. Typing in a field of the page is left alone.
import type { Hotkey } from '../../shared/spice-hotkey';
import { hotkeyMatches } from '../../shared/spice-hotkey';

export interface UsbHotkeyDeps {
  hotkey(): Hotkey;
  /** The hotkey applies now (a session view is showing). */
  isActive(): boolean;
  reset(): void;
}

/** Listens on `target` (the window); returns a function that stops listening. */
export function attachUsbResetHotkey(target: EventTarget, deps: UsbHotkeyDeps): () => void {
  let swallowKeyUp: string | undefined;
  const onKeyDown = (event: Event): void => {
    const e = event as KeyboardEvent;
    if (!deps.isActive() || isEditable(e.target)) return;
    if (!hotkeyMatches(deps.hotkey(), e)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    swallowKeyUp = e.code;
    if (!e.repeat) deps.reset();
  };
  const onKeyUp = (event: Event): void => {
    const e = event as KeyboardEvent;
    if (swallowKeyUp === undefined || e.code !== swallowKeyUp) return;
    swallowKeyUp = undefined;
    e.preventDefault();
    e.stopImmediatePropagation();
  };
  target.addEventListener('keydown', onKeyDown, true);
  target.addEventListener('keyup', onKeyUp, true);
  return () => {
    target.removeEventListener('keydown', onKeyDown, true);
    target.removeEventListener('keyup', onKeyUp, true);
  };
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as { tagName?: unknown } | null;
  const tag = typeof el?.tagName === 'string' ? el.tagName : '';
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}
