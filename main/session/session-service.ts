// The session process's service: a connection controller plus feature bridges, one request table, and the views
// attached to it. Shell-agnostic plain Node — the session process entry (process/entry.ts) drives it over its link
// to Electron or `saffron web`, and tests drive it directly with a fake session.
//
// Built-in bridges, in the order they greet a new view: connection (status), views (monitors, display streams,
// titles), input, cursor, notices, recent connections, settings, .vv hotkeys, audio (docs/audio.md), the guest
// agent's (agent-bridges.ts); then the features' bridges (`deps.bridges`).
import type {
  RequestEnvelope,
  RequestMap,
  RequestMethod,
  SendKeyCombo,
  SessionState,
  ViewCommand,
} from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import { errorMessage } from '../spice/errors';
import { ConnectionController, type ConnectionControllerDeps } from './connection-controller';
import { createOpusDecoder } from '../audio/opus-decoder-node';
import { AudioBridge, type AudioBridgeOptions } from './bridges/audio-bridge';
import { AgentBridges, type AgentBridgesOptions } from './bridges/agent-bridges';
import { CursorBridge } from './bridges/cursor-bridge';
import { HotkeysBridge } from './bridges/hotkeys-bridge';
import { SettingsBridge } from './bridges/settings-bridge';
import { defaultFeatureBridges } from './bridges/default-feature-bridges';
import { InputBridge } from './bridges/input-bridge';
import { NoticesBridge } from './bridges/notices-bridge';
import { RecentBridge, type RecentBridgeOptions } from './bridges/recent-bridge';
import { ViewsBridge } from './bridges/views-bridge';
import { VideoBridge } from './bridges/video-bridge';
import { createForwardVideo, type ForwardVideo } from '../spice/video/forward-backend';
import { damageAsMessage, type MonitorStreamOptions, type ViewSink } from './display-stream/monitor-stream';
import { RequestTable } from './request-table';
import type { RequestHandlers, SessionBridge, SessionContext, ViewPort } from './session-bridge';
import { noShellEvents, type ShellEvents, type ShellInput } from './shell-events';
import { SettingsSource } from './settings/settings-source';
import { memorySettingsStore, type SettingsStore } from './settings/settings-store';

export { MAX_MONITORS } from './bridges/views-bridge';

export interface SessionServiceDeps extends Omit<ConnectionControllerDeps, 'events' | 'settings'> {
  events?: ShellEvents;
  /** Where the user's settings are kept (memory when absent). */
  settings?: SettingsStore;
  recent?: RecentBridgeOptions['store'];
  now?: () => number;
  /** Most recent connections kept. */
  maxRecent?: number;
  streamOptions?: MonitorStreamOptions;
  /** The audio bridge's codecs and settings (default: Opus decoded by opus-decoder in Node, no encoder). */
  audio?: Partial<AudioBridgeOptions>;
  /**
   * The bridges of session-wide features (clipboard, transfers, audio, USB, video), built with the context; default:
   * defaultFeatureBridges (each feature in a neutral form, so every request method has its handler).
   */
  bridges?: (ctx: SessionContext) => SessionBridge[];
  /** The guest agent's bridges (clipboard, transfers, auto-resize): settings and the shell's hooks. */
  agent?: AgentBridgesOptions;
  /** The views' video decoders, shared with the sessions `createSession` makes (none: views decode no video). */
  forwardVideo?: ForwardVideo;
}

/** A handle for one attached view: feed it validated requests, detach when the view goes away. */
export interface ViewHandle {
  readonly monitor: number;
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** The same, for an envelope that passed contract-guards' parseRequest / parseRequestText. */
  receive(envelope: RequestEnvelope): void;
  /** Releases what the view holds (keys) and stops its stream. */
  detach(): void;
}

export class SessionService {
  private readonly controller: ConnectionController;
  private readonly viewsBridge: ViewsBridge;
  private readonly inputBridge: InputBridge;
  private readonly requests: RequestTable;
  /** The guest agent's bridges; the shell's agent control messages go to `agent.hostMessage`. */
  readonly agent: AgentBridges;
  private nextViewId = 1;

