// One BrowserWindow per guest monitor. Monitor 0's window always exists (it shows the connect panel when not
// connected); windows for further monitors open and close with the guest's monitor count. Each loaded page gets
// its own MessagePort pair: one end goes to whoever runs the session (`attachView`), the other to the page, which
// its preload hands on to the page's main world. Only after did-finish-load, so the page is listening.
import { BrowserWindow, MessageChannelMain } from 'electron';
import type { MessagePortMain, WebContents } from 'electron';
import { VIEW_PORT_CHANNEL } from '../../shared/contract';
import { hardenWebContents, secureWebPreferences } from './hardening';

export interface WindowManagerOptions {
  /** Connects a window's port to the session; returns how to detach it. */
  attachView(monitor: number, port: MessagePortMain): () => void;
  preloadPath: string;
  pageUrl: string;
  iconPath?: string;
  /** The last window (monitor 0) was closed. */
  onMainWindowClosed(): void;
}

interface MonitorWindow {
  window: BrowserWindow;
  detach: (() => void) | undefined;
}

export class WindowManager {
  private readonly windows = new Map<number, MonitorWindow>();

  constructor(private readonly options: WindowManagerOptions) {}

  /** The window of monitor 0, created on demand. */
  mainWindow(): BrowserWindow {
    return this.open(0).window;
  }

  windowFor(monitor: number): BrowserWindow | undefined {
    return this.windows.get(monitor)?.window;
  }

  /** The monitor whose window shows `contents`, if it is one of ours. */
  monitorOf(contents: WebContents): number | undefined {
    for (const [monitor, entry] of this.windows) if (entry.window.webContents === contents) return monitor;
    return undefined;
  }

  /** The monitor whose window has focus (0 if none). */
  focusedMonitor(): number {
    const focused = BrowserWindow.getFocusedWindow();
    for (const [monitor, entry] of this.windows) if (entry.window === focused) return monitor;
    return 0;
  }

  /** Opens or closes windows so there is one per guest monitor (and always monitor 0's). */
  setMonitorCount(count: number): void {
    for (let monitor = 1; monitor < count; monitor++) this.open(monitor);
    for (const [monitor, entry] of this.windows) if (monitor >= Math.max(count, 1)) entry.window.close();
  }

  toggleFullscreen(monitor: number, on?: boolean): void {
    const window = this.windowFor(monitor);
    if (window) window.setFullScreen(on ?? !window.isFullScreen());
  }

  /** Gives every loaded window a fresh port (the session process was replaced). */
  reattachAll(): void {
    for (const [monitor, entry] of this.windows) if (entry.detach) this.attach(monitor, entry);
  }

  private open(monitor: number): MonitorWindow {
    const existing = this.windows.get(monitor);
    if (existing) return existing;
    const window = new BrowserWindow({
      width: 1024,
      height: 800,
      show: false,
      title: 'Saffron',
      backgroundColor: '#1e1e1e',
      autoHideMenuBar: false,
      ...(this.options.iconPath ? { icon: this.options.iconPath } : {}),
      webPreferences: secureWebPreferences(this.options.preloadPath),
    });
    const entry: MonitorWindow = { window, detach: undefined };
    this.windows.set(monitor, entry);
    const contents = window.webContents;
    hardenWebContents(contents);
    window.once('ready-to-show', () => window.show());
    // A (re)loaded page gets a fresh port and a fresh view; the old ones are dropped.
    contents.on('did-finish-load', () => this.attach(monitor, entry));
    window.on('closed', () => {
      entry.detach?.();
      entry.detach = undefined;
      this.windows.delete(monitor);
      if (monitor === 0) this.options.onMainWindowClosed();
    });
    void window.loadURL(this.options.pageUrl);
    return entry;
  }

  private attach(monitor: number, entry: MonitorWindow): void {
    entry.detach?.();
    const { port1, port2 } = new MessageChannelMain();
    entry.detach = this.options.attachView(monitor, port1);
    entry.window.webContents.postMessage(VIEW_PORT_CHANNEL, null, [port2]);
  }
}
