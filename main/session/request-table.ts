// The typed request table of the session process: method → the one handler that answers it, collected from the
// bridges at construction. A method claimed twice, or claimed by nobody, is an error when the table is built (so
// a feature that adds a request to the contract without a handler fails every test that starts a session).
import type { RequestMap, RequestMethod } from '../../shared/contract';
import { REQUEST_METHODS } from '../../shared/contract';
import type { RequestHandler, RequestHandlers, SessionBridge, ViewPort } from './session-bridge';

export class RequestTable {
  private readonly handlers: RequestHandlers;

  constructor(bridges: readonly SessionBridge[]) {
    const table: Partial<Record<RequestMethod, { bridge: string; handler: RequestHandler<never> }>> = {};
    for (const bridge of bridges) {
      for (const [method, handler] of Object.entries(bridge.handlers ?? {})) {
        const m = method as RequestMethod;
        const owner = table[m];
        if (owner) throw new Error(`request '${m}' is handled by both ${owner.bridge} and ${bridge.name}`);
        table[m] = { bridge: bridge.name, handler };
      }
    }
    const missing = REQUEST_METHODS.filter((m) => !table[m]);
    if (missing.length > 0) throw new Error(`no bridge handles the request(s) ${missing.join(', ')}`);
    this.handlers = Object.fromEntries(
      Object.entries(table).map(([m, entry]) => [m, entry.handler]),
    ) as unknown as RequestHandlers;
  }

  /** Runs the handler of a request whose payload has already passed its guard. */
  dispatch<M extends RequestMethod>(method: M, payload: RequestMap[M], view: ViewPort): void {
    (this.handlers[method] as RequestHandler<M>)(payload, view);
  }
}
