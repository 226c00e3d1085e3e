// A SPICE session: the main channel plus every secondary channel the server lists, sharing one connection id.
// A secondary channel that fails is reported and dropped; the session ends only when the main channel ends,
// the server disconnects or migrates, or close() is called. close() releases every socket, timer and worker.
// Inputs and cursor are built in; other channel types come from the features given at construction
// (session-feature.ts). The session is the one source of truth for protocol state the shells show: monitors
// (per display channel), cursor, mouse mode, lock keys. It owns the memory budget every channel charges, and
// bounds what a server's channel list can open.
import { GuestAgent, type GuestAgentOptions } from './agent/guest-agent';
import { SpiceError, errorMessage } from './errors';
import { silentLogger, scopedLogger, type Logger } from './logger';
import { MemoryBudget } from './memory-budget';
import { createMultimediaClock, type MultimediaClock } from './multimedia-clock';
import { limitRepeats, type LimitedLogger } from './repeat-limiter';
import type { WorkBudgetOptions } from './work-budget';
import * as E from './protocol/enums';
import type { ChannelRef, CursorShape, SessionEventMap, SessionEventName } from './session-events';
import type { SurfaceProvider, SurfaceView } from './surfaces/types';
import type { DisplayMonitor } from './channels/display-monitors';
import type { ChannelFactory, SessionFeature } from './session-feature';
import type { StreamOpener } from './transport/stream-opener';
import { TypedEmitter } from './typed-emitter';
import { SpiceChannel, type ChannelContext, type ChannelHost } from './channels/channel';
import { channelName, channelTypeName } from './channels/channel-names';
import { CursorChannel } from './channels/cursor-channel';
import { InputsChannel } from './channels/inputs-channel';
import { MainChannel } from './channels/main-channel';

export interface SessionOptions {
  opener: StreamOpener;
  /** SPICE ticket; '' when the server has none. Never logged. */
  password?: string;
  logger?: Logger;
  /** SPICE_CHANNEL_* types never to open (`disable-channels`). */
  disableChannels?: readonly number[];
  /** Mouse mode to ask for when the server offers both (client = absolute, needs no pointer grab). */
  preferredMouseMode?: 'client' | 'server';
  linkTimeoutMs?: number;
  /** Session-wide memory cap in bytes (default DEFAULT_MEMORY_BUDGET_BYTES, memory-budget.ts). */
  maxMemoryBytes?: number;
  /** Per-message pixel work budget and dispatcher time slice (defaults in work-budget.ts). */
  work?: WorkBudgetOptions;
  /** The session's multimedia clock (default: a real one on performance.now); tests inject a fake. */
  clock?: MultimediaClock;
  /** The guest agent's adapters and limits (clipboard adapter, clipboard size cap, …). */
  agent?: GuestAgentOptions;
  /** Channel types beyond main, inputs and cursor (display, and what later features add). */
  features?: readonly SessionFeature[];
}

/** What the cursor channel last said (undefined until it said anything, and after CURSOR_RESET). */
export interface CursorState {
  channelId: number;
  shape: CursorShape | null;
  x: number;
  y: number;
  visible: boolean;
}

/** Distinct channels of a CHANNELS_LIST that are considered (real servers list about a dozen). */
export const MAX_LISTED_CHANNELS = 256;
/** Secondary channels one session opens at most. */
export const MAX_OPEN_CHANNELS = 64;

/** Keys and pointer of the inputs channel; calls before the channel is ready are dropped. */
export interface SessionInputs {
  keyDown(code: number): void;
  keyUp(code: number): void;
  setModifiers(modifiers: number): void;
  mouseMotion(dx: number, dy: number, buttons: number): void;
  mousePosition(x: number, y: number, buttons: number, displayId: number): void;
  mousePress(button: number, buttons: number): void;
  mouseRelease(button: number, buttons: number): void;
}

