// The second VideoBackend: streams the views decode themselves (WebCodecs VideoDecoder in the page). Nothing is
// decoded or drawn in the core: each stream's start, frames (the server's bytes, untouched), clip changes and end
// become the session events 'video-stream-create' / 'video-frame' / 'video-stream-clip' / 'video-stream-destroy',
// which the session process's video bridge sends to the views that show the stream's surface. What it plays is
// what the views said they decode (`setViewCodecs`, from each view's VideoDecoder.isConfigSupported probe): a codec
// every reporting view decodes. The display channel asks `ready()` before it links (the CODEC_* caps go in the
// link), so it waits a moment for the first view to report. A view that cannot play a stream after all, or that
// shows frames late, reports it through `feedback`, which reaches the stream table (invalid-stream report: the
// server then sends images; drops: counted in the next STREAM_REPORT).
import { clipRects } from './video-streams';
import type { VideoBackend, VideoStream, VideoStreamDecoder, VideoTarget } from './video-decoder';

export interface ForwardVideoOptions {
  /** How long a linking display channel waits for the first view's decoder report (default 3000 ms). */
  waitForViewsMs?: number;
}

export interface ForwardVideo {
  readonly backend: VideoBackend;
  /** What one view decodes (undefined: the view is gone). */
  setViewCodecs(viewId: number, codecs: readonly number[] | undefined): void;
  /** A view's report on a stream: frames shown late, or why it cannot play it ('' = plays). */
  feedback(channelId: number, streamId: number, drops: number, error: string): void;
}

interface Live {
  stream: VideoStream;
  target: VideoTarget;
}

export function createForwardVideo(options: ForwardVideoOptions = {}): ForwardVideo {
  const waitMs = options.waitForViewsMs ?? 3000;
  const views = new Map<number, readonly number[]>();
  const live = new Map<string, Live>();
  let wake: (() => void) | undefined;
  const key = (channelId: number, streamId: number): string => `${channelId}:${streamId}`;

  const backend: VideoBackend = {
    name: 'WebCodecs in the view',
    get codecs(): readonly number[] {
      const lists = [...views.values()];
      if (lists.length === 0) return [];
      return lists[0]!.filter((c) => lists.every((l) => l.includes(c)));
    },
    ready() {
      if (views.size > 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    },
    create(stream, target): VideoStreamDecoder {
      const id = key(stream.channelId, stream.id);
      live.set(id, { stream, target });
      target.emit('video-stream-create', {
        channelId: stream.channelId,
        streamId: stream.id,
        surfaceId: stream.surfaceId,
        codec: stream.codec,
        topDown: stream.topDown,
        width: stream.width,
        height: stream.height,
        dest: stream.dest,
        clip: clipRects(stream.clip),
      });
      return {
        frame(frame) {
          target.emit('video-frame', {
            channelId: stream.channelId,
            streamId: stream.id,
            data: frame.data,
            dest: frame.dest,
            width: frame.width,
            height: frame.height,
            mmTimeMs: frame.mmTimeMs,
            delayMs: frame.marginMs,
          });
        },
        clipChanged() {
          target.emit('video-stream-clip', {
            channelId: stream.channelId,
            streamId: stream.id,
            clip: clipRects(stream.clip),
          });
        },
        destroy() {
          if (live.get(id)?.stream === stream) live.delete(id);
          target.emit('video-stream-destroy', { channelId: stream.channelId, streamId: stream.id });
        },
      };
    },
  };

  return {
    backend,
    setViewCodecs(viewId, codecs) {
      if (codecs === undefined) views.delete(viewId);
      else views.set(viewId, [...codecs]);
      if (views.size > 0) wake?.();
    },
    feedback(channelId, streamId, drops, error) {
      const entry = live.get(key(channelId, streamId));
      if (!entry) return;
      if (drops > 0) entry.target.drops(entry.stream, drops);
      if (error !== '') entry.target.fail(entry.stream, error);
    },
  };
}
