// Keeps a shell's session process running: starts it through a launcher (a Node child for `saffron web` and the
// tests, Electron's utilityProcess for the app), forwards control messages both ways, remembers the connection
// being made, and when the process dies unexpectedly starts a new one that shows the error in every view with a
// Reconnect that connects again — the shell itself never goes down with it. A process that keeps dying is not
// restarted forever: past `maxRestarts` within `windowMs` the supervisor gives up and says so.
import type { ConnectionConfig } from '../spice/connect/config';
import { errorMessage } from '../spice/errors';
import type { Logger } from '../spice/logger';
import type { HostMessage, InitMessage, ProcessMessage } from './host-protocol';

/** One running session process, seen from its shell. */
export interface SessionProcessLink {
  /** The OS process id, when the process is a real one. */
  readonly pid?: number | undefined;
  /** Sends a control message; `transfer` carries a view's MessagePort (Electron). */
  send(message: HostMessage, transfer?: readonly unknown[]): void;
  onMessage(listener: (message: ProcessMessage) => void): void;
  /** Called once when the process is gone, with why ("exited with code 1", "killed by SIGKILL"). */
  onExit(listener: (reason: string) => void): void;
  kill(): void;
}

export interface SessionSupervisorOptions {
  launch(): SessionProcessLink;
  /** The init message of every process (its `crashed` part is added after a crash). */
  init: Omit<InitMessage, 't' | 'crashed'>;
  /** Messages for the shell (monitor count, window commands, dialogs); log records go to `logger`. */
  onMessage(message: Exclude<ProcessMessage, { t: 'log' }>): void;
  /** A new process replaced a dead one: attach the views again. */
  onRestart(): void;
  /** The process keeps dying: no more restarts. */
  onGiveUp(reason: string): void;
  logger: Logger;
  maxRestarts?: number;
  windowMs?: number;
  now?: () => number;
}

export class SessionSupervisor {
  private link: SessionProcessLink | undefined;
  private closed = false;
  private lastConfig: ConnectionConfig | undefined;
  private restarts: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: SessionSupervisorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the first session process. */
  start(): void {
    this.spawn(undefined);
  }

  /** True while a session process is running. */
  get running(): boolean {
    return this.link !== undefined;
  }

  /** The running session process's OS id (for diagnostics and the crash test). */
  get pid(): number | undefined {
    return this.link?.pid;
  }

  send(message: HostMessage, transfer?: readonly unknown[]): void {
    if (!this.link) {
      this.options.logger.warn(`no session process to send '${message.t}' to`);
      return;
    }
    try {
      this.link.send(message, transfer);
    } catch (e) {
      this.options.logger.warn(`could not reach the session process: ${errorMessage(e)}`);
    }
  }

  /** Stops the session process for good (the shell is closing). */
  close(): void {
    this.closed = true;
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    try {
      link.send({ t: 'shutdown' });
    } catch {
      // already gone
    }
    link.kill();
  }

  private spawn(crashed: InitMessage['crashed']): void {
    let link: SessionProcessLink;
    try {
      link = this.options.launch();
    } catch (e) {
      this.options.onGiveUp(`the session process could not be started: ${errorMessage(e)}`);
      return;
    }
    this.link = link;
    link.onMessage((m) => this.receive(m));
    link.onExit((reason) => {
      if (this.link !== link) return;
      this.link = undefined;
      if (!this.closed) this.crashed(reason);
    });
    link.send({ t: 'init', ...this.options.init, ...(crashed ? { crashed } : {}) });
  }

  private receive(m: ProcessMessage): void {
    if (m.t === 'log') {
      const log = this.options.logger;
      const fields = m.fields;
      if (m.level === 'error') log.error(m.message, fields);
      else if (m.level === 'warn') log.warn(m.message, fields);
      else if (m.level === 'info') log.info(m.message, fields);
      else log.debug(m.message, fields);
      return;
    }
    if (m.t === 'connecting') this.lastConfig = m.config;
    this.options.onMessage(m);
  }

  private crashed(reason: string): void {
    this.options.logger.error(`the session process stopped unexpectedly (${reason})`);
    const now = this.now();
    const windowMs = this.options.windowMs ?? 60_000;
    this.restarts = this.restarts.filter((t) => now - t < windowMs);
    if (this.restarts.length >= (this.options.maxRestarts ?? 5)) {
      this.options.onGiveUp(`the session process keeps stopping (${reason}); restart Saffron`);
      return;
    }
    this.restarts.push(now);
    this.spawn({
      message: `The session process stopped unexpectedly (${reason}). Reconnect to start again.`,
      ...(this.lastConfig ? { config: this.lastConfig } : {}),
    });
    this.options.onRestart();
  }
}