export class SpiceSession extends TypedEmitter<SessionEventMap> implements ChannelHost {
  readonly opener: StreamOpener;
  readonly password: string;
  readonly linkTimeoutMs: number;
  readonly memory: MemoryBudget;
  readonly workOptions?: WorkBudgetOptions;
  /** Server multimedia time: synced by the main channel, and by the playback channel while sound plays. */
  readonly clock: MultimediaClock;
  private readonly log: LimitedLogger;
  private readonly options: SessionOptions;
  private readonly channels = new Map<string, SpiceChannel>();
  private main: MainChannel | null = null;
  private sessionId = 0;
  private ended = false;
  private readyWaiter: { resolve: () => void; reject: (e: SpiceError) => void } | null = null;
  /** The mouse mode asked for (preference, then the last explicit request); re-asked whenever the server allows it. */
  private requestedMouseMode: number;
  /** The guest agent: clipboard, file transfer, monitors config (alive while the server reports an agent). */
  readonly agent: GuestAgent;

  /** Secondary channel types this client implements, and how to make each. */
  private readonly factories = new Map<number, ChannelFactory>([
    [E.SPICE_CHANNEL_INPUTS, (ctx) => new InputsChannel(ctx)],
    [E.SPICE_CHANNEL_CURSOR, (ctx) => new CursorChannel(ctx)],
  ]);
  private readonly features: readonly SessionFeature[];

  constructor(options: SessionOptions) {
    super((e) => (options.logger ?? silentLogger).error(`event listener failed: ${errorMessage(e)}`));
    this.options = options;
    this.opener = options.opener;
    this.password = options.password ?? '';
    this.linkTimeoutMs = options.linkTimeoutMs ?? 10_000;
    this.memory = new MemoryBudget(options.maxMemoryBytes);
    if (options.work) this.workOptions = options.work;
    // A server repeating one odd message must not flood the log: repeats are counted, summarised at the end.
    this.log = limitRepeats(options.logger ?? silentLogger);
    this.clock = options.clock ?? createMultimediaClock();
    this.requestedMouseMode =
      options.preferredMouseMode === 'server' ? E.SPICE_MOUSE_MODE_SERVER : E.SPICE_MOUSE_MODE_CLIENT;
    this.agent = new GuestAgent({ ...options.agent, logger: scopedLogger(this.log, 'agent') });
    this.agent.on('unsupported', ({ what }) =>
      this.emit('unsupported', { channel: { type: E.SPICE_CHANNEL_MAIN, id: 0 }, what }),
    );
    this.features = options.features ?? [];
    for (const feature of this.features) {
      for (const [type, factory] of feature.channels) {
        if (this.factories.has(type))
          throw new Error(`${feature.name}: channel type ${channelTypeName(type)} is already provided`);
        this.factories.set(type, factory);
      }
    }
  }

  get connectionId(): number {
    return this.sessionId;
  }

  /** The VM name from the server (empty until received). */
  get vmName(): string {
    return this.main?.vmName ?? '';
  }
  get vmUuid(): string {
    return this.main?.vmUuid ?? '';
  }
  get mainChannel(): MainChannel | null {
    return this.main;
  }

  private listed: ChannelRef[] = [];
  /** The channels the server listed in CHANNELS_LIST (main is not listed). */
  get listedChannels(): readonly ChannelRef[] {
    return this.listed;
  }

  /** Every open channel (for `saffron info`). */
  openChannels(): SpiceChannel[] {
    return [...this.channels.values()];
  }

  getChannel<T extends SpiceChannel>(type: number, id: number): T | undefined {
    return this.channels.get(`${type}:${id}`) as T | undefined;
  }

  /** Connects the main channel; resolves once MAIN_INIT arrived. Secondary channels follow in the background. */
  async connect(): Promise<void> {
    if (this.main) throw new Error('connect() called twice');
    const main = new MainChannel(this.context(E.SPICE_CHANNEL_MAIN, 0), {
      onInit: (init) => {
        this.sessionId = init.session_id;
        this.clock.sync(init.multi_media_time, 'main');
        this.emit('ready', {
          sessionId: init.session_id,
          mouseModes: init.supported_mouse_modes,
          currentMouseMode: init.current_mouse_mode,
          agentConnected: init.agent_connected !== 0,
        });
        this.applyMouseModePreference(init.supported_mouse_modes, init.current_mouse_mode);
        this.readyWaiter?.resolve();
      },
      onMultimediaTime: (timeMs) => this.clock.sync(timeMs, 'main'),
      onChannels: (list) => this.onChannelsList(list),
      onMouseMode: (supported, current) => this.applyMouseModePreference(supported, current),
      agent: this.agent,
    });
    this.main = main;
    this.channels.set(`${E.SPICE_CHANNEL_MAIN}:0`, main);
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    // The main channel may close (local close, link failure) before anything awaits `ready`: that rejection is
    // reported through connect()'s own error, never as an unhandled rejection.
    ready.catch(() => {});
    void main.closed.then((error) => {
      this.readyWaiter?.reject(
        error ?? new SpiceError('closed', 'the main channel closed before the session was ready'),
      );
      this.endSession(error ?? new SpiceError('closed', 'the server closed the main channel'));
    });
    try {
      await main.open();
      await ready;
    } catch (e) {
      const error = e instanceof SpiceError ? e : new SpiceError('closed', errorMessage(e), { cause: e });
      this.endSession(error);
      throw error;
    } finally {
      this.readyWaiter = null;
    }
  }

