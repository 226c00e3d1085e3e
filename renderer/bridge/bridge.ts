// How the page talks to the session process: one interface, two carriers of the same contract (shared/contract.ts) —
// the window's MessagePort in the desktop app (port-bridge.ts), a WebSocket to `saffron web` (websocket-bridge.ts).
// Both check every inbound message with the contract's guards. Everything above this file is shell-agnostic.
import type { PortMessage, RequestMap, RequestMethod } from '../../shared/contract';

export interface Bridge {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** Subscribes to messages; returns an unsubscribe function. */
  onMessage(listener: (message: PortMessage) => void): () => void;
  /** Called when the link to the session side is lost for good (web: the socket closed). */
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
