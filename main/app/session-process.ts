// Starts the desktop app's session process with Electron's utilityProcess (a Node process Chromium manages, with a
// parentPort to main). Thin glue: the restart policy and the control protocol are main/ipc/session-supervisor.ts
// and main/ipc/host-protocol.ts, tested under plain Node.
import { utilityProcess } from 'electron';
import type { MessagePortMain } from 'electron';
import { isProcessMessage, type ProcessMessage } from '../ipc/host-protocol';
import type { SessionProcessLink } from '../ipc/session-supervisor';

export function launchUtilitySessionProcess(entryPath: string): SessionProcessLink {
  const child = utilityProcess.fork(entryPath, [], { serviceName: 'Saffron session', stdio: 'inherit' });
  const messageListeners: ((m: ProcessMessage) => void)[] = [];
  const exitListeners: ((reason: string) => void)[] = [];
  let exited: string | undefined;
  child.on('message', (message: unknown) => {
    if (!isProcessMessage(message)) return;
    for (const listener of messageListeners) listener(message);
  });
  child.on('exit', (code) => {
    exited = `exited with code ${code}`;
    for (const listener of exitListeners) listener(exited);
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message, transfer) => child.postMessage(message, (transfer ?? []) as MessagePortMain[]),
    onMessage: (listener) => messageListeners.push(listener),
    onExit: (listener) => (exited !== undefined ? listener(exited) : exitListeners.push(listener)),
    kill: () => {
      if (exited === undefined) child.kill();
    },
  };
}
