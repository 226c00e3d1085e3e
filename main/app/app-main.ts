// The Electron application: single instance; opens a spice:// URI or .vv file from the command line, the OS
// (open-file, open-url, second-instance) or a drop on the window; one window per guest monitor; menus. The SPICE
// session is the plain-Node SessionService; each window's page talks to it over its own MessagePort.
import { app, dialog, Menu, session as electronSession } from 'electron';
import { join } from 'node:path';
import { SessionService } from '../session/session-service';
import { realSessionDeps } from '../session/session-wiring';
import { attachPortView } from '../session/port-view';
import { fileRecentStore } from '../session/bridges/recent-store';
import type { Logger } from '../spice/logger';
import { WindowManager } from '../windows/window-manager';
import { hardenSession } from '../windows/hardening';
import { APP_SCHEME, registerAppScheme, serveRenderer } from './app-protocol';
import { launchTarget, userArgs } from './launch-args';
import type { LaunchTarget } from './launch-args';
import { menuTemplate } from './menu-template';

const consoleLogger: Logger = {
  debug: (m, f) => {
    if (process.env.SAFFRON_DEBUG) console.debug(m, f ?? '');
  },
  info: (m, f) => console.info(m, f ?? ''),
  warn: (m, f) => console.warn(m, f ?? ''),
  error: (m, f) => console.error(m, f ?? ''),
};

/** URL schemes the app registers for (spice-common docs/spice_uri_scheme.txt). */
export const URL_SCHEMES = ['spice', 'spice+tls', 'spice+unix'] as const;

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

  let windows: WindowManager | undefined;
  let pending: LaunchTarget | undefined = launchTarget(userArgs(process.argv, app.isPackaged), process.cwd());

  const host = new SessionService({
    ...realSessionDeps(logger, process.env),
    logger,
    shell: 'electron',
    recent: fileRecentStore(join(app.getPath('userData'), 'recent.json')),
    events: {
      monitorCount: (count) => windows?.setMonitorCount(count),
      command: (monitor, command, on) => {
        if (command === 'fullscreen') windows?.toggleFullscreen(monitor, on);
        else host.command(command, monitor);
      },
      openFailed: (message) =>
        void dialog.showMessageBox({ type: 'error', message: 'Cannot open the connection', detail: message }),
      connecting: () => {},
    },
  });

  const open = (target: LaunchTarget): void => {
    if (!windows) {
      pending = target;
      return;
    }
    const main = windows.mainWindow();
    if (main.isMinimized()) main.restore();
    main.focus();
    void host.open(target.kind === 'uri' ? target.uri : target.path);
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
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => host.close());

  void app.whenReady().then(() => {
    for (const scheme of URL_SCHEMES) {
      if (app.isPackaged) app.setAsDefaultProtocolClient(scheme);
    }
    hardenSession(electronSession.defaultSession);
    serveRenderer(rendererDir);
    windows = new WindowManager({
      attachView: (monitor, port) => {
        const view = attachPortView(host, monitor, port, logger);
        return () => {
          view.detach();
          port.close();
        };
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
      disconnect: () => host.disconnect(),
      reconnect: () => host.reconnect(),
      quit: () => app.quit(),
      viewCommand: (command: Parameters<typeof host.command>[0]) => {
        const monitor = windows?.focusedMonitor() ?? 0;
        if (command === 'fullscreen') windows?.toggleFullscreen(monitor);
        else host.command(command, monitor);
      },
      sendKeys: (combo: Parameters<typeof host.sendKeys>[0]) => host.sendKeys(combo),
      about: () =>
        void dialog.showMessageBox({
          type: 'info',
          message: `Saffron ${app.getVersion()}`,
          detail: 'A remote viewer for SPICE virtual machines.',
        }),
    };
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, process.platform === 'darwin')));
    windows.mainWindow();
    const target = pending;
    pending = undefined;
    if (target) open(target);
  });
}
