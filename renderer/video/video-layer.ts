// The video layer of a view: a transparent canvas above the surface canvas where the server's video streams are
// decoded (WebCodecs VideoDecoder, hardware where the browser has it) and drawn, each frame at its multimedia time
// and only inside the stream's clip. Surface updates go to the canvas underneath, so they never paint over a
// playing stream; when a stream ends its area is cleared here and the surface (which the server updates then)
// shows through. Untrusted input: at most MAX_STREAMS streams, a bounded decode queue and pending-frame list per
// stream; a stream that cannot be decoded (error, unsupported profile, no key frame to start from) is reported
// through `feedback`, and the server sends that area as pictures instead.
import type {
  VideoFeedbackRequest,
  VideoFrameMessage,
  VideoStreamEndMessage,
  VideoStreamMessage,
} from '../../shared/contract';
import type { Rect } from '../../shared/rect';
import { SPICE_VIDEO_CODEC_TYPE_H264 } from '../../shared/spice-enums';
import { codecString, probeVideoDecoders } from './decoder-probe';
import { h264CodecString, isKeyFrame } from './key-frame';

const MAX_STREAMS = 64;
/**
 * Chunks waiting in a decoder before the stream is given up (the server then sends pictures). Skipping to the next
 * key frame is no cure: spice-server's encoders send key frames rarely (H.264: intra refresh, none at all).
 */
const MAX_DECODE_QUEUE = 32;
/** Decoded frames waiting for their time. */
const MAX_PENDING = 6;
/** Frames without a key frame to start from before the stream is given up (H.264 with intra refresh). */
const MAX_FRAMES_WITHOUT_KEY = 90;
/** Longest wait for a frame's multimedia time (a wrong clock must not stall the picture). */
const MAX_WAIT_MS = 1000;
const FEEDBACK_INTERVAL_MS = 500;

export interface VideoLayerHost {
  feedback(report: VideoFeedbackRequest): void;
  /** Reports what this page decodes. */
  decoders(codecs: number[]): void;
}

class StreamPlayer {
  decoder: VideoDecoder | null = null;
  waitingForKey = true;
  framesWithoutKey = 0;
  drops = 0;
  failed = false;
  private seq = 0;
  private readonly timing = new Map<number, { presentAtMs: number; rect: Rect }>();
  private readonly pending = new Set<{ frame: VideoFrame; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    public info: VideoStreamMessage,
    private readonly layer: VideoLayer,
  ) {}

  get key(): string {
    return `${this.info.channelId}:${this.info.streamId}`;
  }

  push(m: VideoFrameMessage): void {
    if (this.failed) return;
    const key = isKeyFrame(this.info.codec, m.data);
    if (this.decoder && this.decoder.decodeQueueSize >= MAX_DECODE_QUEUE) {
      this.fail(`the decoder cannot keep up (${this.decoder.decodeQueueSize} frames queued)`);
      return;
    }
    if (this.waitingForKey && !key) {
      this.drops++;
      if (++this.framesWithoutKey > MAX_FRAMES_WITHOUT_KEY) this.fail('no key frame to start decoding from');
      return;
    }
    if (key) {
      this.waitingForKey = false;
      this.framesWithoutKey = 0;
      if (!this.decoder && !this.configure(m)) return;
    }
    const decoder = this.decoder;
    if (!decoder || decoder.state !== 'configured') return;
    const timestamp = ++this.seq * 1000;
    const presentAtMs = performance.now() + Math.min(m.delayMs, MAX_WAIT_MS);
    this.timing.set(timestamp, { presentAtMs, rect: m.rect });
    if (this.timing.size > MAX_DECODE_QUEUE * 4) this.timing.delete(this.timing.keys().next().value!);
    try {
      decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp, data: m.data }));
    } catch (e) {
      this.fail(`decode: ${(e as Error).message}`);
    }
  }

  private configure(m: VideoFrameMessage): boolean {
    const codec =
      this.info.codec === SPICE_VIDEO_CODEC_TYPE_H264
        ? (h264CodecString(m.data) ?? codecString(this.info.codec))
        : codecString(this.info.codec);
    if (codec === undefined || typeof VideoDecoder === 'undefined') {
      this.fail('this codec is not decoded here');
      return false;
    }
    try {
      const decoder = new VideoDecoder({
        output: (frame) => this.output(frame),
        error: (e) => this.fail(`decoder error: ${e.message}`),
      });
      decoder.configure({
        codec,
        codedWidth: m.width,
        codedHeight: m.height,
        optimizeForLatency: true,
        hardwareAcceleration: 'no-preference',
      });
      this.decoder = decoder;
      return true;
    } catch (e) {
      this.fail(`configure ${codec}: ${(e as Error).message}`);
      return false;
    }
  }

  private output(frame: VideoFrame): void {
    const timing = this.timing.get(frame.timestamp);
    this.timing.delete(frame.timestamp);
    if (this.failed || !timing) {
      frame.close();
      return;
    }
    const waitMs = timing.presentAtMs - performance.now();
    if (waitMs <= 0 || this.pending.size >= MAX_PENDING) {
      if (waitMs < -1) this.drops++; // shown after its time (spice-gtk counts late frames as drops)
      this.layer.draw(this, frame, timing.rect);
      return;
    }
    const entry = {
      frame,
      timer: setTimeout(() => {
        this.pending.delete(entry);
        this.layer.draw(this, frame, timing.rect);
      }, waitMs),
    };
    this.pending.add(entry);
  }

  fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.layer.report(this, reason);
    this.close();
  }

  close(): void {
    for (const { frame, timer } of this.pending) {
      clearTimeout(timer);
      frame.close();
    }
    this.pending.clear();
    this.timing.clear();
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
  }
}

