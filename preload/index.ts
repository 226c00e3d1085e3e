// The preload (bundled to dist/preload/index.cjs, runs sandboxed in the isolated world). Two jobs:
// - hand the window's MessagePort, which main sends after the page loaded, on to the page's main world with
//   window.postMessage (Electron's documented way: the port then lives in the page, so no contextBridge sits between
//   the page and the session process copying every message);
// - one narrow API on `window.saffronDesktop`: `dropFiles(files, purpose)` turns File objects the user dropped into
//   their paths (webUtils.getPathForFile; a File the page made itself has none) and sends them to main
//   (shared/desktop-drop.ts), which checks sender and payload. No ipcRenderer reaches the page.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { VIEW_PORT_CHANNEL, VIEW_PORT_MESSAGE } from '../shared/contract';
import { DESKTOP_API_NAME, DROP_CHANNEL, DROP_LIMITS } from '../shared/desktop-drop';

const loaded = new Promise<void>((resolve) => {
  if (document.readyState === 'complete') resolve();
  else window.addEventListener('load', () => resolve(), { once: true });
});

ipcRenderer.on(VIEW_PORT_CHANNEL, (event) => {
  const ports = [...event.ports];
  if (ports.length !== 1) return;
  // '/': this document's own origin, whatever it is (the message goes to this same window only).
  void loaded.then(() => window.postMessage(VIEW_PORT_MESSAGE, '/', ports));
});

contextBridge.exposeInMainWorld(DESKTOP_API_NAME, {
  /** Sends the paths of dropped files to main; returns how many had a path (0: nothing was sent). */
  dropFiles(files: unknown, purpose: unknown): number {
    if (!Array.isArray(files) || (purpose !== 'guest' && purpose !== 'open')) return 0;
    const paths: string[] = [];
    for (const file of files.slice(0, DROP_LIMITS.maxPaths)) {
      if (!(file instanceof File)) continue;
      const path = webUtils.getPathForFile(file);
      if (path) paths.push(path);
    }
    if (paths.length > 0) ipcRenderer.send(DROP_CHANNEL, { purpose, paths });
    return paths.length;
  },
});
