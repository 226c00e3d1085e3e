// The session process's link to the Electron main process (inside a utilityProcess): control messages through
// process.parentPort, each window's MessagePort transferred with its 'attach' message. Typed structurally: the
// session process never imports Electron.
import type { ProcessMessage } from '../../ipc/host-protocol';
import type { Logger } from '../../spice/logger';
import { attachPortView, type PortLike } from '../port-view';
import type { ParentLink } from './parent-link';

/** The part of Electron's `process.parentPort` used here. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: readonly PortLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

export function electronParentLink(parentPort: ParentPortLike, logger: () => Logger): ParentLink {
  return {
    onMessage: (listener) => parentPort.on('message', (event) => listener(event.data, event.ports ?? [])),
    send: (message: ProcessMessage) => parentPort.postMessage(message),
    attachView: (service, _viewId, monitor, ports) => {
      const port = ports[0];
      return port ? attachPortView(service, monitor, port, logger()) : undefined;
    },
    // The utility process ends with the app.
    onClose: () => {},
    close: () => {},
  };
}
