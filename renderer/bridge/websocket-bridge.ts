// The `saffron web` bridge: a WebSocket to the server, which forwards it to the session process. Requests go as
// JSON text frames ({method, payload}) or binary data frames (bulk bytes: shared/data-frame.ts); messages arrive as JSON text or binary pixel frames (shared/port-codec.ts,
// whose decoder checks every length and runs the contract's guards).
import type { PortMessage } from '../../shared/contract';
import type { RequestEnvelope } from '../../shared/contract';
import { decodePortMessage, encodeRequest } from '../../shared/port-codec';
import type { Bridge } from './bridge';
import { Listeners } from './bridge';

export function createWebSocketBridge(url: string): Bridge {
  const messages = new Listeners<PortMessage>();
  const lost = new Listeners<string>();
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const queue: (string | Uint8Array)[] = [];
  socket.addEventListener('open', () => {
    for (const text of queue.splice(0)) socket.send(text);
  });
  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    const message = decodePortMessage(event.data);
    if (message) messages.emit(message);
    else console.warn('dropped a malformed message from the server');
  });
  socket.addEventListener('close', (event) => {
    lost.emit(event.reason || `the connection to the Saffron server closed (code ${event.code})`);
  });
  return {
    request: (method, payload) => {
      // JSON text, or a binary data frame for requests that carry bytes (file blocks, clipboard pieces).
      const text = encodeRequest({ method, payload } as RequestEnvelope);
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else if (socket.readyState === WebSocket.CONNECTING) queue.push(text);
    },
    onMessage: (listener) => messages.add(listener),
    onLinkLost: (listener) => lost.add(listener),
  };
}
