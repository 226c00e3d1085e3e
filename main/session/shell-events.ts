// What the session process tells its shell (Electron main or the `saffron web` server) because only the shell can
// act on it: open or close monitor windows, run a window command, show a dialog, and remember the last connection
// so a crashed session process can be replaced and reconnected (main/ipc/host-protocol.ts carries these).
import type { SessionState, UsbImageKind, ViewCommand } from '../../shared/contract';
import type { Settings } from '../../shared/settings';
import type { ConnectionConfig } from '../spice/connect/config';
import type { UsbImageSpec } from './bridges/usb-launch-options';

export interface ShellEvents {
  /** The number of monitors changed (Electron opens or closes windows). */
  monitorCount(count: number): void;
  /** A view asked the shell to run a command (Electron: window fullscreen). `on` forces a state. */
  command(monitor: number, command: ViewCommand, on?: boolean): void;
  /** A launch target (command line, OS file association) could not be opened. */
  openFailed(message: string): void;
  /** A connection attempt started with this config (kept by the shell for a restart after a crash). */
  connecting(config: ConnectionConfig): void;
  /** The session's state changed (saffron web's first-connection deadline watches it). */
  state(state: SessionState): void;
  /** The user changed the settings (Electron rebuilds its menus: language, shortcuts). */
  settings(settings: Settings): void;
  /** The desktop app: open a file dialog for an image to share (the answer is a ShellInput 'usb-share-image'). */
  usbChooseImage?(imageKind: UsbImageKind, writable: boolean): void;
  /** The desktop app on Linux: install the udev rule for this device model (answer: 'usb-udev-result'). */
  usbInstallUdevRule?(device: { vendorId: number; productId: number }): void;
}

/** What the shell did for the session's bridges: a file chosen in its dialog, a privileged command's outcome. */
export type ShellInput =
  { t: 'usb-share-image'; image: UsbImageSpec } | { t: 'usb-udev-result'; ok: boolean; message: string };

export const noShellEvents: ShellEvents = {
  monitorCount() {},
  command() {},
  openFailed() {},
  connecting() {},
  state() {},
  settings() {},
};
