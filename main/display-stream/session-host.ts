// The session side of the app contract, in plain Node, shared by the Electron shell and `saffron web`:
// owns the SpiceSession's lifecycle (connect, disconnect, reconnect), turns its events into view messages
// (status, title, monitors, frames, cursor, mouse mode, lock keys) for every attached view, and carries out
// validated view requests (keys, mouse, send-keys). One view = one window or browser tab showing one monitor.
import { isIPv6 } from 'node:net';
import type {
  CursorImage,
  RecentConnection,
  RequestMap,
  RequestMethod,
  SessionState,
  ViewCommand,
  ViewMessage,
} from '../../shared/ipc';
import { HeldKeys, sendKeyStrokes } from '../../shared/keyboard-map';
import { printableText } from '../../shared/printable-text';
import type { KeyStroke } from '../../shared/keyboard-map';
import type { ConnectionConfig } from '../spice/connect/config';
import { describeConfig } from '../spice/connect/config';
import { errorMessage, isSpiceError } from '../spice/errors';
import type { Logger } from '../spice/logger';
import type { CursorShape, SessionEventMap } from '../spice/session-events';
import type { MonitorConfig } from '../spice/surfaces/types';
import { MonitorStream } from './monitor-stream';
import type { MonitorArea, MonitorStreamOptions, ViewSink } from './monitor-stream';
import type { SessionLike } from './session-like';
import { statusFormFor, statusTextForError } from './status-text';

const SPICE_MOUSE_MODE_SERVER = 1;

/** Most monitors shown (one window each in the Electron shell); the server decides how many it announces. */
export const MAX_MONITORS = 16;

export interface RecentStore {
  load(): RecentConnection[];
  save(entries: RecentConnection[]): void;
}

/** Keeps recent connections in memory only (the web harness). */
export function memoryRecentStore(): RecentStore {
  let entries: RecentConnection[] = [];
  return { load: () => entries, save: (e) => (entries = e) };
}

export interface SessionHostDeps {
  /** Builds a session for a config (the real one: SpiceSession + createStreamOpener). */
  createSession(config: ConnectionConfig): SessionLike;
  /** spice:// URI → config (parseSpiceUri + overrides). */
  parseUri(uri: string): ConnectionConfig;
  /** .vv text → config. */
  parseVv(text: string, fileName: string): ConnectionConfig;
  logger: Logger;
  shell: 'electron' | 'web';
  recent?: RecentStore;
  /** The list of monitors changed (the Electron shell opens or closes windows). */
  onMonitorCount?: (count: number) => void;
  /** A view asked the shell to run a command (Electron: window fullscreen). */
  onShellCommand?: (monitor: number, command: ViewCommand) => void;
  streamOptions?: MonitorStreamOptions;
  now?: () => number;
  /** Most recent connections kept. */
  maxRecent?: number;
}

interface ViewEntry {
  monitor: number;
  sink: ViewSink;
  stream: MonitorStream;
  keys: HeldKeys;
}

/** A handle for one attached view: feed it validated requests, detach when the view goes away. */
export interface ViewHandle {
  readonly monitor: number;
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** Releases held keys and stops the stream. */
  detach(): void;
}

interface CursorState {
  channelId: number;
  shape: CursorShape | null;
  x: number;
  y: number;
  visible: boolean;
}

export class SessionHost {
  private state: SessionState = 'idle';
  private statusMessage = 'Not connected. Enter a server to connect to.';
  private errorCode: string | undefined;
  private config: ConnectionConfig | undefined;
  private session: SessionLike | undefined;
  /** Bumped on every connect/disconnect so late events of an old session are ignored. */
  private generation = 0;
  private vmName = '';
  private readonly views = new Set<ViewEntry>();
  private readonly primarySurfaces = new Map<number, { surfaceId: number; width: number; height: number }>();
  private readonly monitorConfigs = new Map<number, MonitorConfig[]>();
  private monitors: MonitorArea[] = [];
  private cursor: CursorState | undefined;
  private mouseMode = { mode: SPICE_MOUSE_MODE_SERVER, supported: SPICE_MOUSE_MODE_SERVER };
  private guestModifiers: number | undefined;
  /** The "too many monitors" notice was shown for this session. */
  private monitorsCapped = false;
  private readonly deps: SessionHostDeps;
  private readonly now: () => number;

