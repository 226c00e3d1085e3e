// Plays the session's sound in the page: an AudioContext at the stream's rate with the 'saffron-playback' worklet
// (jitter buffer), Opus decoded by WebCodecs AudioDecoder (where the page offered it), S16 PCM converted to float.
// Tells the session what it holds (audioReport, every ~100 ms) so the session clock matches what is heard, and keeps
// the measured latency of each played frame (server stamp → output, from the page's clock).
import type { AudioFrameMessage, AudioReportRequest, AudioStartMessage } from '../../shared/audio-contract';
import type { PageToPlayback, PlaybackToPage } from './worklet-messages';

/** Frames kept while the context starts (1 s of 10 ms frames); older ones are dropped. */
const MAX_EARLY_FRAMES = 100;
/** Played-frame latencies kept for the latency figure. */
const MAX_LATENCIES = 6000;

export interface PlayedFrame {
  /** Server multimedia time of the frame's first sample. */
  timeMs: number;
  /** When the session process sent it (epoch ms). */
  sentAtMs: number;
  /** When its first sample left the output device (epoch ms, from AudioContext.getOutputTimestamp). */
  outputAtMs: number;
}

export interface AudioPlayerHooks {
  report(report: AudioReportRequest): void;
  /** The context is suspended by the browser's autoplay policy (true) or running (false). */
  blocked(blocked: boolean): void;
}

export function canDecodeOpusHere(): Promise<boolean> {
  if (typeof AudioDecoder === 'undefined') return Promise.resolve(false);
  return AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 }).then(
    (r) => r.supported === true,
    () => false,
  );
}

export class AudioPlayer {
  private context: AudioContext | undefined;
  private node: AudioWorkletNode | undefined;
  private contextKey = '';
  private stream: AudioStartMessage | undefined;
  private early: AudioFrameMessage[] = [];
  private gains: number[] = [1, 1];
  private decoder: AudioDecoder | undefined;
  private decoding: { timeMs: number; sentAtMs: number }[] = [];
  private readonly played: PlayedFrame[] = [];
  private tapWaiter: ((planes: Float32Array[]) => void) | undefined;
  private pendingTapFrames: number | undefined;
  decodeErrors = 0;

  constructor(
    private readonly workletUrl: string,
    private readonly hooks: AudioPlayerHooks,
  ) {}

  start(m: AudioStartMessage): void {
    if (this.stream?.stream === m.stream) {
      // The same stream again: only the server's minimum latency changed.
      this.stream = m;
      this.post({ type: 'target', targetMs: m.minLatencyMs });
      return;
    }
    this.stream = m;
    this.early = [];
    this.resetDecoder();
    const key = `${m.sampleRate}/${m.channels}`;
    if (this.contextKey !== key) {
      this.closeContext();
      this.contextKey = key;
      void this.openContext(m).catch((e: unknown) => {
        console.error('audio output failed', e);
        this.contextKey = '';
      });
    } else {
      this.post({ type: 'reset' });
      this.post({ type: 'target', targetMs: m.minLatencyMs });
    }
  }

