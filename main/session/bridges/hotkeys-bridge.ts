// The hotkeys bridge: a connection's `.vv` [hotkeys] (remote-viewer's keys, raw strings) go to every view, where they
// win over the user's shortcuts while that connection lasts (shared/commands.ts effectiveShortcuts).
import type { VvHotkey } from '../../../shared/commands';
import type { HotkeyConfig } from '../../spice/connect/config';
import type { SessionBridge, SessionContext, ViewPort } from '../session-bridge';

const VV_KEY_OF: Readonly<Record<keyof HotkeyConfig, VvHotkey>> = {
  toggleFullscreen: 'toggle-fullscreen',
  releaseCursor: 'release-cursor',
  zoomIn: 'zoom-in',
  zoomOut: 'zoom-out',
  zoomReset: 'zoom-reset',
  secureAttention: 'secure-attention',
  usbDeviceReset: 'usb-device-reset',
  smartcardInsert: 'smartcard-insert',
  smartcardRemove: 'smartcard-remove',
};

/** Longest hotkey text sent (the contract's guard allows 64). */
const MAX_HOTKEY_LENGTH = 64;

export function vvHotkeys(config: HotkeyConfig | undefined): Partial<Record<VvHotkey, string>> {
  const out: Partial<Record<VvHotkey, string>> = {};
  if (!config) return out;
  for (const [field, key] of Object.entries(VV_KEY_OF) as [keyof HotkeyConfig, VvHotkey][]) {
    const text = config[field];
    if (text !== undefined && text !== '' && text.length <= MAX_HOTKEY_LENGTH) out[key] = text;
  }
  return out;
}

export class HotkeysBridge implements SessionBridge {
  readonly name = 'hotkeys';
  private current: Partial<Record<VvHotkey, string>> = {};

  constructor(private readonly ctx: SessionContext) {}

  viewAttached(view: ViewPort): void {
    view.send({ kind: 'hotkeys', hotkeys: this.current });
  }

  sessionStarted(): void {
    this.current = vvHotkeys(this.ctx.config?.hotkeys);
    this.ctx.broadcast({ kind: 'hotkeys', hotkeys: this.current });
  }

  sessionEnded(): void {
    if (Object.keys(this.current).length === 0) return;
    this.current = {};
    this.ctx.broadcast({ kind: 'hotkeys', hotkeys: this.current });
  }
}
