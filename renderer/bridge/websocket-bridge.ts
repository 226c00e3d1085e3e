// Bridge over a WebSocket to the `saffron web` server: requests as JSON text frames ({method, payload}),
// view messages as JSON text or binary pixel frames (shared/view-message-codec.ts).
import type { ViewMessage } from '../../shared/ipc';
import { decodeViewMessage } from '../../shared/view-message-codec';
import type { Bridge } from './bridge';
import { Listeners } from './bridge';

export function createWebSocketBridge(url: string): Bridge {
  const messages = new Listeners<ViewMessage>();
  const lost = new Listeners<string>();
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const queue: string[] = [];
  socket.addEventListener('open', () => {
    for (const text of queue.splice(0)) socket.send(text);
  });
  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    const message = decodeViewMessage(event.data);
    if (message) messages.emit(message);
    else console.warn('dropped a malformed message from the server');
  });
  socket.addEventListener('close', (event) => {
    lost.emit(event.reason || `the connection to the Saffron server closed (code ${event.code})`);
  });
  return {
    request: (method, payload) => {
      const text = JSON.stringify({ method, payload });
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else if (socket.readyState === WebSocket.CONNECTING) queue.push(text);
    },
    onMessage: (listener) => messages.add(listener),
    onLinkLost: (listener) => lost.add(listener),
  };
}
