// The shell's side of a session process reached over a byte socket (mux.ts): `saffron web` and the tests. Control
// messages are JSON frames; a view's frames are handed out as the fragments they arrived in, so the web server
// forwards pixels without joining or copying them. spawnSessionProcess() starts the real child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { SpiceError } from '../spice/errors';
import { isProcessMessage, type HostMessage, type ProcessMessage } from './host-protocol';
import { MuxReader, MuxType, muxFrame, wholeFrames, type MuxFragment } from './mux';
import type { SessionProcessLink } from './session-supervisor';

/** Largest control frame accepted from the session process. */
const MAX_CONTROL_BYTES = 4 * 1024 * 1024;

export interface SocketProcessLink extends SessionProcessLink {
  /** Every piece of every view frame (text or binary), in order. */
  onViewFragment(listener: (fragment: MuxFragment) => void): void;
  /** Forwards a view's request text (a WebSocket text frame, unparsed: the session process guards it). */
  sendViewText(viewId: number, text: Buffer | string): void;
  /** A view's binary request (a data frame: file blocks, clipboard pieces), unparsed. */
  sendViewBinary(viewId: number, bytes: Buffer): void;
  /** The view frame cut off when the process died (its WebSocket message must still be completed). */
  readonly pendingView: { type: number; viewId: number; remaining: number } | undefined;
}

export function socketProcessLink(
  socket: Duplex,
  process: { pid?: number | undefined; kill(): void; onExit(listener: (reason: string) => void): void },
): SocketProcessLink {
  const messageListeners: ((m: ProcessMessage) => void)[] = [];
  const viewListeners: ((f: MuxFragment) => void)[] = [];
  const control = wholeFrames(
    (_type, _viewId, payload) => {
      let value: unknown;
      try {
        value = JSON.parse(payload.toString('utf8'));
      } catch {
        value = undefined;
      }
      if (!isProcessMessage(value)) return; // a skewed or broken peer: ignored (never acted on)
      for (const listener of messageListeners) listener(value);
    },
    () => {},
    MAX_CONTROL_BYTES,
  );
  const reader = new MuxReader(
    (f) => {
      if (f.type === MuxType.control) control(f);
      else for (const listener of viewListeners) listener(f);
    },
    () => {
      socket.destroy();
      process.kill();
    },
  );
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.on('error', () => {});
  const write = (frame: Buffer): void => {
    if (!socket.destroyed) socket.write(frame);
  };
  return {
    pid: process.pid,
    send: (message: HostMessage) => write(muxFrame(MuxType.control, 0, JSON.stringify(message))),
    sendViewText: (viewId, text) => write(muxFrame(MuxType.text, viewId, text)),
    sendViewBinary: (viewId, bytes) => write(muxFrame(MuxType.binary, viewId, bytes)),
    onMessage: (listener) => messageListeners.push(listener),
    onViewFragment: (listener) => viewListeners.push(listener),
    onExit: (listener) => process.onExit(listener),
    kill: () => {
      socket.destroy();
      process.kill();
    },
    get pendingView() {
      return reader.pending;
    },
  };
}

/** Finds the session process entry: dist/session-process.cjs beside the running bundle, or the TypeScript entry. */
export function locateSessionProcess(): { path: string; execArgv: string[] } {
  const candidates: string[] = [];
  if (typeof __dirname === 'string')
    candidates.push(join(__dirname, 'session-process.cjs'), join(__dirname, '..', 'session-process.cjs'));
  const ts = resolve('main/session/process/entry.ts');
  for (const c of candidates) if (existsSync(c)) return { path: c, execArgv: [] };
  if (existsSync(ts)) return { path: ts, execArgv: ['--import', 'tsx'] };
  const built = resolve('dist/session-process.cjs');
  if (existsSync(built)) return { path: built, execArgv: [] };
  throw new SpiceError(
    'unsupported',
    `the session process entry was not found (looked in ${[...candidates, ts, built].map((c) => dirname(c)).join(', ')}); run npm run build`,
  );
}

/** How a process ended, for the user. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}

/** Starts a session process as a Node child with its socket on fd 3. */
export function spawnSessionProcess(entry = locateSessionProcess()): SocketProcessLink {
  const child = spawn(process.execPath, [...entry.execArgv, entry.path], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, SAFFRON_SESSION_FD: '3' },
  });
  const socket = child.stdio[3] as Duplex;
  const exitListeners: ((reason: string) => void)[] = [];
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = exitReason(code, signal);
    socket.destroy();
    for (const listener of exitListeners) listener(exited);
  });
  child.on('error', (e) => {
    if (exited !== undefined) return;
    exited = `could not start: ${e.message}`;
    for (const listener of exitListeners) listener(exited);
  });
  return socketProcessLink(socket, {
    pid: child.pid,
    kill: () => {
      if (exited === undefined) child.kill('SIGTERM');
    },
    onExit: (listener) => {
      if (exited !== undefined) listener(exited);
      else exitListeners.push(listener);
    },
  });
}
