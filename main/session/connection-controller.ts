// The connection controller of the session process: connect (form, URI, .vv text, launch target), disconnect,
// reconnect, and the session state every view shows. It owns the attached views and runs the bridges' hooks as
// sessions start and end; it knows nothing of what the bridges do. Late events of a replaced session are muted
// (a generation counter behind `Subscribe`), so a slow old session can never touch the views. A connection that
// drops without the server saying DISCONNECTING is retried by itself (reconnect-policy.ts decides; the countdown,
// attempt and Cancel — a disconnect request — go through the status every view shows), with the same config and
// the password still in memory; the views keep their windows and last picture until the new session draws.
import type { PortMessage, RequestMap, SessionState, StatusMessage } from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import { describeConfig } from '../spice/connect/config';
import { SpiceError, errorMessage, isSpiceError } from '../spice/errors';
import type { Logger } from '../spice/logger';
import type { SessionFeature } from '../spice/session-feature';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from './session-bridge';
import type { SessionLike } from './session-like';
import type { SettingsReader } from './settings/settings-source';
import type { ShellEvents } from './shell-events';
import { printableText } from '../../shared/printable-text';
import {
  ReconnectSchedule,
  classifySessionEnd,
  hasOneTimeTicket,
  type BackoffOptions,
} from './reconnect-policy';
import { statusFormFor, statusTextForError } from './status-text';

export interface ConnectionControllerDeps {
  /**
   * Builds a session for a config (the real one: SpiceSession with its features, session-wiring.ts), with the
   * protocol features the bridges give each new session (`SessionBridge.sessionFeatures`, e.g. the sound channels).
   */
  createSession(config: ConnectionConfig, features: SessionFeature[]): SessionLike;
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
  /** Automatic reconnection after a dropped connection (on by default). */
  autoReconnect?: AutoReconnectOptions;
}

export interface AutoReconnectOptions {
  /** Default true. */
  enabled?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** [0, 1) for the jitter (tests pass a fixed one). */
  random?: () => number;
  /** Milliseconds clock for the healthy period (default Date.now). */
  now?: () => number;
}

/** How often the countdown in the status is refreshed. */
const COUNTDOWN_TICK_MS = 1000;

/** One outage: the retry waiting to start (or in progress), and the countdown shown meanwhile. */
interface Outage {
  config: ConnectionConfig;
  /** The try in progress or waited for (1 = the first). */
  attempt: number;
  /** Why the connection was lost (for the status line). */
  reason: string;
  timer?: ReturnType<typeof setTimeout>;
  tick?: ReturnType<typeof setInterval>;
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
  private readonly retries: ReconnectSchedule;
  private readonly now: () => number;
  private outage: Outage | undefined;
  private reconnectState: { attempt: number; inMs: number } | undefined;

  constructor(
    private readonly deps: ConnectionControllerDeps,
    makeBridges: (ctx: SessionContext) => readonly SessionBridge[],
  ) {
    this.logger = deps.logger;
    this.shell = deps.shell;
    this.events = deps.events;
    this.settings = deps.settings;
    this.bridges = [this, ...makeBridges(this)];
    const auto = deps.autoReconnect ?? {};
    this.retries = new ReconnectSchedule(auto.backoff ?? {}, auto.random ?? Math.random);
    this.now = auto.now ?? Date.now;
  }

  /** True while a dropped session is being reconnected by itself (views keep their windows meanwhile). */
  get reconnecting(): boolean {
    return this.outage !== undefined;
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
    // Notices carry server text (NOTIFY, channel errors, .vv notes): printable only, one line each.
    if (message.kind === 'notice') message = { ...message, message: printableText(message.message) };
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

  /** Connects to `config`, replacing any current session (and any automatic reconnection). Resolves when
   * connected or failed (never rejects). */
  async connect(config: ConnectionConfig): Promise<void> {
    this.cancelOutage();
    this.retries.reset();
    await this.start(config);
  }

  private async start(config: ConnectionConfig): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    this.lastConfig = config;
    this.events.connecting(config);
    for (const note of config.notes) this.broadcast({ kind: 'notice', level: 'info', message: note });
    for (const u of config.unsupported)
      this.broadcast({ kind: 'notice', level: 'warning', message: `${u.key}: ${u.reason}` });
    const retry = this.outage;
    if (retry) {
      this.reconnectState = { attempt: retry.attempt, inMs: 0 };
      this.setStatus('connecting', `Reconnecting to ${describeConfig(config)} (attempt ${retry.attempt})…`);
    } else {
      this.reconnectState = undefined;
      this.setStatus('connecting', `Connecting to ${describeConfig(config)}…`);
    }
    let session: SessionLike;
    try {
      session = this.deps.createSession(
        config,
        this.bridges.flatMap((b) => b.sessionFeatures?.() ?? []),
      );
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
      const wasConnected = this.state === 'connected';
      // Decided before the bridges hear of the end, so the views keep their windows while it reconnects.
      const retrying = error !== null && this.retryAfter(config, error, wasConnected);
      this.end();
      if (retrying) return;
      this.outageOver();
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
      const error = isSpiceError(e) ? e : new SpiceError('closed', errorMessage(e), { cause: e });
      // A try of an outage that fails goes on with the next delay (or ends with the reason it is final).
      if (retry && this.retryAfter(config, error, true)) return;
      const final = retry ? this.finalMessage(config, error) : undefined;
      this.outageOver();
      this.setStatus('error', final ?? statusTextForError(e), error.code);
      return;
    }
    if (generation !== this.generation) return;
    this.endOutage();
    this.retries.connected(this.now());
    this.setStatus(
      'connected',
      retry
        ? `Reconnected to ${describeConfig(config)} (attempt ${retry.attempt})`
        : `Connected to ${describeConfig(config)}`,
    );
    for (const bridge of this.bridges) bridge.sessionConnected?.(config);
  }

