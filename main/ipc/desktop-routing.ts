// How the desktop app's main process answers its session process, as a pure function (unit-tested; the Electron
// glue in main/app only supplies the actions): monitor counts open and close windows, fullscreen is a window
// operation, any other view command goes back to the views, a launch target that cannot be opened is a dialog, a
// USB image to share is a file dialog, the udev rule for a USB device runs through pkexec.
import { errorMessage } from '../spice/errors';
import { udevInstallCommand, udevRule } from '../usb/usb-permissions';
import type { Settings } from '../../shared/settings';
import type { HostMessage, ProcessMessage } from './host-protocol';
import type { AgentSettings } from '../../shared/contract';
import type { OsClipboardSync } from './os-clipboard-sync';

export interface DesktopShell {
  setMonitorCount(count: number): void;
  toggleFullscreen(monitor: number, on?: boolean): void;
  /** Sends a control message to the session process. */
  send(message: HostMessage): void;
  showError(message: string, detail: string): void;
  /** The user's settings arrived or changed: rebuild what depends on them (the native menus' language). */
  settingsChanged(settings: Settings): void;
  /** A file dialog; resolves with the chosen path, undefined when cancelled. */
  chooseFile(title: string, filters: { name: string; extensions: string[] }[]): Promise<string | undefined>;
  /** Runs a program without a shell; rejects with its error output when it fails. */
  run(file: string, args: string[]): Promise<void>;
  /** The OS clipboard's side of the agent's clipboard. */
  clipboard?: Pick<OsClipboardSync, 'write' | 'answer'>;
  /** Opens the file picker; the chosen paths go back as send-files. */
  pickFiles?(): void;
  /** The agent settings and displays changed (menu check marks). */
  agentState?(state: { settings: AgentSettings; displays: boolean[]; connected: boolean }): void;
}

const IMAGE_FILTERS = {
  cd: [
    { name: 'CD/DVD images', extensions: ['iso'] },
    { name: 'All files', extensions: ['*'] },
  ],
  disk: [
    { name: 'Disk images', extensions: ['img', 'raw', 'bin'] },
    { name: 'All files', extensions: ['*'] },
  ],
};

export function routeProcessMessage(
  message: Exclude<ProcessMessage, { t: 'log' }>,
  shell: DesktopShell,
): Promise<void> | void {
  switch (message.t) {
    case 'monitor-count':
      shell.setMonitorCount(message.count);
      return;
    case 'command':
      if (message.command === 'fullscreen') shell.toggleFullscreen(message.monitor, message.on);
      else shell.send({ t: 'command', command: message.command, monitor: message.monitor });
      return;
    case 'open-failed':
      shell.showError('Cannot open the connection', message.message);
      return;
    case 'connecting':
      return; // the supervisor keeps it for a restart after a crash
    case 'state':
      return; // the windows learn it from their own view contract
    case 'settings':
      shell.settingsChanged(message.settings);
      return;
    case 'clipboard-write':
      shell.clipboard?.write(message.selection, message.content, message.fingerprint);
      return;
    case 'clipboard-read':
      if (shell.clipboard) shell.clipboard.answer(message.requestId, message.selection, message.format);
      else shell.send({ t: 'clipboard-content', requestId: message.requestId, content: null });
      return;
    case 'pick-files':
      shell.pickFiles?.();
      return;
    case 'agent-settings':
      shell.agentState?.({
        settings: message.settings,
        displays: message.displays,
        connected: message.connected,
      });
      return;
    case 'usb-choose-image':
      return chooseImage(message, shell);
    case 'usb-install-udev-rule':
      return installUdevRule(message, shell);
  }
}

async function chooseImage(
  m: Extract<ProcessMessage, { t: 'usb-choose-image' }>,
  shell: DesktopShell,
): Promise<void> {
  const title =
    m.imageKind === 'cd' ? 'Share an ISO image as a USB CD-ROM' : 'Share a disk image as a USB disk';
  let path: string | undefined;
  try {
    path = await shell.chooseFile(title, IMAGE_FILTERS[m.imageKind]);
  } catch (e) {
    shell.showError('Cannot open the file dialog', errorMessage(e));
    return;
  }
  if (path === undefined) return;
  shell.send({
    t: 'usb-input',
    input: { t: 'usb-share-image', image: { path, imageKind: m.imageKind, writable: m.writable } },
  });
}

async function installUdevRule(
  m: Extract<ProcessMessage, { t: 'usb-install-udev-rule' }>,
  shell: DesktopShell,
): Promise<void> {
  const { file, args } = udevInstallCommand(udevRule({ vendorId: m.vendorId, productId: m.productId }));
  try {
    await shell.run(file, args);
    shell.send({
      t: 'usb-input',
      input: {
        t: 'usb-udev-result',
        ok: true,
        message: 'The udev rule is installed; connecting the device again.',
      },
    });
  } catch (e) {
    shell.send({
      t: 'usb-input',
      input: {
        t: 'usb-udev-result',
        ok: false,
        message: `The udev rule could not be installed (${errorMessage(e).slice(0, 300)}). Add it by hand: see the device's hint.`,
      },
    });
  }
}
