// Connects the RequestRouter to Electron's ipcMain: one channel per request method of shared/ipc.ts
// ("saffron:<method>"). Rejected requests are logged once per kind, never acted on.
import { ipcMain } from 'electron';
import type { IpcMainEvent } from 'electron';
import { REQUEST_METHODS, requestChannel } from '../../shared/ipc';
import type { Logger } from '../spice/logger';
import type { RequestRouter } from './request-router';

export function bindIpc(router: RequestRouter, logger: Logger): () => void {
  const warned = new Set<string>();
  const channels: string[] = [];
  for (const method of REQUEST_METHODS) {
    const channel = requestChannel(method);
    channels.push(channel);
    ipcMain.on(channel, (event: IpcMainEvent, payload: unknown) => {
      const frame = event.senderFrame;
      const result = router.route(
        {
          webContentsId: event.sender.id,
          frameUrl: frame?.url,
          isMainFrame: frame !== null && frame !== undefined && frame.parent === null,
        },
        method,
        payload,
      );
      if (result !== 'ok' && !warned.has(`${method}:${result}`)) {
        warned.add(`${method}:${result}`);
        logger.warn(`rejected IPC ${method}: ${result}`);
      }
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeAllListeners(channel);
  };
}
