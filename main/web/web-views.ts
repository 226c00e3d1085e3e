// `saffron web`'s side of its session process: each browser tab's WebSocket is a view of the process, carried on the
// process socket (mux.ts). Frames for a tab are forwarded as they arrive — WebSocket fragments of the very chunks
// read from the socket, never joined or re-encoded — and the tab's text frames go to the process unparsed (the
// session process guards them). When the process dies, the supervisor starts another and every open tab is
// attached to it again; the new process shows the error, and Reconnect there connects again.
import type { AgentSettings, SessionState } from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import type { Logger } from '../spice/logger';
import { SessionSupervisor } from '../ipc/session-supervisor';
import type { SocketProcessLink } from '../ipc/socket-process-link';
import { MuxType } from '../ipc/mux';
import type { UsbLaunchOptions } from '../session/bridges/usb-launch-options';

/** What the hub needs of a tab's WebSocket. */
export interface TabSocket {
  /** Sends a (piece of a) message; `fin` false means more pieces of the same message follow. */
  send(data: Buffer, binary: boolean, fin: boolean): void;
  /** Bytes queued for the browser (a tab that stops reading is disconnected). */
  readonly bufferedBytes: number;
  close(code: number, reason: string): void;
}

export interface WebViewsOptions {
  launch(): SocketProcessLink;
  logger: Logger;
  debug: boolean;
  /** A tab whose socket buffers more than this is too slow and is disconnected. */
  maxBufferedBytes: number;
  /** Where the user's settings are kept (memory when absent). */
  settingsFile?: string;
  /** Reconnect by itself when a connection drops (default true; `saffron web --no-reconnect`). */
  autoReconnect?: boolean;
  /** The sessions' memory budget in bytes (`saffron web --max-memory`). */
  maxMemoryBytes?: number;
  /** USB images and filters from `saffron web`'s command line. */
  usb?: UsbLaunchOptions;
  /** Agent settings set by `saffron web`'s command line for this run (`--auto-resize`). */
  agent?: Partial<AgentSettings>;
}

interface Tab {
  monitor: number;
  socket: TabSocket;
  /** A message to this tab is cut in pieces mid-way (fin not sent yet). */
  open: boolean;
}

export class WebViews {
  private readonly supervisor: SessionSupervisor;
  private readonly tabs = new Map<number, Tab>();
  private nextViewId = 1;
  private link: SocketProcessLink | undefined;
  private closed = false;
  /** The session's state as the session process last reported it. */
  private state: SessionState = 'idle';

  constructor(private readonly options: WebViewsOptions) {
    this.supervisor = new SessionSupervisor({
      launch: () => {
        this.finishCutMessages();
        const link = options.launch();
        link.onViewFragment((f) => this.forward(f.viewId, f.type === MuxType.binary, f.chunk, f.last));
        this.link = link;
        return link;
      },
      init: {
        shell: 'web',
        debug: options.debug,
        ...(options.autoReconnect === false ? { autoReconnect: false } : {}),
        ...(options.maxMemoryBytes !== undefined ? { maxMemoryBytes: options.maxMemoryBytes } : {}),
        ...(options.usb ? { usb: options.usb } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.settingsFile !== undefined ? { settingsFile: options.settingsFile } : {}),
      },
      // Monitor counts and window commands mean nothing to a browser tab; the state drives `web --timeout`.
      onMessage: (m) => {
        if (m.t === 'state') this.state = m.state;
      },
      onRestart: () => {
        for (const [viewId, tab] of this.tabs)
          this.supervisor.send({ t: 'attach', viewId, monitor: tab.monitor });
      },
      onGiveUp: (reason) => {
        options.logger.error(reason);
        for (const tab of this.tabs.values()) tab.socket.close(1011, reason.slice(0, 120));
      },
      logger: options.logger,
    });
    this.supervisor.start();
  }

  get currentState(): SessionState {
    return this.state;
  }

  /** The session process's OS id (diagnostics, tests). */
  get sessionProcessId(): number | undefined {
    return this.supervisor.pid;
  }

  /** Connects to `config` at once (`saffron web URI`). */
  connect(config: ConnectionConfig): void {
    this.supervisor.send({ t: 'connect', config });
  }

  /** A tab opened: returns how to pass on its text frames and to detach it when it closes. */
  attach(
    monitor: number,
    socket: TabSocket,
  ): { fromTab(text: Buffer): void; fromTabBinary(bytes: Buffer): void; detach(): void } {
    const viewId = this.nextViewId++;
    this.tabs.set(viewId, { monitor, socket, open: false });
    this.supervisor.send({ t: 'attach', viewId, monitor });
    return {
      fromTab: (text) => this.link?.sendViewText(viewId, text),
      fromTabBinary: (bytes) => this.link?.sendViewBinary(viewId, bytes),
      detach: () => {
        if (!this.tabs.delete(viewId) || this.closed) return;
        this.supervisor.send({ t: 'detach', viewId });
      },
    };
  }

  close(): void {
    this.closed = true;
    this.supervisor.close();
  }

  private forward(viewId: number, binary: boolean, chunk: Buffer, last: boolean): void {
    const tab = this.tabs.get(viewId);
    if (!tab) return;
    if (tab.socket.bufferedBytes > this.options.maxBufferedBytes) {
      this.options.logger.warn('a browser tab is too slow to keep up; disconnecting it');
      this.tabs.delete(viewId);
      tab.socket.close(1013, 'too slow');
      this.supervisor.send({ t: 'detach', viewId });
      return;
    }
    tab.socket.send(chunk, binary, last);
    tab.open = !last;
  }

  /**
   * The process died in the middle of a tab's message: complete it with zeros so the WebSocket stays valid (the page
   * drops or draws one black rectangle; the new process re-sends every pixel anyway).
   */
  private finishCutMessages(): void {
    const pending = this.link?.pendingView;
    this.link = undefined;
    if (!pending) return;
    const tab = this.tabs.get(pending.viewId);
    if (tab?.open) {
      tab.socket.send(Buffer.alloc(pending.remaining), pending.type === MuxType.binary, true);
      tab.open = false;
    }
  }
}
