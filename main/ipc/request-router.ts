// Main-side gatekeeper for renderer requests (Electron IPC): a request is acted on only if it comes from a
// known window's top frame, loaded from the app's own origin, and its payload passes shared/ipc-guards.ts.
// Pure (no Electron import) so it is unit-tested directly; main/ipc/ipc-binding.ts connects it to ipcMain.
import { isRequestMethod, isValidRequest } from '../../shared/ipc-guards';
import type { ViewHandle } from '../display-stream/session-host';

export const APP_ORIGIN = 'saffron-app://app';

export interface RequestSender {
  /** webContents.id of the sender. */
  webContentsId: number;
  /** URL of the sending frame (event.senderFrame.url). */
  frameUrl: string | undefined;
  /** The sending frame is the top frame of its page. */
  isMainFrame: boolean;
}

export type RouteResult = 'ok' | 'unknown-sender' | 'bad-origin' | 'bad-method' | 'bad-payload';

export class RequestRouter {
  private readonly views = new Map<number, ViewHandle>();

  /** Registers the view handle of a window's webContents (replacing any previous one). */
  register(webContentsId: number, view: ViewHandle): void {
    this.views.get(webContentsId)?.detach();
    this.views.set(webContentsId, view);
  }

  unregister(webContentsId: number): void {
    this.views.get(webContentsId)?.detach();
    this.views.delete(webContentsId);
  }

  route(sender: RequestSender, method: unknown, payload: unknown): RouteResult {
    const view = this.views.get(sender.webContentsId);
    if (!view) return 'unknown-sender';
    if (!sender.isMainFrame || !isAppUrl(sender.frameUrl)) return 'bad-origin';
    if (!isRequestMethod(method)) return 'bad-method';
    if (!isValidRequest(method, payload)) return 'bad-payload';
    view.request(method, payload);
    return 'ok';
  }
}

export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}
