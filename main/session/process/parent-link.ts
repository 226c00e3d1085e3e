// The session process's link to its shell, as run.ts uses it; socket-link.ts (a Node child of `saffron web` or a
// test) and electron-link.ts (Electron's utilityProcess) implement it.
import type { ProcessMessage } from '../../ipc/host-protocol';
import type { PortLike } from '../port-view';
import type { SessionService, ViewHandle } from '../session-service';

export interface ParentLink {
  /** Control messages from the shell (not yet validated) and the ports transferred with them. */
  onMessage(listener: (message: unknown, ports: readonly PortLike[]) => void): void;
  send(message: ProcessMessage): void;
  /** Connects a view's traffic to the service: its port (Electron) or its frames on the socket (Node child). */
  attachView(
    service: SessionService,
    viewId: number,
    monitor: number,
    ports: readonly PortLike[],
  ): ViewHandle | undefined;
  /** The shell is gone. */
  onClose(listener: () => void): void;
  close(): void;
}
