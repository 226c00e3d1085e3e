// The `saffron web` bridge: a WebSocket to the server, which forwards it to the session process. Requests go as
// JSON text frames ({method, payload}) or binary data frames (bulk bytes: shared/data-frame.ts); messages arrive as JSON text or binary pixel frames (shared/port-codec.ts,
// whose decoder checks every length and runs the contract's guards), binary ones deflated (inflate-frame.ts).
import type { PortMessage } from '../../shared/contract';
import type { RequestEnvelope } from '../../shared/contract';
import { decodePortMessage, encodeRequest, isDeflatedFrame } from '../../shared/port-codec';
import { inflateFrame } from './inflate-frame';
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
  const deliver = (data: string | ArrayBuffer | Uint8Array | undefined): void => {
    const message = data === undefined ? undefined : decodePortMessage(data);
    if (message) messages.emit(message);
    else console.warn('dropped a malformed message from the server');
  };
  // Deflated frames inflate asynchronously; everything after one waits for it, so messages keep their order.
  let inflating: Promise<void> | undefined;
  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    const data = event.data;
    const bytes = typeof data === 'string' ? undefined : new Uint8Array(data);
    if (!inflating && !(bytes && isDeflatedFrame(bytes))) {
      deliver(data);
      return;
    }
    const step = (inflating ?? Promise.resolve())
      .then(async () => deliver(bytes && isDeflatedFrame(bytes) ? await inflateFrame(bytes) : data))
      .catch(() => console.warn('dropped a message from the server that could not be inflated'));
    inflating = step;
    void step.finally(() => {
      if (inflating === step) inflating = undefined;
    });
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