  constructor(deps: SessionServiceDeps) {
    let views: ViewsBridge | undefined;
    let input: InputBridge | undefined;
    const settings = new SettingsSource(deps.settings ?? memorySettingsStore(), deps.logger);
    const controllerDeps = { ...deps, events: deps.events ?? noShellEvents, settings };
    let agent: AgentBridges | undefined;
    this.controller = new ConnectionController(controllerDeps, (ctx) => {
      views = new ViewsBridge(ctx, deps.streamOptions);
      input = new InputBridge(ctx);
      const recentOptions: RecentBridgeOptions = {
        ...(deps.recent ? { store: deps.recent } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.maxRecent !== undefined ? { maxEntries: deps.maxRecent } : {}),
      };
      return [
        views,
        input,
        new CursorBridge(ctx),
        new NoticesBridge(ctx),
        new RecentBridge(ctx, recentOptions),
        new SettingsBridge(ctx, settings),
        new HotkeysBridge(ctx),
        new AudioBridge(ctx, { createDecoder: createOpusDecoder, ...deps.audio }),
        ...(agent = new AgentBridges(ctx, deps.agent)).bridges,
        new VideoBridge(ctx, deps.forwardVideo ?? createForwardVideo()),
        ...(deps.bridges ?? defaultFeatureBridges)(ctx),
      ];
    });
    this.viewsBridge = views!;
    this.inputBridge = input!;
    this.agent = agent!;
    const service: SessionBridge = { name: 'service', handlers: this.handlers };
    this.requests = new RequestTable([...this.controller.allBridges, service]);
  }

  private readonly handlers: Pick<RequestHandlers, 'viewReady'> = {
    viewReady: (_r, view) => this.greet(view),
  };

  get currentState(): SessionState {
    return this.controller.currentState;
  }

  get monitorCount(): number {
    return this.viewsBridge.monitorCount;
  }

  get title(): string {
    return this.viewsBridge.title;
  }

  titleFor(monitor: number): string {
    return this.viewsBridge.titleFor(monitor);
  }

  /** Attaches a view of `monitor`; it is greeted at once (and again on each viewReady). */
  attachView(monitor: number, sink: Pick<ViewSink, 'send'> & Partial<ViewSink>): ViewHandle {
    const view: ViewPort = {
      id: this.nextViewId++,
      monitor,
      send: (m) => sink.send(m),
      sendDamage: sink.sendDamage
        ? (r, fill) => sink.sendDamage!(r, fill)
        : damageAsMessage((m) => sink.send(m)),
    };
    this.controller.views.add(view);
    this.greet(view);
    let attached = true;
    const request = <M extends RequestMethod>(method: M, payload: RequestMap[M]): void => {
      if (!attached) return;
      try {
        this.requests.dispatch(method, payload, view);
      } catch (e) {
        // A handler bug must not take the session process down with it.
        this.controller.logger.error(`request ${method} failed: ${errorMessage(e)}`);
      }
    };
    return {
      monitor,
      request,
      receive: (envelope) => request(envelope.method, envelope.payload),
      detach: () => {
        if (!attached) return;
        attached = false;
        for (const bridge of this.controller.allBridges) bridge.viewDetached?.(view);
        this.controller.views.delete(view);
      },
    };
  }

  private greet(view: ViewPort): void {
    for (const bridge of this.controller.allBridges) bridge.viewAttached?.(view);
  }

  /** Connects to `config`, replacing any current session. Resolves when connected or failed (never rejects). */
  connect(config: ConnectionConfig): Promise<void> {
    return this.controller.connect(config);
  }

  /** Opens a launch target: a spice:// URI or a .vv path (Electron's command line and OS associations). */
  open(target: string): Promise<void> {
    return this.controller.open(target);
  }

  disconnect(): void {
    this.controller.disconnect();
  }

  reconnect(password?: string): void {
    this.controller.reconnect(password);
  }

  /** Starts in an error state that Reconnect recovers from (a replacement for a session process that died). */
  showError(message: string, errorCode: string, config?: ConnectionConfig): void {
    this.controller.showError(message, errorCode, config);
  }

  /** Runs a menu command in the views of `monitor` (all views if undefined). */
  command(command: ViewCommand, monitor?: number): void {
    this.viewsBridge.command(command, monitor);
  }

  /** Sends a "Send key" combination (the menu). */
  sendKeys(combo: SendKeyCombo): void {
    this.inputBridge.sendKeys(combo);
  }

  /** Hands the shell's answer (a chosen file, a command's outcome) to the bridges. */
  shellInput(input: ShellInput): void {
    for (const bridge of this.controller.allBridges) {
      try {
        bridge.shellInput?.(input);
      } catch (e) {
        this.controller.logger.error(`${bridge.name}: shell input '${input.t}' failed: ${errorMessage(e)}`);
      }
    }
  }

  /** Closes the session; views stay attached. */
  close(): void {
    this.controller.close();
  }
}