  /** A surface of display channel `channelId` (0 is the primary display), or undefined. */
  getSurface(channelId: number, surfaceId: number): SurfaceView | undefined {
    const display = this.getChannel<SpiceChannel & Partial<SurfaceProvider>>(
      E.SPICE_CHANNEL_DISPLAY,
      channelId,
    );
    return display?.getSurface?.(surfaceId);
  }

  /** Every display channel's monitors (channel id order, then head order): what the shells show as views. */
  monitors(): DisplayMonitor[] {
    const out: DisplayMonitor[] = [];
    const displays = this.openChannels()
      .filter((c) => c.type === E.SPICE_CHANNEL_DISPLAY)
      .sort((a, b) => a.id - b.id) as (SpiceChannel & { monitors?: readonly DisplayMonitor[] })[];
    for (const display of displays) out.push(...(display.monitors ?? []));
    return out;
  }

  /** The cursor of display `channelId` (cursor channel n goes with display channel n). */
  cursor(channelId = 0): CursorState | undefined {
    const c = this.getChannel<CursorChannel>(E.SPICE_CHANNEL_CURSOR, channelId);
    if (!c?.known) return undefined;
    return { channelId, shape: c.shape, x: c.x, y: c.y, visible: c.visible };
  }

  /** SPICE_MOUSE_MODE_* in force and the mask the server supports (server mode until MAIN_INIT says otherwise). */
  get mouseMode(): { current: number; supported: number } {
    return {
      current: this.main?.currentMouseMode || E.SPICE_MOUSE_MODE_SERVER,
      supported: this.main?.supportedMouseModes || E.SPICE_MOUSE_MODE_SERVER,
    };
  }

  /** The guest's lock keys (SPICE_KEYBOARD_MODIFIER_FLAGS_*), once the inputs channel reported them. */
  get guestModifiers(): number | undefined {
    return this.getChannel<InputsChannel>(E.SPICE_CHANNEL_INPUTS, 0)?.guestModifiers;
  }

  /** Inputs facade: forwards to the inputs channel when it is ready. */
  readonly inputs: SessionInputs = {
    keyDown: (code) => this.inputsChannel()?.keyDown(code),
    keyUp: (code) => this.inputsChannel()?.keyUp(code),
    setModifiers: (m) => this.inputsChannel()?.setModifiers(m),
    mouseMotion: (dx, dy, b) => this.inputsChannel()?.mouseMotion(dx, dy, b),
    mousePosition: (x, y, b, d) => this.inputsChannel()?.mousePosition(x, y, b, d),
    mousePress: (button, b) => this.inputsChannel()?.mousePress(button, b),
    mouseRelease: (button, b) => this.inputsChannel()?.mouseRelease(button, b),
  };

  /** Asks for a mouse mode; it is asked again whenever the server allows it (e.g. when an agent attaches). */
  requestMouseMode(mode: number): void {
    this.requestedMouseMode = mode;
    this.main?.requestMouseMode(mode);
  }

  /** Ends the session locally. Idempotent. */
  close(): void {
    this.finish(null);
  }

  // ---- ChannelHost ----

  waitForChannelSerial(type: number, id: number, serial: number, timeoutMs: number): Promise<boolean> {
    return this.getChannel(type, id)?.waitForSerial(serial, timeoutMs) ?? Promise.resolve(true);
  }

  endSession(error: SpiceError): void {
    this.finish(error);
  }

  // ---- internals ----

  private inputsChannel(): InputsChannel | undefined {
    const c = this.getChannel<InputsChannel>(E.SPICE_CHANNEL_INPUTS, 0);
    return c?.isReady ? c : undefined;
  }

