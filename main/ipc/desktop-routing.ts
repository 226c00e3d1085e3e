// How the desktop app's main process answers its session process, as a pure function (unit-tested; the Electron
// glue in main/app only supplies the actions): monitor counts open and close windows, fullscreen is a window
// operation, any other view command goes back to the views, a launch target that cannot be opened is a dialog.
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
  /** The OS clipboard's side of the agent's clipboard. */
  clipboard?: Pick<OsClipboardSync, 'write' | 'answer'>;
  /** Opens the file picker; the chosen paths go back as send-files. */
  pickFiles?(): void;
  /** The agent settings and displays changed (menu check marks). */
  agentState?(state: { settings: AgentSettings; displays: boolean[]; connected: boolean }): void;
}

export function routeProcessMessage(
  message: Exclude<ProcessMessage, { t: 'log' }>,
  shell: DesktopShell,
): void {
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
  }
}