  constructor(deps: SessionHostDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  get currentState(): SessionState {
    return this.state;
  }

  get monitorCount(): number {
    return this.monitors.length;
  }

  get title(): string {
    return this.config?.title || this.vmName || (this.config ? describeConfig(this.config) : 'Saffron');
  }

  titleFor(monitor: number): string {
    const title = printableText(this.title, 200);
    return this.monitors.length > 1 ? `${title} (display ${monitor + 1})` : title;
  }

  // ---- views ----

  attachView(monitor: number, sink: ViewSink): ViewHandle {
    const stream = new MonitorStream(
      sink,
      (channelId, surfaceId) => this.session?.getSurface(channelId, surfaceId),
      this.deps.streamOptions,
    );
    const entry: ViewEntry = { monitor, sink, stream, keys: new HeldKeys() };
    this.views.add(entry);
    this.sendInitial(entry);
    let attached = true;
    return {
      monitor,
      request: (method, payload) => {
        if (attached) this.handleRequest(entry, method, payload);
      },
      detach: () => {
        if (!attached) return;
        attached = false;
        this.releaseKeys(entry);
        stream.dispose();
        this.views.delete(entry);
      },
    };
  }

  private sendInitial(entry: ViewEntry): void {
    entry.stream.resetFlow();
    entry.sink.send({
      kind: 'view',
      monitor: entry.monitor,
      title: this.titleFor(entry.monitor),
      shell: this.deps.shell,
    });
    entry.sink.send(this.statusMessageNow());
    entry.sink.send({ kind: 'recent', entries: this.recentEntries() });
    entry.sink.send({ kind: 'mouse-mode', ...this.mouseMode });
    if (this.guestModifiers !== undefined)
      entry.sink.send({ kind: 'modifiers', modifiers: this.guestModifiers });
    const area = this.monitors[entry.monitor];
    entry.stream.setArea(undefined);
    if (area) {
      entry.stream.setArea(area);
      this.sendCursorShape(entry);
      this.sendCursorState(entry);
    }
  }

  private broadcast(message: ViewMessage): void {
    // Notices carry server text (NOTIFY, channel errors, .vv notes): printable only, one line each.
    if (message.kind === 'notice') message = { ...message, message: printableText(message.message) };
    for (const view of this.views) view.sink.send(message);
  }

  /** Runs a menu command in the views of `monitor` (all views if undefined). */
  command(command: ViewCommand, monitor?: number): void {
    for (const view of this.views)
      if (monitor === undefined || view.monitor === monitor) view.sink.send({ kind: 'command', command });
  }

  // ---- requests ----

  private handleRequest<M extends RequestMethod>(entry: ViewEntry, method: M, payload: RequestMap[M]): void {
    const p: RequestMap[RequestMethod] = payload;
    switch (method) {
      case 'viewReady':
        this.sendInitial(entry);
        return;
      case 'connect': {
        const r = p as RequestMap['connect'];
        this.connectForm(r);
        return;
      }
      case 'connectUri': {
        const r = p as RequestMap['connectUri'];
        this.tryConnect(() => {
          const config = this.deps.parseUri(r.uri);
          if (r.password !== undefined && r.password !== '') config.password = r.password;
          return config;
        });
        return;
      }
      case 'openVv': {
        const r = p as RequestMap['openVv'];
        this.tryConnect(() => {
          const config = this.deps.parseVv(r.text, r.fileName);
          // Only the text reached us (picker, drop, upload): the file itself cannot be deleted from here.
          if (config.deleteThisFile)
            config.notes.push(
              `${r.fileName} asks to be deleted after use (it may hold a one-time password); Saffron cannot delete a file opened in the window — delete it yourself`,
            );
          return config;
        });
        return;
      }
      case 'disconnect':
        this.disconnect();
        return;
      case 'reconnect':
        this.reconnect((p as RequestMap['reconnect']).password);
        return;
      case 'forgetRecent': {
        const r = p as RequestMap['forgetRecent'];
        this.saveRecent(this.recentEntries().filter((e) => e.id !== r.id));
        this.broadcast({ kind: 'recent', entries: this.recentEntries() });
        return;
      }
      case 'key': {
        const r = p as RequestMap['key'];
        this.sendStroke(entry, r);
        return;
      }
      case 'keyModifiers': {
        const r = p as RequestMap['keyModifiers'];
        if (this.state === 'connected' && r.modifiers !== this.guestModifiers) {
          this.session?.inputs.setModifiers(r.modifiers);
        }
        return;
      }
      case 'releaseKeys':
        this.releaseKeys(entry);
        return;
      case 'sendKeys': {
        const r = p as RequestMap['sendKeys'];
        this.sendKeys(r.combo);
        return;
      }
      case 'mouseMotion': {
        const r = p as RequestMap['mouseMotion'];
        if (this.state === 'connected') this.session?.inputs.mouseMotion(r.dx, r.dy, r.buttons);
        return;
      }
      case 'mousePosition': {
        const r = p as RequestMap['mousePosition'];
        const area = this.monitors[entry.monitor];
        if (this.state !== 'connected' || !area) return;
        const x = Math.min(r.x, area.width - 1);
        const y = Math.min(r.y, area.height - 1);
        this.session?.inputs.mousePosition(x, y, r.buttons, area.displayId);
        return;
      }
      case 'mouseButton': {
        const r = p as RequestMap['mouseButton'];
        if (this.state !== 'connected') return;
        if (r.down) this.session?.inputs.mousePress(r.button, r.buttons);
        else this.session?.inputs.mouseRelease(r.button, r.buttons);
        return;
      }
      case 'requestMouseMode': {
        const r = p as RequestMap['requestMouseMode'];
        if (this.state === 'connected' && this.mouseMode.supported & r.mode)
          this.session?.requestMouseMode(r.mode);
        return;
      }
      case 'frameAck': {
        const r = p as RequestMap['frameAck'];
        entry.stream.ack(r.seq);
        return;
      }
      case 'command': {
        const r = p as RequestMap['command'];
        this.deps.onShellCommand?.(entry.monitor, r.command);
        return;
      }
    }
  }

  private sendStroke(entry: ViewEntry, stroke: KeyStroke): void {
    if (this.state !== 'connected' || !this.session) return;
    if (!entry.keys.update(stroke)) return;
    if (stroke.down) this.session.inputs.keyDown(stroke.scancode);
    else this.session.inputs.keyUp(stroke.scancode);
  }

  private releaseKeys(entry: ViewEntry): void {
    const strokes = entry.keys.releaseAll();
    if (this.state !== 'connected' || !this.session) return;
    for (const s of strokes) this.session.inputs.keyUp(s.scancode);
  }

  /** Sends a "Send key" combination (press in order, release in reverse). */
  sendKeys(combo: RequestMap['sendKeys']['combo']): void {
    if (this.state !== 'connected' || !this.session) return;
    for (const stroke of sendKeyStrokes(combo)) {
      if (stroke.down) this.session.inputs.keyDown(stroke.scancode);
      else this.session.inputs.keyUp(stroke.scancode);
    }
  }

  // ---- connection lifecycle ----

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

  /** Connects to `config`, replacing any current session. Resolves when connected or failed (never rejects). */
  async connect(config: ConnectionConfig): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    this.config = config;
    this.vmName = '';
    for (const note of config.notes) this.broadcast({ kind: 'notice', level: 'info', message: note });
    for (const u of config.unsupported)
      this.broadcast({ kind: 'notice', level: 'warning', message: `${u.key}: ${u.reason}` });
    this.setStatus('connecting', `Connecting to ${describeConfig(config)}…`);
    this.updateTitles();
    let session: SessionLike;
    try {
      session = this.deps.createSession(config);
    } catch (e) {
      this.setStatus('error', statusTextForError(e), isSpiceError(e) ? e.code : 'config');
      return;
    }
    this.session = session;
    this.subscribe(session, generation);
    try {
      await session.connect();
    } catch (e) {
      if (generation !== this.generation) return;
      this.deps.logger.warn(`connect failed: ${errorMessage(e)}`);
      this.session = undefined;
      session.close();
      this.setStatus('error', statusTextForError(e), isSpiceError(e) ? e.code : 'closed');
      return;
    }
    if (generation !== this.generation) return;
    this.rememberRecent(config);
    this.setStatus('connected', `Connected to ${describeConfig(config)}`);
  }