export class VideoLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly streams = new Map<string, StreamPlayer>();
  private feedbackTimer: ReturnType<typeof setInterval> | undefined;
  /** Frames drawn (data-video-frames, for tests). */
  framesDrawn = 0;

  constructor(
    under: HTMLCanvasElement,
    private readonly host: VideoLayerHost,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'video-layer';
    this.canvas.width = under.width;
    this.canvas.height = under.height;
    Object.assign(this.canvas.style, {
      position: 'absolute',
      left: '0',
      top: '0',
      width: '100%',
      height: '100%',
      pointerEvents: 'none',
    });
    under.after(this.canvas);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** Probes the decoders and reports them (before connecting, so the caps are right). */
  async start(): Promise<void> {
    const codecs = await probeVideoDecoders();
    this.canvas.dataset.decoders = codecs.join(',');
    this.host.decoders(codecs);
    this.feedbackTimer = setInterval(() => this.flushDrops(), FEEDBACK_INTERVAL_MS);
  }

  resize(width: number, height: number): void {
    for (const player of this.streams.values()) player.close();
    this.streams.clear();
    this.canvas.width = width;
    this.canvas.height = height;
  }

  stream(m: VideoStreamMessage): void {
    const key = `${m.channelId}:${m.streamId}`;
    const existing = this.streams.get(key);
    if (existing) {
      if (existing.info.codec !== m.codec) this.remove(existing);
      else {
        this.ctx.clearRect(...xywh(existing.info.rect));
        existing.info = m;
        return;
      }
    }
    if (this.streams.size >= MAX_STREAMS) return;
    this.streams.set(key, new StreamPlayer(m, this));
    this.canvas.dataset.streams = String(Number(this.canvas.dataset.streams ?? '0') + 1);
  }

  frame(m: VideoFrameMessage): void {
    this.streams.get(`${m.channelId}:${m.streamId}`)?.push(m);
  }

  end(m: VideoStreamEndMessage): void {
    const player = this.streams.get(`${m.channelId}:${m.streamId}`);
    if (player) this.remove(player);
  }

  /** Draws a decoded frame into its place, inside the clip; closes the frame. */
  draw(player: StreamPlayer, frame: VideoFrame, rect: Rect): void {
    try {
      if (this.streams.get(player.key) !== player) return;
      const { clip, topDown } = player.info;
      const [x, y, w, h] = xywh(rect);
      const ctx = this.ctx;
      ctx.save();
      ctx.clearRect(x, y, w, h);
      ctx.beginPath();
      if (clip === null) ctx.rect(x, y, w, h);
      else for (const r of clip) ctx.rect(...xywh(r));
      ctx.clip();
      if (!topDown) {
        ctx.translate(0, y * 2 + h);
        ctx.scale(1, -1);
      }
      ctx.drawImage(frame, x, y, w, h);
      ctx.restore();
      this.framesDrawn++;
      this.canvas.dataset.frames = String(this.framesDrawn);
    } finally {
      frame.close();
    }
  }

  /** A stream cannot be played: tell the session (the server then sends pictures) and clear its area. */
  report(player: StreamPlayer, reason: string): void {
    const { channelId, streamId } = player.info;
    this.host.feedback({ channelId, streamId, drops: player.drops, error: reason.slice(0, 500) || 'failed' });
    player.drops = 0;
    this.ctx.clearRect(...xywh(player.info.rect));
    this.canvas.dataset.failed = String(Number(this.canvas.dataset.failed ?? '0') + 1);
    this.canvas.dataset.lastError = reason.slice(0, 200);
  }

  dispose(): void {
    clearInterval(this.feedbackTimer);
    for (const player of this.streams.values()) player.close();
    this.streams.clear();
  }

  private remove(player: StreamPlayer): void {
    player.close();
    this.streams.delete(player.key);
    this.ctx.clearRect(...xywh(player.info.rect));
  }

  private flushDrops(): void {
    for (const player of this.streams.values()) {
      if (player.drops === 0 || player.failed) continue;
      const { channelId, streamId } = player.info;
      this.host.feedback({ channelId, streamId, drops: Math.min(player.drops, 1_000_000), error: '' });
      player.drops = 0;
    }
  }
}

function xywh(r: Rect): [number, number, number, number] {
  return [r.left, r.top, r.right - r.left, r.bottom - r.top];
}
