// A view carried by a message port (the desktop app: one Electron MessagePort per window, its other end in the
// page's main world): requests arrive as structured clones and are guarded before anything acts on them; messages
// leave as structured clones (the only copy of the pixels on the way to the page is that process crossing).
// The port type is structural, so this runs — and is tested — in plain Node with node:worker_threads ports.
import type { PortMessage } from '../../shared/contract';
import { parseRequest } from '../../shared/contract-guards';
import type { Logger } from '../spice/logger';
import type { SessionService, ViewHandle } from './session-service';

/** The part of Electron's MessagePortMain (and node:worker_threads' MessagePort) used here. */
export interface PortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start?(): void;
  close(): void;
}

/** Attaches a view of `monitor` fed by `port`; returns its handle (detached when the port closes). */
export function attachPortView(
  service: SessionService,
  monitor: number,
  port: PortLike,
  logger: Logger,
): ViewHandle {
  let warned = false;
  const view = service.attachView(monitor, { send: (message: PortMessage) => port.postMessage(message) });
  port.on('message', (event) => {
    const request = parseRequest(event.data);
    if (request) view.receive(request);
    else if (!warned) {
      warned = true;
      logger.warn('dropped an invalid request from a window (logged once per window)');
    }
  });
  port.on('close', () => view.detach());
  port.start?.();
  return view;
}