  disconnect(): void {
    if (!this.session && this.state !== 'connecting') return;
    this.generation++;
    this.teardown();
    this.setStatus('disconnected', 'Disconnected.');
  }

  /** Connects again with the last settings; a password given here (the user answering "needs a password")
   * replaces the old one for this and later reconnects. */
  reconnect(password?: string): void {
    if (!this.config) return;
    if (password !== undefined && password !== '') this.config = { ...this.config, password };
    void this.connect(this.config);
  }

  /** An error no one handled (process guard of `saffron web`): shown to every view, the host keeps running. */
  reportInternalError(error: unknown): void {
    this.broadcast({
      kind: 'notice',
      level: 'error',
      message: printableText(
        `Internal error: ${errorMessage(error)}. Saffron keeps running; disconnect and connect again if the view is stuck.`,
      ),
    });
  }

  /** Closes the session and detaches nothing (views stay). */
  close(): void {
    this.generation++;
    this.teardown();
  }

  private teardown(): void {
    for (const view of this.views) this.releaseKeys(view);
    const session = this.session;
    this.session = undefined;
    this.primarySurfaces.clear();
    this.monitorConfigs.clear();
    this.cursor = undefined;
    this.guestModifiers = undefined;
    this.monitorsCapped = false;
    this.mouseMode = { mode: SPICE_MOUSE_MODE_SERVER, supported: SPICE_MOUSE_MODE_SERVER };
    this.updateMonitors();
    if (session) {
      try {
        session.close();
      } catch (e) {
        this.deps.logger.warn(`closing the session failed: ${errorMessage(e)}`);
      }
    }
  }