  disconnect(): void {
    if (!this.current && this.state !== 'connecting') return;
    // Also the Cancel of an automatic reconnection's countdown.
    this.cancelOutage();
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

  /**
   * After `config`'s session ended with `error`: schedules the next automatic try and shows the countdown, if the
   * policy says the end is worth retrying and the schedule has tries left. Returns whether it did.
   */
  private retryAfter(config: ConnectionConfig, error: SpiceError, wasConnected: boolean): boolean {
    if (this.deps.autoReconnect?.enabled === false) return false;
    const decision = classifySessionEnd({
      error,
      wasConnected: wasConnected || this.outage !== undefined,
      oneTimeTicket: hasOneTimeTicket(config),
    });
    if (!decision.retry) return false;
    if (!this.outage) this.retries.dropped(this.now());
    const delayMs = this.retries.next();
    if (delayMs === null) return false;
    this.clearOutageTimers();
    const reason = this.outage?.reason ?? printableText(error.message, 160);
    const outage: Outage = { config, attempt: this.retries.attempts, reason };
    this.outage = outage;
    this.logger.info(
      `connection lost (${error.message}); reconnecting in ${delayMs} ms (attempt ${outage.attempt})`,
    );
    const startsAt = this.now() + delayMs;
    const show = (): void => {
      const inMs = Math.max(0, startsAt - this.now());
      this.reconnectState = { attempt: outage.attempt, inMs };
      this.setStatus(
        'connecting',
        `Connection lost (${outage.reason}). Reconnecting in ${Math.ceil(inMs / 1000)} s (attempt ${outage.attempt})… Disconnect cancels.`,
      );
    };
    show();
    outage.tick = setInterval(show, COUNTDOWN_TICK_MS);
    outage.timer = setTimeout(() => {
      if (this.outage !== outage) return;
      this.clearOutageTimers();
      void this.start(config);
    }, delayMs);
    return true;
  }

  /** What to say when a try of an outage fails for good (an expired one-time ticket says so). */
  private finalMessage(config: ConnectionConfig, error: SpiceError): string | undefined {
    const decision = classifySessionEnd({
      error,
      wasConnected: true,
      oneTimeTicket: hasOneTimeTicket(config),
    });
    if (decision.retry)
      return `Gave up reconnecting after ${this.retries.attempts} attempts. ${statusTextForError(error)}`;
    return decision.message;
  }

  private clearOutageTimers(): void {
    if (this.outage?.timer) clearTimeout(this.outage.timer);
    if (this.outage?.tick) clearInterval(this.outage.tick);
  }

  /** The outage is over (connected again, or it ended for good): the schedule keeps its count. */
  private endOutage(): void {
    this.clearOutageTimers();
    this.outage = undefined;
    this.reconnectState = undefined;
  }

  /** An outage ended without a session (given up, or final): the views drop the monitors they kept. */
  private outageOver(): void {
    if (!this.outage) return;
    this.endOutage();
    if (!this.current) this.end();
  }

  /** The user connected, disconnected or closed: no more automatic tries. */
  private cancelOutage(): void {
    if (!this.outage) return;
    this.logger.info('automatic reconnection cancelled');
    this.outageOver();
  }

  /** Shows an error that happened outside any session (the previous session process stopped), with `config` as
   * what Reconnect connects to. */
  showError(message: string, errorCode: string, config?: ConnectionConfig): void {
    this.cancelOutage();
    this.teardown();
    if (config) this.lastConfig = config;
    this.setStatus('error', message, errorCode);
  }

  /** Ends the current session (if any) and leaves the views attached. */
  close(): void {
    this.cancelOutage();
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
    this.statusText = printableText(message);
    this.errorCode = errorCode;
    this.broadcast(this.statusMessage());
  }

  private statusMessage(): StatusMessage {
    const form = this.lastConfig ? statusFormFor(this.lastConfig) : undefined;
    return {
      kind: 'status',
      state: this.state,
      message: this.statusText,
      ...(this.errorCode !== undefined ? { errorCode: this.errorCode } : {}),
      ...(this.lastConfig ? { target: describeConfig(this.lastConfig) } : {}),
      ...(form ? { form } : {}),
      ...(this.reconnectState ? { reconnect: this.reconnectState } : {}),
      // While a countdown runs, Reconnect tries at once.
      canReconnect:
        this.lastConfig !== undefined &&
        (this.state !== 'connecting' || (this.reconnectState !== undefined && this.reconnectState.inMs > 0)),
    };
  }
}
