// The desktop app's bridge: the window's MessagePort, handed to this main world by the preload (window.postMessage
// with VIEW_PORT_MESSAGE) once the page has loaded — again after a reload or when the session process was
// replaced, and each new port replaces the old one. Requests made before a port arrived wait for it. Messages are
// structured clones; each passes the contract's guards before the app sees it.
import type { PortMessage, RequestEnvelope } from '../../shared/contract';
import { VIEW_PORT_MESSAGE } from '../../shared/contract';
import { isPortMessage } from '../../shared/contract-guards';
import type { Bridge } from './bridge';
import { Listeners } from './bridge';

/** Requests kept while no port has arrived yet (a view re-sends its state on viewReady anyway). */
const MAX_QUEUED = 256;

export function createPortBridge(target: Window): Bridge {
  const messages = new Listeners<PortMessage>();
  const lost = new Listeners<string>();
  let port: MessagePort | undefined;
  const queue: RequestEnvelope[] = [];

  target.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== target || event.data !== VIEW_PORT_MESSAGE) return;
    const next = event.ports[0];
    if (!next) return;
    port?.close();
    port = next;
    port.onmessage = (m: MessageEvent) => {
      if (isPortMessage(m.data)) messages.emit(m.data);
      else console.warn('dropped a malformed message from the session');
    };
    for (const request of queue.splice(0)) port.postMessage(request);
  });

  return {
    request: (method, payload) => {
      const envelope = { method, payload } as RequestEnvelope;
      if (port) port.postMessage(envelope);
      else if (queue.length < MAX_QUEUED) queue.push(envelope);
    },
    onMessage: (listener) => messages.add(listener),
    onLinkLost: (listener) => lost.add(listener),
  };
}