  private setStatus(state: SessionState, message: string, errorCode?: string): void {
    this.state = state;
    this.statusMessage = printableText(message);
    this.errorCode = errorCode;
    this.broadcast(this.statusMessageNow());
  }

  private statusMessageNow(): ViewMessage {
    const form = this.config ? statusFormFor(this.config) : undefined;
    return {
      kind: 'status',
      state: this.state,
      message: this.statusMessage,
      ...(this.errorCode !== undefined ? { errorCode: this.errorCode } : {}),
      ...(this.config ? { target: describeConfig(this.config) } : {}),
      ...(form ? { form } : {}),
      canReconnect: this.config !== undefined && this.state !== 'connecting',
    };
  }

  // ---- session events ----

  private subscribe(session: SessionLike, generation: number): void {
    const on = <K extends keyof SessionEventMap>(name: K, listener: (payload: SessionEventMap[K]) => void) =>
      session.on(name, (payload) => {
        if (generation === this.generation) listener(payload);
      });

    on('name', ({ name }) => {
      this.vmName = name;
      this.updateTitles();
    });
    on('ready', (r) => this.setMouseMode(r.currentMouseMode, r.mouseModes));
    on('mouse-mode', (m) => this.setMouseMode(m.current, m.supported));
    on('keyboard-modifiers', ({ modifiers }) => {
      this.guestModifiers = modifiers;
      this.broadcast({ kind: 'modifiers', modifiers });
    });
    on('surface-create', (s) => {
      if (!s.primary) return;
      this.primarySurfaces.set(s.channelId, { surfaceId: s.surfaceId, width: s.width, height: s.height });
      this.updateMonitors();
    });
    on('surface-destroy', (s) => {
      const primary = this.primarySurfaces.get(s.channelId);
      if (primary?.surfaceId !== s.surfaceId) return;
      this.primarySurfaces.delete(s.channelId);
      this.updateMonitors();
    });
    on('monitors', ({ channelId, monitors }) => {
      this.monitorConfigs.set(channelId, monitors);
      this.updateMonitors();
    });
    on('damage', ({ channelId, surfaceId, rect }) => {
      const r = { x: rect.left, y: rect.top, width: rect.right - rect.left, height: rect.bottom - rect.top };
      for (const view of this.views) view.stream.damage(channelId, surfaceId, r);
    });
    on('cursor-set', (c) => {
      this.cursor = { channelId: c.channelId, shape: c.shape, x: c.x, y: c.y, visible: c.visible };
      for (const view of this.views) {
        this.sendCursorShape(view);
        this.sendCursorState(view);
      }
    });
    on('cursor-move', (c) => {
      if (!this.cursor) this.cursor = { channelId: c.channelId, shape: null, x: c.x, y: c.y, visible: true };
      else Object.assign(this.cursor, { channelId: c.channelId, x: c.x, y: c.y });
      for (const view of this.views) this.sendCursorState(view);
    });
    on('cursor-hide', (c) => {
      if (this.cursor) Object.assign(this.cursor, { channelId: c.channelId, visible: false });
      for (const view of this.views) this.sendCursorState(view);
    });
    on('cursor-reset', () => {
      this.cursor = undefined;
      for (const view of this.views) {
        this.sendCursorShape(view);
        this.sendCursorState(view);
      }
    });
    on('notify', (n) => {
      if (n.message)
        this.broadcast({
          kind: 'notice',
          level: n.severity >= 2 ? 'error' : n.severity === 1 ? 'warning' : 'info',
          message: n.message,
        });
    });
    on('channel-error', (c) => {
      this.broadcast({ kind: 'notice', level: 'warning', message: c.error.message });
    });
    // Something the server uses that this version cannot show or handle: say so once, never drop it silently.
    on('unsupported', (u) => {
      this.broadcast({
        kind: 'notice',
        level: 'info',
        message: `Not supported by this version of Saffron: ${u.what}`,
      });
    });
    on('closed', ({ error }) => {
      if (this.session !== session) return;
      this.generation++;
      this.teardown();
      if (error) this.setStatus('error', statusTextForError(error), error.code);
      else this.setStatus('disconnected', 'The session was closed.');
    });
  }

