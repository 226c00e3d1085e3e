// A PlaybackSink that takes Opus and hands PCM on: Opus frames are decoded in Node (opus-decoder-node.ts) and
// forwarded as raw S16 frames to a PCM-only sink (the WAV writer; the audio bridge's fallback when the page has
// no WebCodecs AudioDecoder). One decoder per sample rate lives as long as the sink: decoders are created
// ahead (`prepare`) or, for an unusual rate, on START, with frames queued (bounded) until it is ready; a
// decoder that trapped is replaced the same way (the frame that made it trap is an error of the channel).
import type { PlaybackFormat, PlaybackFrame, PlaybackSink } from '../spice/audio/audio-adapters';
import { errorMessage } from '../spice/errors';
import type { OpusPcmDecoder } from './opus-decoder-node';
import { s16Bytes } from './pcm';

export type OpusDecoderFactory = (sampleRate: number, channels: number) => Promise<OpusPcmDecoder>;

/** Frames kept while a decoder is being created (1 s of 10 ms frames); older ones are dropped. */
const MAX_QUEUED_FRAMES = 100;

export class DecodingSink implements PlaybackSink {
  readonly acceptsOpus = true;
  private readonly decoders = new Map<string, OpusPcmDecoder>();
  private readonly pending = new Map<string, Promise<OpusPcmDecoder>>();
  private format: PlaybackFormat | null = null;
  private queue: PlaybackFrame[] = [];
  private closed = false;
  /** The server's mode of the last stream started ('opus' frames are decoded here). */
  sourceMode: 'raw' | 'opus' | null = null;
  /** Frames dropped while waiting for a decoder, and decode failures reported asynchronously. */
  droppedFrames = 0;
  /** Decoders replaced after a trap. */
  replacedDecoders = 0;

  constructor(
    private readonly target: PlaybackSink,
    private readonly createDecoder: OpusDecoderFactory,
    private readonly onAsyncError: (error: Error) => void = () => {},
  ) {}

  /** Creates the decoder for `sampleRate`/`channels` now (SPICE Opus is 48 kHz stereo). */
  async prepare(sampleRate = 48000, channels = 2): Promise<void> {
    await this.decoderFor(sampleRate, channels);
  }

  private decoderFor(sampleRate: number, channels: number): Promise<OpusPcmDecoder> {
    const key = `${sampleRate}/${channels}`;
    const ready = this.decoders.get(key);
    if (ready) return Promise.resolve(ready);
    let creating = this.pending.get(key);
    if (!creating) {
      creating = this.createDecoder(sampleRate, channels).then((decoder) => {
        this.pending.delete(key);
        if (this.closed) decoder.free();
        else this.decoders.set(key, decoder);
        return decoder;
      });
      creating.catch(() => this.pending.delete(key));
      this.pending.set(key, creating);
    }
    return creating;
  }

  private readyDecoder(format: PlaybackFormat): OpusPcmDecoder | undefined {
    return this.decoders.get(`${format.sampleRate}/${format.channels}`);
  }

  start(format: PlaybackFormat): void {
    this.format = format;
    this.sourceMode = format.mode;
    this.queue = [];
    this.target.start({ ...format, mode: 'raw' });
    if (format.mode === 'opus' && !this.readyDecoder(format)) {
      this.decoderFor(format.sampleRate, format.channels).then(
        () => this.flushQueue(format),
        (e: unknown) =>
          this.onAsyncError(new Error(`no Opus decoder for ${format.sampleRate} Hz: ${errorMessage(e)}`)),
      );
    }
  }

  private flushQueue(format: PlaybackFormat): void {
    if (this.format !== format || this.closed) return;
    const queued = this.queue;
    this.queue = [];
    for (const frame of queued) {
      try {
        this.data(frame);
      } catch (e) {
        this.onAsyncError(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  data(frame: PlaybackFrame): void {
    const format = this.format;
    if (!format) throw new Error('audio data outside a stream');
    if (frame.mode === 'raw') {
      this.target.data(frame);
      return;
    }
    const decoder = this.readyDecoder(format);
    if (!decoder) {
      if (this.queue.length >= MAX_QUEUED_FRAMES) {
        this.queue.shift();
        this.droppedFrames++;
      }
      this.queue.push({ ...frame, data: frame.data.slice() });
      return;
    }
    let pcm: Int16Array;
    try {
      pcm = decoder.decode(frame.data);
    } catch (e) {
      if (decoder.broken) this.replace(decoder, format);
      throw e;
    }
    this.target.data({
      mode: 'raw',
      timeMs: frame.timeMs,
      samples: pcm.length / format.channels,
      data: s16Bytes(pcm),
    });
  }

  /** Drops a trapped decoder and creates its successor (frames queue meanwhile). */
  private replace(decoder: OpusPcmDecoder, format: PlaybackFormat): void {
    this.decoders.delete(`${decoder.sampleRate}/${decoder.channels}`);
    decoder.free();
    this.replacedDecoders++;
    this.decoderFor(format.sampleRate, format.channels).then(
      () => this.flushQueue(format),
      (e: unknown) => this.onAsyncError(new Error(`Opus decoder: ${errorMessage(e)}`)),
    );
  }

  stop(): void {
    this.format = null;
    this.queue = [];
    this.target.stop();
  }

  volume(levels: readonly number[]): void {
    this.target.volume(levels);
  }

  mute(muted: boolean): void {
    this.target.mute(muted);
  }

  latency(minLatencyMs: number): void {
    this.target.latency(minLatencyMs);
  }

  delayMs(): number {
    return this.target.delayMs?.() ?? 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    for (const decoder of this.decoders.values()) decoder.free();
    this.decoders.clear();
    this.target.close();
  }
}