  private async openContext(m: AudioStartMessage): Promise<void> {
    const context = new AudioContext({ sampleRate: m.sampleRate, latencyHint: 'interactive' });
    this.context = context;
    await context.audioWorklet.addModule(this.workletUrl);
    if (this.context !== context) return;
    const node = new AudioWorkletNode(context, 'saffron-playback', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [m.channels],
      processorOptions: { channels: m.channels },
    });
    node.port.onmessage = (event: MessageEvent<PlaybackToPage>) => this.fromWorklet(event.data);
    node.connect(context.destination);
    this.node = node;
    this.post({ type: 'target', targetMs: this.stream?.minLatencyMs ?? 0 });
    this.post({ type: 'gain', gains: this.gains });
    if (this.pendingTapFrames !== undefined) this.post({ type: 'tap', frames: this.pendingTapFrames });
    this.pendingTapFrames = undefined;
    const early = this.early;
    this.early = [];
    for (const frame of early) this.frame(frame);
    context.onstatechange = () => this.hooks.blocked(context.state === 'suspended');
    this.hooks.blocked(context.state === 'suspended');
    void context.resume().catch(() => {});
  }

  /** Resumes a context the autoplay policy held (call from a user gesture). */
  resume(): void {
    void this.context?.resume().catch(() => {});
  }

  frame(m: AudioFrameMessage): void {
    const stream = this.stream;
    if (!stream || m.stream !== stream.stream) return;
    if (!this.node) {
      if (this.early.length >= MAX_EARLY_FRAMES) this.early.shift();
      this.early.push({ ...m, data: m.data.slice() });
      return;
    }
    if (stream.codec === 'opus') this.decodeOpus(m);
    else this.playPcm(m, stream.channels);
  }

  private playPcm(m: AudioFrameMessage, channels: number): void {
    const frames = Math.floor(m.data.byteLength / (2 * channels));
    const view = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    const planes = Array.from({ length: channels }, () => new Float32Array(frames));
    for (let i = 0; i < frames; i++)
      for (let c = 0; c < channels; c++) planes[c]![i] = view.getInt16((i * channels + c) * 2, true) / 32768;
    this.postFrame(planes, frames, m.timeMs, m.sentAtMs);
  }

  private postFrame(planes: Float32Array[], frames: number, timeMs: number, sentAtMs: number): void {
    const message: PageToPlayback = { type: 'frame', planes, frames, timeMs, sentAtMs };
    this.node?.port.postMessage(
      message,
      planes.map((p) => p.buffer as ArrayBuffer),
    );
  }

  private decodeOpus(m: AudioFrameMessage): void {
    if (!this.decoder) {
      const decoder = new AudioDecoder({
        output: (data) => this.decoded(data),
        error: () => {
          // The decoder closes itself on an error; the next frame makes a new one.
          this.decodeErrors++;
          if (this.decoder === decoder) this.decoder = undefined;
          this.decoding = [];
        },
      });
      decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
      this.decoder = decoder;
    }
    this.decoding.push({ timeMs: m.timeMs, sentAtMs: m.sentAtMs });
    try {
      this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: m.timeMs * 1000, data: m.data }));
    } catch {
      this.decodeErrors++;
      this.decoding.pop();
    }
  }

  private decoded(data: AudioData): void {
    const meta = this.decoding.shift();
    try {
      const frames = data.numberOfFrames;
      const planes = Array.from({ length: data.numberOfChannels }, (_, c) => {
        const plane = new Float32Array(frames);
        data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        return plane;
      });
      if (meta) this.postFrame(planes, frames, meta.timeMs, meta.sentAtMs);
    } finally {
      data.close();
    }
  }

  private resetDecoder(): void {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = undefined;
    this.decoding = [];
  }

  gain(gains: number[]): void {
    this.gains = gains;
    this.post({ type: 'gain', gains });
  }

  stop(stream: number): void {
    if (this.stream?.stream !== stream) return;
    // What is buffered plays out; the next stream starts from an empty buffer.
    this.stream = undefined;
    this.early = [];
    this.resetDecoder();
  }

  private fromWorklet(m: PlaybackToPage): void {
    const context = this.context;
    if (!context) return;
    switch (m.type) {
      case 'report': {
        if (!this.stream) return;
        const outputLatencyMs = ((context.outputLatency || 0) + (context.baseLatency || 0)) * 1000;
        this.hooks.report({
          stream: this.stream.stream,
          receivedMs: m.receivedMs,
          bufferedMs: m.bufferedMs,
          outputLatencyMs: Math.min(outputLatencyMs, 10_000),
          underruns: m.underruns,
          overruns: m.overruns,
        });
        return;
      }
      case 'played': {
        const ts = context.getOutputTimestamp();
        if (ts.contextTime === undefined || ts.performanceTime === undefined) return;
        const outputAtMs =
          performance.timeOrigin + ts.performanceTime + (m.contextTime - ts.contextTime) * 1000;
        if (this.played.length >= MAX_LATENCIES) this.played.shift();
        this.played.push({ timeMs: m.timeMs, sentAtMs: m.sentAtMs, outputAtMs });
        return;
      }
      case 'tap':
        this.tapWaiter?.(m.planes);
        this.tapWaiter = undefined;
        return;
    }
  }

  /** The frames played so far (for the latency figure). */
  playedFrames(): readonly PlayedFrame[] {
    return this.played;
  }

  /** Records the next `frames` samples per channel that reach the worklet, with the gains (tests). */
  tap(frames: number): Promise<Float32Array[]> {
    return new Promise((resolve) => {
      this.tapWaiter = resolve;
      // Before the first stream there is no worklet yet: it gets the request when it starts.
      if (this.node) this.post({ type: 'tap', frames });
      else this.pendingTapFrames = frames;
    });
  }

  /** The output's own latency (AudioContext outputLatency + baseLatency), ms. */
  get outputLatencyMs(): number {
    const c = this.context;
    return c ? ((c.outputLatency || 0) + (c.baseLatency || 0)) * 1000 : 0;
  }

  get contextState(): string {
    return this.context?.state ?? 'none';
  }

  private post(m: PageToPlayback): void {
    this.node?.port.postMessage(m);
  }

  private closeContext(): void {
    this.post({ type: 'close' });
    this.node?.disconnect();
    this.node = undefined;
    void this.context?.close().catch(() => {});
    this.context = undefined;
  }

  close(): void {
    this.resetDecoder();
    this.closeContext();
    this.contextKey = '';
    this.stream = undefined;
  }
}
