// The `saffron web` bridge: a WebSocket to the server, which forwards it to the session process. Requests go as
// JSON text frames ({method, payload}; microphone samples as binary frames, port-codec.ts); messages arrive as JSON text or binary pixel frames (shared/port-codec.ts,
// whose decoder checks every length and runs the contract's guards).
import type { PortMessage, RequestEnvelope } from '../../shared/contract';
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
    for (const frame of queue.splice(0)) socket.send(frame);
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
      const frame = encodeRequest({ method, payload } as RequestEnvelope);
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else if (socket.readyState === WebSocket.CONNECTING && typeof frame === 'string') queue.push(frame);
    },
    onMessage: (listener) => messages.add(listener),
    onLinkLost: (listener) => lost.add(listener),
  };
}
