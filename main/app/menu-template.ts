// The application menu as plain data (Electron MenuItemConstructorOptions), built from callbacks so it can be
// tested without Electron. Shift+F11 and Shift+F12 are handled by the renderer (the guest gets every other
// key), so those accelerators are shown but not registered.
import type { MenuItemConstructorOptions } from 'electron';
import { SEND_KEY_COMBOS } from '../../shared/contract';
import type { SendKeyCombo, ViewCommand } from '../../shared/contract';
import { sendKeyLabel } from '../../shared/keyboard-map';

export interface MenuActions {
  openFile(): void;
  disconnect(): void;
  reconnect(): void;
  quit(): void;
  viewCommand(command: ViewCommand): void;
  sendKeys(combo: SendKeyCombo): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, isMac: boolean): MenuItemConstructorOptions[] {
  const view = (label: string, command: ViewCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    click: () => actions.viewCommand(command),
    ...(accelerator ? { accelerator, registerAccelerator: false } : {}),
  });
  const file: MenuItemConstructorOptions[] = [
    { label: 'Open Connection File…', click: () => actions.openFile() },
    { type: 'separator' },
    { label: 'Reconnect', click: () => actions.reconnect() },
    { label: 'Disconnect', click: () => actions.disconnect() },
    { type: 'separator' },
    view('Save Screenshot…', 'screenshot'),
  ];
  // macOS: Quit (Cmd+Q), Hide, Services… live in the app menu; copy and paste in the connect form need the Edit
  // menu's roles (Cmd+C/V are menu accelerators there); windows get the standard Window menu.
  if (!isMac) file.push({ type: 'separator' }, { label: 'Quit', click: () => actions.quit() });
  return [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: file },
    ...(isMac ? [{ role: 'editMenu' } as const] : []),
    {
      label: 'View',
      submenu: [
        view('Fullscreen', 'fullscreen', 'Shift+F11'),
        { type: 'separator' },
        view('Zoom to Fit Window', 'zoom-fit'),
        view('Zoom 100% (1 guest pixel per screen pixel)', 'zoom-100'),
        view('Zoom In', 'zoom-in'),
        view('Zoom Out', 'zoom-out'),
        { type: 'separator' },
        view('Release Cursor', 'release-cursor', 'Shift+F12'),
        { type: 'separator' },
        view('USB Devices…', 'usb-devices'),
      ],
    },
    {
      label: 'Send Key',
      submenu: SEND_KEY_COMBOS.map((combo) => ({
        label: sendKeyLabel(combo),
        click: () => actions.sendKeys(combo),
      })),
    },
    ...(isMac ? [{ role: 'windowMenu' } as const] : []),
    { label: 'Help', role: 'help', submenu: [{ label: 'About Saffron', click: () => actions.about() }] },
  ];
}