  private context(type: number, id: number): ChannelContext {
    return {
      type,
      id,
      logger: scopedLogger(this.log, channelName(type, id)),
      host: this,
      emit: <K extends SessionEventName>(name: K, payload: SessionEventMap[K]) => this.emit(name, payload),
    };
  }

  /** As spice-gtk: on MAIN_INIT and every MOUSE_MODE, ask again for the wanted mode if it is allowed and not current. */
  private applyMouseModePreference(supported: number, current: number): void {
    const want = this.requestedMouseMode;
    if (current !== want && supported & want) this.main?.requestMouseMode(want);
  }

  /**
   * CHANNELS_LIST: keeps the first MAX_LISTED_CHANNELS distinct channels, opens what this client implements (at
   * most MAX_OPEN_CHANNELS), and reports everything else with one line per channel type, however long the list.
   */
  private onChannelsList(list: ChannelRef[]): void {
    if (list.length > MAX_LISTED_CHANNELS) {
      this.log.warn(
        `the server listed ${list.length} channels; only the first ${MAX_LISTED_CHANNELS} are considered`,
      );
      list = list.slice(0, MAX_LISTED_CHANNELS);
    }
    this.listed = list;
    this.emit('channels', { channels: list });
    const unsupported = new Map<number, number>();
    const disabled = new Map<number, number>();
    let overLimit = 0;
    for (const { type, id } of list) {
      if (this.ended) return;
      if (this.channels.has(`${type}:${id}`)) continue;
      if (this.options.disableChannels?.includes(type)) {
        disabled.set(type, (disabled.get(type) ?? 0) + 1);
      } else if (!this.factories.has(type)) {
        unsupported.set(type, (unsupported.get(type) ?? 0) + 1);
      } else if (this.channels.size - 1 >= MAX_OPEN_CHANNELS) {
        overLimit++;
      } else {
        this.openSecondary(type, id);
      }
    }
    const count = (n: number): string => (n > 1 ? ` (${n} listed)` : '');
    for (const [type, n] of disabled)
      this.log.info(`not opening the ${channelTypeName(type)} channel${count(n)} (disabled)`);
    for (const [type, n] of unsupported) {
      this.log.warn(
        `the ${channelTypeName(type)} channel is not supported by this version; not opening it${count(n)}`,
      );
      this.emit('unsupported', { channel: { type, id: 0 }, what: `${channelTypeName(type)} channel` });
    }
    if (overLimit > 0)
      this.log.warn(
        `the server listed ${overLimit} more channels than the ${MAX_OPEN_CHANNELS} opened at most`,
      );
  }

  /** Whether channel (type, id) is not opened because this version lacks it, or because it is disabled. */
  notOpenedReason(type: number): 'unsupported' | 'disabled' | undefined {
    if (this.options.disableChannels?.includes(type)) return 'disabled';
    if (!this.factories.has(type)) return 'unsupported';
    return undefined;
  }

  private openSecondary(type: number, id: number): void {
    const key = `${type}:${id}`;
    const ref = { type, id };
    const factory = this.factories.get(type);
    if (this.ended || this.channels.has(key) || !factory) return;
    const channel = factory(this.context(type, id), this);
    this.channels.set(key, channel);
    // Every end — a failed open, a local close, the server closing it — settles `closed` exactly once.
    void channel.closed.then((error) => {
      if (this.channels.get(key) === channel) this.channels.delete(key);
      if (this.ended) return;
      if (error) {
        this.log.warn(`${channelName(type, id)} channel failed: ${error.message}`);
        this.emit('channel-error', { ...ref, error });
      }
      this.emit('channel-closed', ref);
    });
    channel.open().then(
      () => this.emit('channel-open', ref),
      () => {}, // reported through `closed` above
    );
  }

  private finish(error: SpiceError | null): void {
    if (this.ended) return;
    this.ended = true;
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    for (const feature of this.features) {
      try {
        feature.close?.();
      } catch (e) {
        this.log.error(`closing ${feature.name} failed: ${errorMessage(e)}`);
      }
    }
    if (error) this.log.info(`session ended: ${error.message}`);
    this.log.flush();
    this.emit('closed', { error });
  }

  get isClosed(): boolean {
    return this.ended;
  }
}
