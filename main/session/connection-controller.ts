// The connection controller of the session process: connect (form, URI, .vv text, launch target), disconnect,
// reconnect, and the session state every view shows. It owns the attached views and runs the bridges' hooks as
// sessions start and end; it knows nothing of what the bridges do. Late events of a replaced session are muted
// (a generation counter behind `Subscribe`), so a slow old session can never touch the views.
import type { PortMessage, RequestMap, SessionState, StatusMessage } from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import { describeConfig } from '../spice/connect/config';
import { errorMessage, isSpiceError } from '../spice/errors';
import type { Logger } from '../spice/logger';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from './session-bridge';
import type { SessionLike } from './session-like';
import type { SettingsReader } from './settings/settings-source';
import type { ShellEvents } from './shell-events';
import { statusTextForError } from './status-text';

export interface ConnectionControllerDeps {
  /** Builds a session for a config (the real one: SpiceSession with its features, session-wiring.ts). */
  createSession(config: ConnectionConfig): SessionLike;
  /** spice:// URI → config (parseSpiceUri + overrides). */
  parseUri(uri: string): ConnectionConfig;
  /** .vv text → config. */
  parseVv(text: string, fileName: string): ConnectionConfig;
  /** A launch target (spice:// URI or .vv path from the command line or the OS) → config. */
  resolveTarget?(target: string): Promise<ConnectionConfig>;
  logger: Logger;
  shell: 'electron' | 'web';
  events: ShellEvents;
  /** The user's settings (the settings bridge writes them; every bridge may read them). */
  settings: SettingsReader;
}

export class ConnectionController implements SessionContext, SessionBridge {
  readonly name = 'connection';
  readonly views = new Set<ViewPort>();
  readonly logger: Logger;
  readonly shell: 'electron' | 'web';
  readonly events: ShellEvents;
  readonly settings: SettingsReader;
  private state: SessionState = 'idle';
  private statusText = 'Not connected. Enter a server to connect to.';
  private errorCode: string | undefined;
  private lastConfig: ConnectionConfig | undefined;
  private current: SessionLike | undefined;
  /** Bumped whenever the current session is replaced or ends, so late events of an old one are ignored. */
  private generation = 0;
  private readonly bridges: readonly SessionBridge[];

  constructor(
    private readonly deps: ConnectionControllerDeps,
    makeBridges: (ctx: SessionContext) => readonly SessionBridge[],
  ) {
    this.logger = deps.logger;
    this.shell = deps.shell;
    this.events = deps.events;
    this.settings = deps.settings;
    this.bridges = [this, ...makeBridges(this)];
  }

  /** Every bridge, this controller first (its status goes to a new view before anything else). */
  get allBridges(): readonly SessionBridge[] {
    return this.bridges;
  }

  get session(): SessionLike | undefined {
    return this.current;
  }
  get connected(): boolean {
    return this.state === 'connected';
  }
  get config(): ConnectionConfig | undefined {
    return this.lastConfig;
  }
  get currentState(): SessionState {
    return this.state;
  }

  broadcast(message: PortMessage): void {
    for (const view of this.views) view.send(message);
  }

  readonly handlers: Pick<RequestHandlers, 'connect' | 'connectUri' | 'openVv' | 'disconnect' | 'reconnect'> =
    {
      connect: (r) => this.connectForm(r),
      connectUri: (r) =>
        this.tryConnect(() => {
          const config = this.deps.parseUri(r.uri);
          if (r.password !== undefined && r.password !== '') config.password = r.password;
          return config;
        }),
      openVv: (r) =>
        this.tryConnect(() => {
          const config = this.deps.parseVv(r.text, r.fileName);
          // Only the text reached us (picker, drop, upload): the file itself cannot be deleted from here.
          if (config.deleteThisFile)
            config.notes.push(
              `${r.fileName} asks to be deleted after use (it may hold a one-time password); Saffron cannot delete a file opened in the window — delete it yourself`,
            );
          return config;
        }),
      disconnect: () => this.disconnect(),
      reconnect: (r) => this.reconnect(r.password),
    };

  viewAttached(view: ViewPort): void {
    view.send(this.statusMessage());
  }

  private connectForm(r: RequestMap['connect']): void {
    this.tryConnect(() => {
      const host = r.host.trim().replace(/^\[(.*)\]$/, '$1');
      const scheme = r.tls ? 'spice+tls' : 'spice';
      const hostPart = host.includes(':') ? `[${host}]` : host;
      const config = this.deps.parseUri(`${scheme}://${hostPart}:${r.port}`);
      if (r.password !== undefined && r.password !== '') config.password = r.password;
      return config;
    });
  }

