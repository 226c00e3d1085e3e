// The application menu as plain data (Electron MenuItemConstructorOptions), built from callbacks so it can be
// tested without Electron. Labels come from the message catalogue (the user's language) and accelerators from the
// command table (shared/commands.ts) with the user's shortcut settings; the renderer handles every shortcut itself
// (the guest gets every other key), so accelerators are shown but not registered.
import type { MenuItemConstructorOptions } from 'electron';
import { SEND_KEY_COMBOS } from '../../shared/contract';
import type { SendKeyCombo, ViewCommand } from '../../shared/contract';
import { effectiveShortcuts, type AppCommand } from '../../shared/commands';
import { translatorFor, type Translator } from '../../shared/i18n';
import { sendKeyLabel } from '../../shared/keyboard-map';
import { toAccelerator } from '../../shared/shortcuts';

export interface MenuActions {
  openFile(): void;
  disconnect(): void;
  reconnect(): void;
  quit(): void;
  viewCommand(command: ViewCommand): void;
  sendKeys(combo: SendKeyCombo): void;
  about(): void;
}

export interface MenuOptions {
  /** The user's language (English when absent). */
  translator?: Translator;
  /** The user's shortcut settings (shared/settings.ts `shortcuts`). */
  shortcuts?: Readonly<Partial<Record<AppCommand, string>>>;
}

export function menuTemplate(
  actions: MenuActions,
  isMac: boolean,
  options: MenuOptions = {},
): MenuItemConstructorOptions[] {
  const translator = options.translator ?? translatorFor('en');
  const t = (key: Parameters<Translator['t']>[0]): string => translator.t(key);
  const keys = effectiveShortcuts(options.shortcuts ?? {}, {});
  const accelerator = (command: AppCommand): Partial<MenuItemConstructorOptions> => {
    const shortcut = keys.get(command);
    return shortcut ? { accelerator: toAccelerator(shortcut), registerAccelerator: false } : {};
  };
  const view = (command: ViewCommand & AppCommand): MenuItemConstructorOptions => ({
    label: t(`command.${command}`),
    click: () => actions.viewCommand(command),
    ...accelerator(command),
  });
  const file: MenuItemConstructorOptions[] = [
    { label: t('command.open-file'), click: () => actions.openFile() },
    { type: 'separator' },
    { label: t('command.reconnect'), click: () => actions.reconnect() },
    { label: t('command.disconnect'), click: () => actions.disconnect() },
    { type: 'separator' },
    view('screenshot'),
  ];
  // macOS: Quit (Cmd+Q), Hide, Services… live in the app menu; copy and paste in the connect form need the Edit
  // menu's roles (Cmd+C/V are menu accelerators there); windows get the standard Window menu.
  if (!isMac) file.push({ type: 'separator' }, { label: t('command.quit'), click: () => actions.quit() });
  return [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { label: t('menu.file'), submenu: file },
    ...(isMac ? [{ role: 'editMenu' } as const] : []),
    {
      label: t('menu.view'),
      submenu: [
        view('fullscreen'),
        { type: 'separator' },
        view('zoom-fit'),
        view('zoom-100'),
        view('zoom-in'),
        view('zoom-out'),
        { type: 'separator' },
        view('release-cursor'),
        { type: 'separator' },
        { label: t('command.usb-devices'), click: () => actions.viewCommand('usb-devices') },
      ],
    },
    {
      label: t('menu.send-key'),
      submenu: SEND_KEY_COMBOS.map((combo) => ({
        label: sendKeyLabel(combo),
        click: () => actions.sendKeys(combo),
      })),
    },
    ...(isMac ? [{ role: 'windowMenu' } as const] : []),
    {
      label: t('menu.help'),
      role: 'help',
      submenu: [{ label: t('command.about'), click: () => actions.about() }],
    },
  ];
}
