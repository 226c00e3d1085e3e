// The Electron application: single instance; opens a spice:// URI or .vv file from the command line, the OS
// (open-file, open-url, second-instance) or a drop on the window; one window per guest monitor; menus. The SPICE
// session runs in a session process (utilityProcess, restarted by the supervisor if it dies); main creates a
// MessageChannelMain per window and hands one end to the session process and the other to the page, so pixels,
// acks, keys and pointer never pass through main. Main keeps windows, menus, dialogs and routing only.
import {
  app,
  BrowserWindow,
  clipboard,
  ClipboardItem,
  dialog,
  ipcMain,
  Menu,
  session as electronSession,
} from 'electron';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import type { SendKeyCombo, ViewCommand } from '../../shared/contract';
import { pickLocale, translatorFor } from '../../shared/i18n';
import type { Settings } from '../../shared/settings';
import { routeProcessMessage, type DesktopShell } from '../ipc/desktop-routing';
import { OsClipboardSync } from '../ipc/os-clipboard-sync';
import { routeDroppedFiles } from '../ipc/dropped-files';
import { DROP_CHANNEL } from '../../shared/desktop-drop';
import { SessionSupervisor } from '../ipc/session-supervisor';
import type { Logger } from '../spice/logger';
import { WindowManager } from '../windows/window-manager';
import { hardenSession } from '../windows/hardening';
import { APP_SCHEME, registerAppScheme, serveRenderer } from './app-protocol';
import { autoResizeLaunchOption, launchTarget, usbLaunchOptions, userArgs } from './launch-args';
import type { LaunchTarget } from './launch-args';
import { menuTemplate } from './menu-template';
import { agentMenu, withAgentMenu, type AgentMenuState } from './agent-menu';
import { launchUtilitySessionProcess } from './session-process';

const consoleLogger: Logger = {
  debug: (m, f) => {
    if (process.env.SAFFRON_DEBUG) console.debug(m, f ?? '');
  },
  info: (m, f) => console.info(m, f ?? ''),
  warn: (m, f) => console.warn(m, f ?? ''),
  error: (m, f) => console.error(m, f ?? ''),
};

/** How often the OS clipboard's stamp is looked at while a window has focus. */
const CLIPBOARD_POLL_MS = 500;

/** URL schemes the app registers for (spice-common docs/spice_uri_scheme.txt; spice+udpack: docs/udpack.md). */
export const URL_SCHEMES = ['spice', 'spice+tls', 'spice+unix', 'spice+udpack'] as const;

