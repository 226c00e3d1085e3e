// Bridge over the Electron preload API (window.saffron, typed by shared/ipc.ts SaffronApi).
import type { SaffronApi } from '../../shared/ipc';
import type { Bridge } from './bridge';
import { Listeners } from './bridge';

export function electronApi(): SaffronApi | undefined {
  const api = (globalThis as { saffron?: SaffronApi }).saffron;
  return api && typeof api.onMessage === 'function' ? api : undefined;
}

export function createElectronBridge(api: SaffronApi): Bridge {
  const lost = new Listeners<string>();
  return {
    request: (method, payload) => {
      // Each preload method validates nothing itself: main validates sender and payload.
      (api[method] as (p: typeof payload) => void)(payload);
    },
    onMessage: (listener) => api.onMessage(listener),
    onLinkLost: (listener) => lost.add(listener),
  };
}
