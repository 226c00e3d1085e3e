// The preload (bundled to dist/preload/index.cjs, runs sandboxed): exposes window.saffron, one method per
// request of the shared contract (generated from REQUEST_METHODS), plus onMessage for the view port's messages.
// No ipcRenderer, event objects or ports ever reach the page.
import { contextBridge, ipcRenderer } from 'electron';
import { REQUEST_METHODS, requestChannel, VIEW_PORT_CHANNEL } from '../shared/ipc';
import type { SaffronApi, SaffronRequestApi, ViewMessage } from '../shared/ipc';

const listeners = new Set<(message: ViewMessage) => void>();
/** Messages that arrived before the page subscribed (bounded: a view re-sends its state on viewReady). */
const early: ViewMessage[] = [];
const MAX_EARLY = 256;
let port: MessagePort | undefined;

function deliver(message: ViewMessage): void {
  if (listeners.size === 0) {
    if (early.length < MAX_EARLY) early.push(message);
    return;
  }
  for (const listener of listeners) listener(message);
}

ipcRenderer.on(VIEW_PORT_CHANNEL, (event) => {
  const next = event.ports[0];
  if (!next) return;
  port?.close();
  port = next;
  port.onmessage = (e: MessageEvent<ViewMessage>) => deliver(e.data);
  port.start();
});

const requests = Object.fromEntries(
  REQUEST_METHODS.map((method) => [
    method,
    (payload: unknown) => ipcRenderer.send(requestChannel(method), payload),
  ]),
) as unknown as SaffronRequestApi;

const api: SaffronApi = {
  ...requests,
  onMessage(listener) {
    listeners.add(listener);
    for (const message of early.splice(0)) listener(message);
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('saffron', api);