  private setMouseMode(mode: number, supported: number): void {
    this.mouseMode = { mode, supported };
    this.broadcast({ kind: 'mouse-mode', mode, supported });
  }

  private cursorFor(view: ViewEntry): { area: MonitorArea; cursor: CursorState } | undefined {
    const area = this.monitors[view.monitor];
    const cursor = this.cursor;
    if (!area || !cursor || cursor.channelId !== area.channelId) return undefined;
    return { area, cursor };
  }

  private sendCursorShape(view: ViewEntry): void {
    const shape = this.cursor?.shape ?? null;
    let image: CursorImage | null = null;
    if (
      shape &&
      shape.width > 0 &&
      shape.height > 0 &&
      shape.pixels.byteLength === shape.width * shape.height * 4
    ) {
      image = {
        width: shape.width,
        height: shape.height,
        hotX: Math.min(shape.hotX, shape.width - 1),
        hotY: Math.min(shape.hotY, shape.height - 1),
        pixels: shape.pixels.slice().buffer,
      };
    }
    view.sink.send({ kind: 'cursor-shape', cursor: image });
  }

  private sendCursorState(view: ViewEntry): void {
    const found = this.cursorFor(view);
    if (!found) {
      view.sink.send({ kind: 'cursor-state', x: 0, y: 0, visible: this.cursor?.visible ?? true });
      return;
    }
    const { area, cursor } = found;
    const x = cursor.x - area.x;
    const y = cursor.y - area.y;
    const inside = x >= 0 && y >= 0 && x < area.width && y < area.height;
    view.sink.send({ kind: 'cursor-state', x, y, visible: cursor.visible && inside });
  }

