// The display channel's video streams (spice-gtk channel-display.c: display_handle_stream_*): the stream table
// fed by STREAM_CREATE / DATA / DATA_SIZED / CLIP / DESTROY / DESTROY_ALL / ACTIVATE_REPORT, each stream played
// by the first VideoBackend that plays its codec (video-decoder.ts), and the STREAM_REPORTs the server's rate
// control needs (stream-report.ts). A stream no backend can play, or that a backend gives up on, is reported to
// the server as invalid (num_drops = UINT32_MAX) so it sends that area as images instead; its later frames are
// ignored until the server reuses the id.
import { SpiceError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { mmTimeDiff } from '../multimedia-clock';
import * as E from '../protocol/enums';
import type { SpiceClip, SpiceMsgcDisplayStreamReport, SpiceMsgDisplayStreamCreate } from '../codecs/display';
import type { DecodedImage } from '../decoders/types';
import type { SessionEventMap, SessionEventName } from '../session-events';
import type { Rect } from '../surfaces/types';
import { videoCodecLabel } from '../../../shared/video-codecs';
import { invalidStreamReport, StreamReporter, type ReportClock } from './stream-report';
import type { VideoBackend, VideoStream, VideoStreamDecoder, VideoTarget } from './video-decoder';

export interface VideoStreamsClock extends ReportClock {
  /** The server's mm-time now, as the client estimates it. */
  nowMs(): number;
}

export interface VideoStreamsHost {
  readonly channelId: number;
  readonly logger: Logger;
  readonly clock: VideoStreamsClock;
  hasSurface(surfaceId: number): boolean;
  drawFrame(stream: VideoStream, frame: DecodedImage, dest: Rect): Promise<void>;
  /** See VideoTarget.reserveFrame: refuses a frame larger than its surface, holds its memory in the budget. */
  reserveFrame(stream: VideoStream, width: number, height: number): () => void;
  emit<K extends SessionEventName>(name: K, payload: SessionEventMap[K]): void;
  /** Sends a STREAM_REPORT (the channel advertises STREAM_REPORT). */
  sendReport(report: SpiceMsgcDisplayStreamReport): void;
  /** Reports something we cannot show, once per distinct text. */
  unsupported(what: string): void;
}

interface StreamEntry {
  stream: VideoStream;
  /** null: no backend plays it, or it failed; its frames are ignored. */
  decoder: VideoStreamDecoder | null;
  reporter: StreamReporter;
  /** Frames dropped because no decoder plays the stream (logged once). */
  ignoredFrames: number;
}

/** The visible part of a stream: null = all of dest (SPICE_CLIP_TYPE_NONE), else the clip rectangles. */
export function clipRects(clip: SpiceClip): Rect[] | null {
  return clip.type === E.SPICE_CLIP_TYPE_RECTS ? clip.rects : null;
}

export class VideoStreams {
  private readonly streams = new Map<number, StreamEntry>();

  constructor(
    private readonly host: VideoStreamsHost,
    private readonly backends: readonly VideoBackend[],
  ) {}

  /** The codecs some backend plays now (deduplicated, in backend order). */
  playableCodecs(): number[] {
    return [...new Set(this.backends.flatMap((b) => b.codecs))];
  }

  /** Settles when every backend knows what it plays (called before the channel links: caps go in the link). */
  async ready(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.ready?.() ?? Promise.resolve()));
  }

  get size(): number {
    return this.streams.size;
  }

  create(msg: SpiceMsgDisplayStreamCreate): void {
    if (msg.id >= E.SPICE_MAX_NUM_STREAMS)
      throw new SpiceError('protocol', `stream id ${msg.id} out of range`);
    if (!this.host.hasSurface(msg.surface_id))
      throw new SpiceError('protocol', `stream ${msg.id} on unknown surface ${msg.surface_id}`);
    if (
      msg.stream_width === 0 ||
      msg.stream_height === 0 ||
      msg.stream_width > 16384 ||
      msg.stream_height > 16384
    )
      throw new SpiceError('protocol', `stream ${msg.id}: bad size ${msg.stream_width}x${msg.stream_height}`);
    this.destroy((s) => s.id === msg.id);
    const stream: VideoStream = {
      channelId: this.host.channelId,
      id: msg.id,
      surfaceId: msg.surface_id,
      codec: msg.codec_type,
      topDown: (msg.flags & E.SPICE_STREAM_FLAGS_TOP_DOWN) !== 0,
      width: msg.stream_width,
      height: msg.stream_height,
      dest: msg.dest,
      clip: msg.clip,
    };
    const entry: StreamEntry = {
      stream,
      decoder: null,
      reporter: new StreamReporter(msg.id, this.host.clock),
      ignoredFrames: 0,
    };
    this.streams.set(msg.id, entry);
    const backend = this.backends.find((b) => b.codecs.includes(msg.codec_type));
    if (!backend) {
      const played = this.playableCodecs().map(videoCodecLabel);
      this.host.unsupported(
        `video stream codec ${videoCodecLabel(msg.codec_type)} (${
          played.length
            ? `only ${played.join(', ')} ${played.length === 1 ? 'is' : 'are'} played here`
            : 'no video decoder'
        }); the server was asked to send images instead`,
      );
      this.host.sendReport(invalidStreamReport(msg.id));
      return;
    }
    this.host.logger.debug(`stream ${msg.id}: ${videoCodecLabel(msg.codec_type)} by ${backend.name}`, {
      width: msg.stream_width,
      height: msg.stream_height,
      dest: msg.dest,
    });
    entry.decoder = backend.create(stream, this.target);
  }

  async frame(id: number, data: Uint8Array, mmTimeMs: number, sized: SizedFrame | null): Promise<void> {
    const entry = this.streams.get(id);
    if (!entry) {
      this.host.logger.warn(`STREAM_DATA for unknown stream ${id}`);
      return;
    }
    const { stream } = entry;
    if (sized) {
      if (sized.width === 0 || sized.height === 0 || sized.width > 16384 || sized.height > 16384)
        throw new SpiceError('protocol', `stream ${id}: bad frame size ${sized.width}x${sized.height}`);
      stream.dest = sized.dest;
    }
    const margin = mmTimeDiff(mmTimeMs, this.host.clock.nowMs());
    const report = entry.reporter.frame(mmTimeMs, margin);
    if (report) {
      this.host.logger.debug(`stream ${id}: STREAM_REPORT`, {
        frames: report.num_frames,
        drops: report.num_drops,
        lastFrameDelayMs: report.last_frame_delay,
      });
      this.host.sendReport(report);
    }
    if (!entry.decoder) {
      if (entry.ignoredFrames++ === 0)
        this.host.logger.debug(`stream ${id}: frames ignored (not played here)`);
      return;
    }
    try {
      await entry.decoder.frame({
        data,
        dest: stream.dest,
        width: sized?.width ?? stream.width,
        height: sized?.height ?? stream.height,
        mmTimeMs,
        marginMs: margin,
      });
    } catch (e) {
      // One bad frame must not end the stream (spice-gtk drops it too).
      this.host.logger.warn(`stream ${id}: frame dropped: ${errorMessage(e)}`);
    }
  }

  clip(id: number, clip: SpiceClip): void {
    const entry = this.streams.get(id);
    if (!entry) {
      this.host.logger.warn(`STREAM_CLIP for unknown stream ${id}`);
      return;
    }
    entry.stream.clip = clip;
    entry.decoder?.clipChanged?.();
  }

  activateReport(id: number, uniqueId: number, maxWindowSize: number, timeoutMs: number): void {
    const entry = this.streams.get(id);
    if (!entry) {
      this.host.logger.warn(`STREAM_ACTIVATE_REPORT for unknown stream ${id}`);
      return;
    }
    entry.reporter.activate(uniqueId, maxWindowSize, timeoutMs);
  }

  destroy(which: (s: VideoStream) => boolean): void {
    for (const [id, entry] of this.streams) {
      if (!which(entry.stream)) continue;
      this.streams.delete(id);
      this.stopDecoder(entry);
    }
  }

  private stopDecoder(entry: StreamEntry): void {
    const decoder = entry.decoder;
    entry.decoder = null;
    try {
      decoder?.destroy();
    } catch (e) {
      this.host.logger.error(`stream ${entry.stream.id}: destroying its decoder failed: ${errorMessage(e)}`);
    }
  }

  private readonly target: VideoTarget = {
    drawFrame: async (stream, frame, dest) => {
      if (this.streams.get(stream.id)?.stream === stream) await this.host.drawFrame(stream, frame, dest);
    },
    reserveFrame: (stream, width, height) => this.host.reserveFrame(stream, width, height),
    emit: (name, payload) => this.host.emit(name, payload),
    fail: (stream, reason) => {
      const entry = this.streams.get(stream.id);
      if (entry?.stream !== stream || !entry.decoder) return;
      this.host.logger.warn(
        `stream ${stream.id} (${videoCodecLabel(stream.codec)}) cannot be played: ${reason}; asking the server for images`,
      );
      this.stopDecoder(entry);
      this.host.sendReport(invalidStreamReport(stream.id));
    },
    drops: (stream, count) => {
      const entry = this.streams.get(stream.id);
      if (entry?.stream === stream) entry.reporter.addViewDrops(count);
    },
  };
}

export interface SizedFrame {
  width: number;
  height: number;
  dest: Rect;
}