export function startApp(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const logger = consoleLogger;
  const bundleDir = __dirname; // dist/main
  const rendererDir = join(bundleDir, '..', 'renderer');
  const preloadPath = join(bundleDir, '..', 'preload', 'index.cjs');
  const iconPath = join(bundleDir, '..', '..', 'resources', 'icons', '512x512.png');

  const sessionProcessPath = join(bundleDir, '..', 'session-process.cjs');

  let windows: WindowManager | undefined;
  let pending: LaunchTarget | undefined = launchTarget(userArgs(process.argv, app.isPackaged), process.cwd());
  const usbLaunch = usbLaunchOptions(userArgs(process.argv, app.isPackaged), process.cwd(), (problem) =>
    logger.warn(problem),
  );
  const autoResize = autoResizeLaunchOption(userArgs(process.argv, app.isPackaged), (problem) =>
    logger.warn(problem),
  );
  let nextViewId = 1;
  let userSettings: Settings | undefined;
  let setMenu = (): void => {};

  // Electron's async clipboard; `.selection` is X11/Wayland PRIMARY (Linux only).
  const board = (s: 'clipboard' | 'primary') => (s === 'primary' ? clipboard.selection : clipboard);
  const clipboardSync = new OsClipboardSync(
    {
      has: (s) => s === 'clipboard' || process.platform === 'linux',
      stamp: async (s) => `${await board(s).has('image/png')}|${await board(s).readText()}`,
      readText: (s) => board(s).readText(),
      readPng: async (s) => {
        for (const item of await board(s).read())
          if (item.types.includes('image/png'))
            return new Uint8Array(await (await item.getType('image/png')).arrayBuffer());
        return new Uint8Array(0);
      },
      writeText: (s, text) => board(s).writeText(text),
      writePng: (s, png) =>
        board(s).write([new ClipboardItem({ 'image/png': new Blob([png], { type: 'image/png' }) })]),
    },
    (message) => supervisor.send(message),
    (message) => logger.warn(message),
  );
  app.on('browser-window-focus', () => clipboardSync.check());
  // Electron has no clipboard-change event: while one of our windows has focus, a cheap stamp is polled.
  const clipboardPoll = setInterval(() => {
    if (BrowserWindow.getFocusedWindow()) clipboardSync.poll();
  }, CLIPBOARD_POLL_MS);
  app.on('before-quit', () => clearInterval(clipboardPoll));
  let agentState: AgentMenuState = {
    settings: { autoResize: autoResize ?? true, clipboardToGuest: true, clipboardToHost: true },
    displays: [true],
    connected: false,
  };
  let rebuildMenu: () => void = () => {};
  const shell: DesktopShell = {
    agentState: (state) => {
      agentState = state;
      rebuildMenu();
    },
    setMonitorCount: (count) => windows?.setMonitorCount(count),
    toggleFullscreen: (monitor, on) => windows?.toggleFullscreen(monitor, on),
    send: (message) => supervisor.send(message),
    showError: (message, detail) => void dialog.showMessageBox({ type: 'error', message, detail }),
    settingsChanged: (settings) => {
      userSettings = settings;
      setMenu();
    },
    chooseFile: async (title, filters) => {
      const win = windows?.mainWindow();
      const options = { title, filters, properties: ['openFile' as const] };
      const r = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      return r.canceled ? undefined : r.filePaths[0];
    },
    run: (file, args) =>
      new Promise<void>((resolve, reject) => {
        execFile(file, args, { timeout: 120_000 }, (error, _stdout, stderr) =>
          error ? reject(new Error(stderr.trim() || error.message)) : resolve(),
        );
      }),
    clipboard: clipboardSync,
    pickFiles: () =>
      void dialog
        .showOpenDialog({ title: 'Send files to the guest', properties: ['openFile', 'multiSelections'] })
        .then((r) => {
          if (!r.canceled && r.filePaths.length > 0) supervisor.send({ t: 'send-files', paths: r.filePaths });
        }),
  };
  const supervisor = new SessionSupervisor({
    launch: () => launchUtilitySessionProcess(sessionProcessPath),
    init: {
      shell: 'electron',
      recentFile: join(app.getPath('userData'), 'recent.json'),
      settingsFile: join(app.getPath('userData'), 'settings.json'),
      debug: Boolean(process.env.SAFFRON_DEBUG),
      usb: usbLaunch,
      ...(autoResize !== undefined ? { agent: { autoResize } } : {}),
    },
    onMessage: (message) => void routeProcessMessage(message, shell),
    onRestart: () => windows?.reattachAll(),
    onGiveUp: (reason) => shell.showError('The session process keeps stopping', reason),
    logger,
  });

  const open = (target: LaunchTarget): void => {
    if (!windows) {
      pending = target;
      return;
    }
    const main = windows.mainWindow();
    if (main.isMinimized()) main.restore();
    main.focus();
    supervisor.send({ t: 'open', target: target.kind === 'uri' ? target.uri : target.path });
  };

  // macOS delivers files and URLs through events, possibly before 'ready'.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    open({ kind: 'vv', path });
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    open({ kind: 'uri', uri: url });
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const target = launchTarget(userArgs(argv, app.isPackaged), workingDirectory);
    if (target) open(target);
    else windows?.mainWindow().focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  // Files dropped on a window, by path (preload/index.ts): to the guest, or a .vv opened from disk.
  ipcMain.on(DROP_CHANNEL, (event, payload: unknown) => {
    const monitor = windows?.monitorOf(event.sender);
    if (monitor === undefined) return;
    const action = routeDroppedFiles(payload, event.senderFrame?.url, monitor);
    if (action.kind === 'guest') supervisor.send(action.message);
    else if (action.kind === 'open') open({ kind: 'vv', path: action.vvPath });
    else logger.warn(`ignored dropped files: ${action.reason}`);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => supervisor.close());

  void app.whenReady().then(() => {
    for (const scheme of URL_SCHEMES) {
      if (app.isPackaged) app.setAsDefaultProtocolClient(scheme);
    }
    hardenSession(electronSession.defaultSession);
    serveRenderer(rendererDir);
    supervisor.start();
    windows = new WindowManager({
      attachView: (monitor, port) => {
        const viewId = nextViewId++;
        supervisor.send({ t: 'attach', viewId, monitor }, [port]);
        return () => supervisor.send({ t: 'detach', viewId });
      },
      preloadPath,
      pageUrl: `${APP_SCHEME}://app/index.html`,
      iconPath,
      onMainWindowClosed: () => app.quit(),
    });
    const actions = {
      openFile: () => {
        const win = windows?.mainWindow();
        if (!win) return;
        void dialog
          .showOpenDialog(win, {
            title: 'Open a connection file',
            filters: [{ name: 'Connection files', extensions: ['vv'] }],
            properties: ['openFile'],
          })
          .then((r) => {
            const path = r.filePaths[0];
            if (!r.canceled && path) open({ kind: 'vv', path });
          });
      },
      disconnect: () => supervisor.send({ t: 'disconnect' }),
      reconnect: () => supervisor.send({ t: 'reconnect' }),
      quit: () => app.quit(),
      viewCommand: (command: ViewCommand) => {
        const monitor = windows?.focusedMonitor() ?? 0;
        if (command === 'fullscreen') windows?.toggleFullscreen(monitor);
        else supervisor.send({ t: 'command', command, monitor });
      },
      sendKeys: (combo: SendKeyCombo) => supervisor.send({ t: 'send-keys', combo }),
      about: () =>
        void dialog.showMessageBox({
          type: 'info',
          message: `Saffron ${app.getVersion()}`,
          detail: 'A remote viewer for SPICE virtual machines.',
        }),
    };
    // The menus speak the user's language (settings, else the OS locale), show their shortcuts, and carry the
    // Guest menu built from the session's agent settings.
    setMenu = () => {
      const language = userSettings?.language ?? 'system';
      const locale = language === 'system' ? pickLocale([app.getLocale()]) : language;
      const options = { translator: translatorFor(locale), shortcuts: userSettings?.shortcuts ?? {} };
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          withAgentMenu(
            menuTemplate(actions, process.platform === 'darwin', options),
            agentMenu(agentState, {
              setting: (settings) => supervisor.send({ t: 'agent-settings', settings }),
              display: (display, enabled) => supervisor.send({ t: 'display-enable', display, enabled }),
              sendFiles: () => shell.pickFiles?.(),
            }),
          ),
        ),
      );
    };
    rebuildMenu = setMenu;
    setMenu();
    windows.mainWindow();
    const target = pending;
    pending = undefined;
    if (target) open(target);
  });
}