  /** Recomputes the monitor list from primary surfaces and monitors configs; updates every view. */
  private updateMonitors(): void {
    const next: MonitorArea[] = [];
    for (const channelId of [...this.primarySurfaces.keys()].sort((a, b) => a - b)) {
      const primary = this.primarySurfaces.get(channelId);
      if (!primary) continue;
      const heads = (this.monitorConfigs.get(channelId) ?? []).filter(
        (m) => m.surfaceId === primary.surfaceId && m.width > 0 && m.height > 0,
      );
      if (heads.length === 0) {
        next.push({
          channelId,
          surfaceId: primary.surfaceId,
          displayId: channelId,
          x: 0,
          y: 0,
          width: primary.width,
          height: primary.height,
        });
        continue;
      }
      for (const head of [...heads].sort((a, b) => a.id - b.id)) {
        // Clip the head to the surface: a monitors config may briefly disagree with the surface size.
        const x = Math.max(0, Math.min(head.x, primary.width - 1));
        const y = Math.max(0, Math.min(head.y, primary.height - 1));
        const width = Math.min(head.width, primary.width - x);
        const height = Math.min(head.height, primary.height - y);
        if (width <= 0 || height <= 0) continue;
        next.push({
          channelId,
          surfaceId: primary.surfaceId,
          displayId: channelId > 0 ? channelId : head.id,
          x,
          y,
          width,
          height,
        });
      }
    }
    if (next.length > MAX_MONITORS) {
      if (!this.monitorsCapped)
        this.broadcast({
          kind: 'notice',
          level: 'warning',
          message: `The server announced ${next.length} monitors; only the first ${MAX_MONITORS} are shown.`,
        });
      this.monitorsCapped = true;
      next.length = MAX_MONITORS;
    }
    const countChanged = next.length !== this.monitors.length;
    this.monitors = next;
    for (const view of this.views) {
      const area = next[view.monitor];
      const old = view.stream.currentArea;
      if (!area) {
        if (old) view.stream.setArea(undefined);
        continue;
      }
      if (!old || !sameArea(old, area)) view.stream.setArea(area);
    }
    if (countChanged) {
      this.updateTitles();
      this.deps.onMonitorCount?.(next.length);
    }
  }

  private updateTitles(): void {
    for (const view of this.views)
      view.sink.send({
        kind: 'view',
        monitor: view.monitor,
        title: this.titleFor(view.monitor),
        shell: this.deps.shell,
      });
  }

  // ---- recent connections (never with passwords) ----

  private recentEntries(): RecentConnection[] {
    try {
      return this.deps.recent?.load() ?? [];
    } catch (e) {
      this.deps.logger.warn(`could not read recent connections: ${errorMessage(e)}`);
      return [];
    }
  }

  private saveRecent(entries: RecentConnection[]): void {
    try {
      this.deps.recent?.save(entries);
    } catch (e) {
      this.deps.logger.warn(`could not save recent connections: ${errorMessage(e)}`);
    }
  }

  private rememberRecent(config: ConnectionConfig): void {
    if (!this.deps.recent || config.unixPath !== undefined) return;
    const tls = config.port === undefined && config.tlsPort !== undefined;
    const port = tls ? config.tlsPort : config.port;
    if (port === undefined || config.host === '') return;
    // An opaque host with ':' that is not an IPv6 address is a proxy ticket (Proxmox `pvespiceproxy:…`): a
    // signed credential that expires in seconds and cannot be connected to directly — never stored.
    if (config.host.includes(':') && !isIPv6(config.host.replace(/%.*$/, ''))) return;
    const id = `${tls ? 'spice+tls' : 'spice'}://${config.host}:${port}`;
    const entry: RecentConnection = {
      id,
      label: config.title ? `${config.title} — ${describeConfig(config)}` : describeConfig(config),
      host: config.host,
      port,
      tls,
      lastUsedMs: this.now(),
    };
    const entries = [entry, ...this.recentEntries().filter((e) => e.id !== id)].slice(
      0,
      this.deps.maxRecent ?? 10,
    );
    this.saveRecent(entries);
    this.broadcast({ kind: 'recent', entries });
  }
}

function sameArea(a: MonitorArea, b: MonitorArea): boolean {
  return (
    a.channelId === b.channelId &&
    a.surfaceId === b.surfaceId &&
    a.displayId === b.displayId &&
    a.x === b.x &&
    a.y === b.y &&
    a.width === b.width &&
    a.height === b.height
  );
}
