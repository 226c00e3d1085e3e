// The session process (bundled to dist/session-process.cjs): the SPICE session and its display streams, in a
// process of their own so that neither a busy session nor a crash in it can freeze or take down the app or the
// `saffron web` server. Electron starts it with utilityProcess.fork (it then has process.parentPort); `saffron web`
// and the tests start it as a Node child with a socket on fd 3 (SAFFRON_SESSION_FD). This file only picks the link
// and runs run.ts; an exception nobody caught ends the process (the shell starts a new one and says so).
import { Socket } from 'node:net';
import { errorMessage } from '../../spice/errors';
import { electronParentLink, type ParentPortLike } from './electron-link';
import type { ParentLink } from './parent-link';
import { runSessionProcess } from './run';
import { socketParentLink } from './socket-link';

const EXIT_UNCAUGHT = 70;

function parentLink(): ParentLink {
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) return electronParentLink(parentPort, () => running.logger);
  const fd = Number(process.env.SAFFRON_SESSION_FD);
  if (!Number.isInteger(fd) || fd < 3) {
    process.stderr.write(
      'saffron session process: started without a link to its shell (SAFFRON_SESSION_FD)\n',
    );
    process.exit(2);
  }
  return socketParentLink(new Socket({ fd, readable: true, writable: true }));
}

const link = parentLink();
const running = runSessionProcess(link, { env: process.env, onExit: () => process.exit(0) });
process.on('uncaughtException', (e) => {
  running.logger.error(`session process failure: ${errorMessage(e)}`);
  process.stderr.write(
    `saffron session process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(EXIT_UNCAUGHT);
});
