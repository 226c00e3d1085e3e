// The desktop app's Guest menu as plain data (like menu-template.ts): share the clipboard each way, resize the guest
// to the windows, turn displays on and off, send files. Check marks come from the session process's agent-settings
// message, so the menu is rebuilt when they change; withAgentMenu places it before Help.
import type { MenuItemConstructorOptions } from 'electron';
import type { AgentSettings } from '../../shared/contract';

export interface AgentMenuState {
  settings: AgentSettings;
  displays: boolean[];
  connected: boolean;
}

export interface AgentMenuActions {
  setting(change: Partial<AgentSettings>): void;
  display(display: number, enabled: boolean): void;
  sendFiles(): void;
}

export function agentMenu(state: AgentMenuState, actions: AgentMenuActions): MenuItemConstructorOptions {
  const toggle = (label: string, key: keyof AgentSettings): MenuItemConstructorOptions => ({
    label,
    type: 'checkbox',
    checked: state.settings[key],
    click: () => actions.setting({ [key]: !state.settings[key] }),
  });
  return {
    label: 'Guest',
    submenu: [
      toggle('Share Clipboard with Guest', 'clipboardToGuest'),
      toggle('Share Guest Clipboard', 'clipboardToHost'),
      toggle('Resize Guest to Window', 'autoResize'),
      { type: 'separator' },
      ...state.displays.map((on, i): MenuItemConstructorOptions => ({
        label: `Display ${i + 1}`,
        type: 'checkbox',
        checked: on,
        enabled: i > 0 && state.connected,
        click: () => actions.display(i, !on),
      })),
      { type: 'separator' },
      { label: 'Send Files to Guest…', enabled: state.connected, click: () => actions.sendFiles() },
    ],
  };
}

/** The application menu with the Guest menu inserted before Help (or at the end). */
export function withAgentMenu(
  template: MenuItemConstructorOptions[],
  guest: MenuItemConstructorOptions,
): MenuItemConstructorOptions[] {
  const help = template.findIndex((item) => item.role === 'help');
  const at = help < 0 ? template.length : help;
  return [...template.slice(0, at), guest, ...template.slice(at)];
}