  private tryConnect(build: () => ConnectionConfig): void {
    let config: ConnectionConfig;
    try {
      config = build();
    } catch (e) {
      this.setStatus('error', statusTextForError(e), isSpiceError(e) ? e.code : 'config');
      return;
    }
    void this.connect(config);
  }

  /** Opens a launch target (URI or .vv path); a target that cannot be read is reported to the shell. */
  async open(target: string): Promise<void> {
    let config: ConnectionConfig;
    try {
      if (!this.deps.resolveTarget) throw new Error('this shell cannot open launch targets');
      config = await this.deps.resolveTarget(target);
    } catch (e) {
      this.events.openFailed(errorMessage(e));
      return;
    }
    if (config.fullscreen) this.events.command(0, 'fullscreen', true);
    await this.connect(config);
  }

  /** Connects to `config`, replacing any current session. Resolves when connected or failed (never rejects). */
  async connect(config: ConnectionConfig): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    this.lastConfig = config;
    this.events.connecting(config);
    for (const note of config.notes) this.broadcast({ kind: 'notice', level: 'info', message: note });
    for (const u of config.unsupported)
      this.broadcast({ kind: 'notice', level: 'warning', message: `${u.key}: ${u.reason}` });
    this.setStatus('connecting', `Connecting to ${describeConfig(config)}…`);
    let session: SessionLike;
    try {
      session = this.deps.createSession(config);
    } catch (e) {
      this.setStatus('error', statusTextForError(e), isSpiceError(e) ? e.code : 'config');
      return;
    }
    this.current = session;
    const on: Subscribe = (event, listener) =>
      session.on(event, (payload) => {
        if (generation === this.generation) listener(payload);
      });
    on('closed', ({ error }) => {
      this.end();
      if (error) this.setStatus('error', statusTextForError(error), error.code);
      else this.setStatus('disconnected', 'The session was closed.');
    });
    for (const bridge of this.bridges) bridge.sessionStarted?.(session, on);
    try {
      await session.connect();
    } catch (e) {
      if (generation !== this.generation) return;
      this.logger.warn(`connect failed: ${errorMessage(e)}`);
      this.end();
      this.setStatus('error', statusTextForError(e), isSpiceError(e) ? e.code : 'closed');
      return;
    }
    if (generation !== this.generation) return;
    this.setStatus('connected', `Connected to ${describeConfig(config)}`);
    for (const bridge of this.bridges) bridge.sessionConnected?.(config);
  }

  disconnect(): void {
    if (!this.current && this.state !== 'connecting') return;
    this.teardown();
    this.setStatus('disconnected', 'Disconnected.');
  }

  /** Connects again with the last settings; a password given here (the user answering "needs a password")
   * replaces the old one for this and later reconnects. */
  reconnect(password?: string): void {
    if (!this.lastConfig) return;
    if (password !== undefined && password !== '') this.lastConfig = { ...this.lastConfig, password };
    void this.connect(this.lastConfig);
  }

  /** Shows an error that happened outside any session (the previous session process stopped), with `config` as
   * what Reconnect connects to. */
  showError(message: string, errorCode: string, config?: ConnectionConfig): void {
    this.teardown();
    if (config) this.lastConfig = config;
    this.setStatus('error', message, errorCode);
  }

  /** Ends the current session (if any) and leaves the views attached. */
  close(): void {
    this.teardown();
  }

  /** Closes the current session after the bridges released what they hold in it. */
  private teardown(): void {
    const session = this.current;
    if (!session) return;
    for (const bridge of this.bridges) {
      try {
        bridge.sessionEnding?.(session);
      } catch (e) {
        this.logger.warn(`${bridge.name}: ending the session failed: ${errorMessage(e)}`);
      }
    }
    this.end();
    try {
      session.close();
    } catch (e) {
      this.logger.warn(`closing the session failed: ${errorMessage(e)}`);
    }
  }

  /** Forgets the current session: its events are muted from now on and the bridges drop its state. */
  private end(): void {
    this.generation++;
    this.current = undefined;
    for (const bridge of this.bridges) bridge.sessionEnded?.();
  }

  private setStatus(state: SessionState, message: string, errorCode?: string): void {
    if (state !== this.state) this.events.state(state);
    this.state = state;
    this.statusText = message;
    this.errorCode = errorCode;
    this.broadcast(this.statusMessage());
  }

  private statusMessage(): StatusMessage {
    return {
      kind: 'status',
      state: this.state,
      message: this.statusText,
      ...(this.errorCode !== undefined ? { errorCode: this.errorCode } : {}),
      ...(this.lastConfig ? { target: describeConfig(this.lastConfig) } : {}),
      canReconnect: this.lastConfig !== undefined && this.state !== 'connecting',
    };
  }
}
