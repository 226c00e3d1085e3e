// The video bridge: each view's WebCodecs decoders (the `videoDecoders` report) feed the forward video backend's
// codec list, and the forward backend's streams go to the views that show them — 'video-stream' when one starts
// or its clip changes, 'video-frame' with the server's bytes, 'video-stream-end' — in the view's monitor
// coordinates. A view's `videoFeedback` (late frames, or a stream it cannot play) goes back to the stream table, and
// a stream a view cannot play gets one notice in that view (the server is asked for images instead).
import type { Rect } from '../../../shared/rect';
import { intersectRect, offsetRect } from '../../../shared/rect';
import type { VideoStreamInfo } from '../../spice/session-events';
import type { ForwardVideo } from '../../spice/video/forward-backend';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import type { SessionLike } from '../session-like';
import { monitorOfView } from './views-bridge';

/** Most streams the bridge tracks (spice-server has at most SPICE_MAX_NUM_STREAMS per display channel). */
const MAX_STREAMS = 256;

export class VideoBridge implements SessionBridge {
  readonly name = 'video';
  private readonly streams = new Map<string, VideoStreamInfo>();
  /** The views each stream was announced to (frames go only there). */
  private readonly shownIn = new Map<string, Set<ViewPort>>();
  /** Streams a view already got a notice for (one notice per failure). */
  private noticed = new Set<string>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly forward: ForwardVideo,
  ) {}

  readonly handlers: Pick<RequestHandlers, 'videoDecoders' | 'videoFeedback'> = {
    videoDecoders: (r, view) => this.forward.setViewCodecs(view.id, r.codecs),
    videoFeedback: (r, view) => {
      const key = keyOf(r.channelId, r.streamId);
      if (!this.shownIn.get(key)?.has(view)) return;
      this.forward.feedback(r.channelId, r.streamId, r.drops, r.error);
      if (r.error !== '' && !this.noticed.has(key)) {
        this.noticed.add(key);
        this.ctx.logger.warn(`video stream ${r.streamId} cannot be played in view ${view.id}: ${r.error}`);
        view.send({
          kind: 'notice',
          level: 'warning',
          message: 'A video stream could not be decoded here; the server was asked to send pictures instead.',
        });
      }
    },
  };

  viewAttached(view: ViewPort): void {
    for (const [key, info] of this.streams) this.announce(key, info, view);
  }

  viewDetached(view: ViewPort): void {
    this.forward.setViewCodecs(view.id, undefined);
    for (const views of this.shownIn.values()) views.delete(view);
  }

  sessionStarted(_session: SessionLike, on: Subscribe): void {
    this.clear();
    on('video-stream-create', (info) => {
      const key = keyOf(info.channelId, info.streamId);
      this.end(key);
      if (this.streams.size >= MAX_STREAMS) return;
      this.streams.set(key, info);
      this.noticed.delete(key);
      for (const view of this.ctx.views) this.announce(key, info, view);
    });
    on('video-stream-clip', ({ channelId, streamId, clip }) => {
      const key = keyOf(channelId, streamId);
      const info = this.streams.get(key);
      if (!info) return;
      const next = { ...info, clip };
      this.streams.set(key, next);
      for (const view of this.ctx.views) this.announce(key, next, view);
    });
    on('video-frame', (frame) => {
      const key = keyOf(frame.channelId, frame.streamId);
      const views = this.shownIn.get(key);
      if (!views || views.size === 0) return;
      for (const view of views) {
        const monitor = monitorOfView(this.ctx, view);
        if (!monitor) continue;
        view.send({
          kind: 'video-frame',
          channelId: frame.channelId,
          streamId: frame.streamId,
          delayMs: Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(frame.delayMs))),
          width: frame.width,
          height: frame.height,
          rect: offsetRect(frame.dest, -monitor.area.left, -monitor.area.top),
          // The event's bytes are a view into the SPICE message: each view gets its own copy to keep.
          data: Uint8Array.from(frame.data),
        });
      }
    });
    on('video-stream-destroy', ({ channelId, streamId }) => this.end(keyOf(channelId, streamId)));
  }

  sessionEnded(): void {
    this.clear();
  }

  /** Tells `view` about the stream if its monitor shows part of it (or that it left the view). */
  private announce(key: string, info: VideoStreamInfo, view: ViewPort): void {
    const monitor = monitorOfView(this.ctx, view);
    const views = this.shownIn.get(key) ?? new Set<ViewPort>();
    this.shownIn.set(key, views);
    const shows =
      monitor !== undefined &&
      monitor.channelId === info.channelId &&
      monitor.surfaceId === info.surfaceId &&
      intersectRect(monitor.area, info.dest) !== null;
    if (!shows) {
      if (views.delete(view))
        view.send({ kind: 'video-stream-end', channelId: info.channelId, streamId: info.streamId });
      return;
    }
    const dx = -monitor.area.left;
    const dy = -monitor.area.top;
    views.add(view);
    view.send({
      kind: 'video-stream',
      channelId: info.channelId,
      streamId: info.streamId,
      codec: info.codec,
      topDown: info.topDown,
      rect: offsetRect(info.dest, dx, dy),
      clip: info.clip === null ? null : info.clip.map((r: Rect) => offsetRect(r, dx, dy)),
    });
  }

  private end(key: string): void {
    const info = this.streams.get(key);
    const views = this.shownIn.get(key);
    this.streams.delete(key);
    this.shownIn.delete(key);
    if (!info || !views) return;
    for (const view of views)
      view.send({ kind: 'video-stream-end', channelId: info.channelId, streamId: info.streamId });
  }

  private clear(): void {
    for (const key of [...this.streams.keys()]) this.end(key);
    this.noticed = new Set();
  }
}

function keyOf(channelId: number, streamId: number): string {
  return `${channelId}:${streamId}`;
}
