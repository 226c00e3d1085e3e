// How the renderer talks to the session side: one interface, two implementations (the Electron preload's
// window.saffron, and a WebSocket to `saffron web`). Everything above this file is shell-agnostic.
import type { RequestMap, RequestMethod, ViewMessage } from '../../shared/ipc';

export interface Bridge {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** Subscribes to view messages; returns an unsubscribe function. */
  onMessage(listener: (message: ViewMessage) => void): () => void;
  /** Called when the link to the session side is lost for good (web: socket closed). */
  onLinkLost(listener: (reason: string) => void): () => void;
}

/** A small listener list shared by both bridges. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (e) {
        console.error('listener failed', e);
      }
    }
  }
}
