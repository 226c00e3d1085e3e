// The preload (bundled to dist/preload/index.cjs, runs sandboxed in the isolated world): its only job is to hand the
// window's MessagePort, which main sends after the page loaded, on to the page's main world with window.postMessage
// (Electron's documented way: the port then lives in the page, so no contextBridge sits between the page and the
// session process copying every message). Nothing is exposed on `window`; no ipcRenderer reaches the page.
import { ipcRenderer } from 'electron';
import { VIEW_PORT_CHANNEL, VIEW_PORT_MESSAGE } from '../shared/contract';

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
