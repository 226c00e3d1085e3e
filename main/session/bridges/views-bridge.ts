// The monitors/views bridge: which monitor each view shows (the display channels own the layout; this bridge only
// caps how many become views), one display stream per view (damage → frames with back-pressure), frame acks, window
// titles, the monitor count the shell opens windows for, and menu/shell commands for a view.
import type { ViewCommand } from '../../../shared/contract';
import { printableText } from '../../../shared/printable-text';
import { rectHeight, rectWidth } from '../../../shared/rect';
import type { DisplayMonitor } from '../../spice/channels/display-monitors';
import { sameMonitor } from '../../spice/channels/display-monitors';
import { describeConfig } from '../../spice/connect/config';
import { MonitorStream, type MonitorStreamOptions } from '../display-stream/monitor-stream';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import type { SessionLike } from '../session-like';

/** Most monitors shown (one window each in the Electron shell); the server decides how many it announces. */
export const MAX_MONITORS = 16;

/** The monitors that become views: the core's list, capped. */
export function shownMonitors(session: SessionLike | undefined): DisplayMonitor[] {
  return (session?.monitors() ?? []).slice(0, MAX_MONITORS);
}

/** The monitor a view shows, if its index exists now. */
export function monitorOfView(ctx: SessionContext, view: ViewPort): DisplayMonitor | undefined {
  return shownMonitors(ctx.session)[view.monitor];
}

export class ViewsBridge implements SessionBridge {
  readonly name = 'views';
  private readonly streams = new Map<ViewPort, MonitorStream>();
  /** The count last reported to the shell. */
  private count = 0;
  /** The "too many monitors" notice was shown for this session. */
  private capNoticeShown = false;
  /** The VM name shown in titles (kept after a disconnect, as the window title was). */
  private vmName = '';
  /** A reconnected session has not announced its monitors yet: the views keep the old ones, then start afresh. */
  private resuming = false;

  constructor(
    private readonly ctx: SessionContext,
    private readonly streamOptions: MonitorStreamOptions = {},
  ) {}

  get monitorCount(): number {
    return this.count;
  }

  get title(): string {
    const config = this.ctx.config;
    return config?.title || this.vmName || (config ? describeConfig(config) : 'Saffron');
  }

  titleFor(monitor: number): string {
    // The VM name comes from the server: printable only.
    const title = printableText(this.title, 200);
    return this.count > 1 ? `${title} (display ${monitor + 1})` : title;
  }

  readonly handlers: Pick<RequestHandlers, 'frameAck' | 'command'> = {
    frameAck: (r, view) => this.streams.get(view)?.ack(r.seq),
    command: (r, view) => this.ctx.events.command(view.monitor, r.command),
  };

  /** Runs a menu command in the views of `monitor` (all views if undefined). */
  command(command: ViewCommand, monitor?: number): void {
    for (const view of this.ctx.views)
      if (monitor === undefined || view.monitor === monitor) view.send({ kind: 'command', command });
  }

  viewAttached(view: ViewPort): void {
    let stream = this.streams.get(view);
    if (!stream) {
      stream = new MonitorStream(
        view,
        (channelId, surfaceId) => this.ctx.session?.getSurface(channelId, surfaceId),
        this.streamOptions,
      );
      this.streams.set(view, stream);
    }
    stream.resetFlow();
    view.send({
      kind: 'view',
      monitor: view.monitor,
      title: this.titleFor(view.monitor),
      shell: this.ctx.shell,
    });
    // A (re)attached view starts from scratch: its size, then every pixel.
    stream.setArea(undefined);
    stream.setArea(monitorOfView(this.ctx, view));
  }

  viewDetached(view: ViewPort): void {
    this.streams.get(view)?.dispose();
    this.streams.delete(view);
  }

  sessionStarted(session: SessionLike, on: Subscribe): void {
    this.resuming = this.ctx.reconnecting && this.count > 0;
    if (!this.resuming) this.vmName = '';
    this.capNoticeShown = false;
    on('name', ({ name }) => {
      this.vmName = name;
      this.updateTitles();
    });
    on('monitors', () => this.updateMonitors());
    on('damage', ({ channelId, surfaceId, rect }) => {
      for (const stream of this.streams.values()) stream.damage(channelId, surfaceId, rect);
    });
    this.updateMonitors();
    this.updateTitles();
  }

  sessionEnded(): void {
    this.updateMonitors();
  }

  private updateMonitors(): void {
    const all = this.ctx.session?.monitors() ?? [];
    // While reconnecting, windows and their last picture stay until the new session shows its monitors.
    if (all.length === 0 && this.ctx.reconnecting && this.count > 0) return;
    if (this.resuming && all.length > 0) {
      this.resuming = false;
      for (const stream of this.streams.values()) {
        stream.resetFlow();
        stream.setArea(undefined);
      }
    }
    if (all.length > MAX_MONITORS && !this.capNoticeShown) {
      this.capNoticeShown = true;
      this.ctx.broadcast({
        kind: 'notice',
        level: 'warning',
        message: `The server announced ${all.length} monitors; only the first ${MAX_MONITORS} are shown.`,
      });
    }
    const shown = all.slice(0, MAX_MONITORS);
    for (const [view, stream] of this.streams) {
      const monitor = shown[view.monitor];
      const old = stream.currentArea;
      if (!monitor) {
        if (old) stream.setArea(undefined);
        continue;
      }
      if (!old || !sameMonitor(old, monitor)) stream.setArea(monitor);
    }
    if (shown.length !== this.count) {
      this.count = shown.length;
      this.updateTitles();
      this.ctx.events.monitorCount(shown.length);
    }
  }

  private updateTitles(): void {
    for (const view of this.ctx.views)
      view.send({
        kind: 'view',
        monitor: view.monitor,
        title: this.titleFor(view.monitor),
        shell: this.ctx.shell,
      });
  }
}

/** Width and height of a monitor's area (what its view's canvas is). */
export function monitorSize(m: DisplayMonitor): { width: number; height: number } {
  return { width: rectWidth(m.area), height: rectHeight(m.area) };
}
