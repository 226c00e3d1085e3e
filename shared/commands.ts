// The command model: every app command once, with its label (a catalogue key), where it sits in the menus, its
// default shortcut, and the remote-viewer `.vv` [hotkeys] key that overrides it. The page's toolbar menus and
// Electron's native menus (main/app/menu-template.ts) are both built from this table; features add their own
// commands at run time in the page (renderer/chrome/feature-host.ts).
import type { MessageKey } from './i18n/catalogue';
import type { Shortcut } from './shortcuts';
import { parseShortcut } from './shortcuts';

export const APP_COMMANDS = [
  'open-file',
  'reconnect',
  'disconnect',
  'screenshot',
  'fullscreen',
  'zoom-fit',
  'zoom-100',
  'zoom-in',
  'zoom-out',
  'release-cursor',
  'secure-attention',
  'settings',
  'shortcuts-help',
  'about',
  'quit',
] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];

/** remote-viewer's `.vv` [hotkeys] keys (virt-viewer's man page), as they travel in the `hotkeys` message. */
export const VV_HOTKEYS = [
  'toggle-fullscreen',
  'release-cursor',
  'zoom-in',
  'zoom-out',
  'zoom-reset',
  'secure-attention',
  'usb-device-reset',
  'smartcard-insert',
  'smartcard-remove',
] as const;
export type VvHotkey = (typeof VV_HOTKEYS)[number];

export type MenuGroup = 'file' | 'view' | 'input' | 'help';

export interface CommandSpec {
  label: MessageKey;
  menu: MenuGroup;
  /** Default shortcut (the app's canonical form), as remote-viewer's where it has one. */
  shortcut?: string;
  /** The .vv [hotkeys] key that replaces the shortcut for a connection (it wins over the user's setting). */
  vvHotkey?: VvHotkey;
  /** Which shells show it ('electron' only: the native menus; both by default). */
  shells?: readonly ('electron' | 'web')[];
  /** Needs a connected session. */
  needsSession?: boolean;
}

export const COMMAND_SPECS: Readonly<Record<AppCommand, CommandSpec>> = {
  'open-file': { label: 'command.open-file', menu: 'file' },
  reconnect: { label: 'command.reconnect', menu: 'file' },
  disconnect: { label: 'command.disconnect', menu: 'file', needsSession: true },
  screenshot: { label: 'command.screenshot', menu: 'file', needsSession: true },
  fullscreen: {
    label: 'command.fullscreen',
    menu: 'view',
    shortcut: 'Shift+F11',
    vvHotkey: 'toggle-fullscreen',
  },
  'zoom-fit': { label: 'command.zoom-fit', menu: 'view', needsSession: true },
  'zoom-100': {
    label: 'command.zoom-100',
    menu: 'view',
    shortcut: 'Ctrl+0',
    vvHotkey: 'zoom-reset',
    needsSession: true,
  },
  'zoom-in': {
    label: 'command.zoom-in',
    menu: 'view',
    shortcut: 'Ctrl++',
    vvHotkey: 'zoom-in',
    needsSession: true,
  },
  'zoom-out': {
    label: 'command.zoom-out',
    menu: 'view',
    shortcut: 'Ctrl+-',
    vvHotkey: 'zoom-out',
    needsSession: true,
  },
  'release-cursor': {
    label: 'command.release-cursor',
    menu: 'input',
    shortcut: 'Shift+F12',
    vvHotkey: 'release-cursor',
    needsSession: true,
  },
  'secure-attention': {
    label: 'command.secure-attention',
    menu: 'input',
    shortcut: 'Ctrl+Alt+End',
    vvHotkey: 'secure-attention',
    needsSession: true,
  },
  settings: { label: 'command.settings', menu: 'file', shortcut: 'Ctrl+,' },
  'shortcuts-help': { label: 'command.shortcuts-help', menu: 'help' },
  about: { label: 'command.about', menu: 'help', shells: ['electron'] },
  quit: { label: 'command.quit', menu: 'file', shells: ['electron'] },
};

/** Commands whose shortcut a user may change in settings (those with a default; remote-viewer lets .vv set them). */
export const REMAPPABLE_COMMANDS = APP_COMMANDS.filter((c) => COMMAND_SPECS[c].shortcut !== undefined);

export function isAppCommand(value: unknown): value is AppCommand {
  return typeof value === 'string' && (APP_COMMANDS as readonly string[]).includes(value);
}

/**
 * The shortcut each command answers to: the connection's `.vv` hotkey if it has one, else the user's setting
 * (an empty string there means "no shortcut"), else the default. Unparsable values fall through to the next.
 */
export function effectiveShortcuts(
  userShortcuts: Readonly<Partial<Record<AppCommand, string>>>,
  vvHotkeys: Readonly<Partial<Record<VvHotkey, string>>>,
): Map<AppCommand, Shortcut> {
  const out = new Map<AppCommand, Shortcut>();
  for (const command of APP_COMMANDS) {
    const spec = COMMAND_SPECS[command];
    const fromVv = spec.vvHotkey ? vvHotkeys[spec.vvHotkey] : undefined;
    const candidates = [fromVv, userShortcuts[command], spec.shortcut];
    for (const text of candidates) {
      if (text === undefined) continue;
      if (text === '') break; // the user removed the shortcut
      const parsed = parseShortcut(text);
      if (parsed) {
        out.set(command, parsed);
        break;
      }
    }
  }
  return out;
}
