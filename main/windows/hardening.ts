// Electron security settings for every window (Electron's security checklist): isolated, sandboxed renderer
// without Node; no navigation away from the app, no new windows, no permissions beyond what the viewer uses.
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { isAppUrl } from '../ipc/app-origin';

export function secureWebPreferences(
  preloadPath: string,
): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    backgroundThrottling: false,
    // The VM's sound plays as soon as it comes (the user chose to connect); the microphone still needs consent.
    autoplayPolicy: 'no-user-gesture-required',
  };
}

/** Permissions the renderer may use: pointer lock (server mouse mode), fullscreen, keyboard lock, clipboard write of screenshots is not needed. */
const ALLOWED_PERMISSIONS = new Set(['pointerLock', 'fullscreen', 'keyboardLock']);

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const ours = isAppUrl(details.requestingUrl ?? webContents.getURL());
    // The microphone for the VM's record channel (docs/audio.md): audio only, our own pages only. The page asks
    // only after the user enabled the microphone and the VM records.
    if (permission === 'media') {
      const types = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
      callback(ours && types.length > 0 && types.every((t) => t === 'audio'));
      return;
    }
    callback(ALLOWED_PERMISSIONS.has(permission) && ours);
  });
  session.setPermissionCheckHandler(
    (_webContents, permission, requestingOrigin, details) =>
      isAppUrl(requestingOrigin) &&
      (ALLOWED_PERMISSIONS.has(permission) || (permission === 'media' && details.mediaType === 'audio')),
  );
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
