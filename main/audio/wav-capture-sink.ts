// A PCM PlaybackSink that records the VM's sound into a WAV file (`saffron capture-audio`): 16-bit PCM at the
// server's rate and channels, with the guest mixer's volume and mute applied (what a listener hears; linear
// gain = level / 65535, as QEMU's own software mixer). The file starts at the first sample of the first
// stream. A STOP → START gap is written as silence of the server's mm-time gap (START time − end of the last
// frame), clamped to the local time that really passed (+0.5 s), so a hostile timestamp cannot make hours of
// silence. A later stream in another rate or channel count ends the capture (one WAV has one format).
import type { PlaybackFormat, PlaybackFrame, PlaybackSink } from '../spice/audio/audio-adapters';
import { mmTimeAdd, mmTimeDiff } from '../spice/multimedia-clock';
import { applyGains, s16View, volumeGain } from './pcm';
import { WavFileWriter, MAX_WAV_DATA_BYTES } from './wav-writer';

/** Slack added to the local elapsed time when bounding a gap (network jitter between STOP and START). */
const GAP_SLACK_MS = 500;

export type CaptureEnd = 'limit' | 'format-change' | 'size-limit';

export interface WavCaptureOptions {
  path: string;
  /** Stop after this many seconds of WAV (absent: until closed). */
  maxSeconds?: number;
  /** Local monotonic ms (the session clock's). */
  monotonicMs: () => number;
  /** The first stream started (the WAV file now exists). */
  onFirstStream?: () => void;
  /** The capture is complete (called once); the file is finalised by close(). */
  onComplete?: (why: CaptureEnd, detail: string) => void;
}

export class WavCaptureSink implements PlaybackSink {
  readonly acceptsOpus = false;
  private writer: WavFileWriter | null = null;
  private maxFrames = Infinity;
  private gains: readonly number[] = [];
  private muted = false;
  private lastEnd: { timeMs: number; localMs: number } | null = null;
  private done = false;
  /** Frames of silence written for gaps between streams. */
  silenceFrames = 0;
  streams = 0;

  constructor(private readonly options: WavCaptureOptions) {}

  /** The WAV being written (null before the first stream). */
  get file(): { sampleRate: number; channels: number; frames: number; seconds: number } | null {
    const w = this.writer;
    return w
      ? { sampleRate: w.sampleRate, channels: w.channels, frames: w.frames, seconds: w.seconds }
      : null;
  }

  get complete(): boolean {
    return this.done;
  }

  private finish(why: CaptureEnd, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.options.onComplete?.(why, detail);
  }

  private remainingFrames(): number {
    const w = this.writer!;
    const bySize = Math.floor((MAX_WAV_DATA_BYTES - w.frames * w.channels * 2) / (w.channels * 2));
    return Math.min(this.maxFrames - w.frames, bySize);
  }

  private afterWrite(): void {
    const w = this.writer!;
    if (w.frames >= this.maxFrames) this.finish('limit', `${w.seconds.toFixed(3)} s written`);
    else if (this.remainingFrames() <= 0) this.finish('size-limit', 'the WAV file reached 4 GiB');
  }

  start(format: PlaybackFormat): void {
    if (this.done) return;
    this.streams++;
    const w = this.writer;
    if (!w) {
      this.writer = new WavFileWriter(this.options.path, format.sampleRate, format.channels);
      if (this.options.maxSeconds !== undefined)
        this.maxFrames = Math.round(this.options.maxSeconds * format.sampleRate);
      this.options.onFirstStream?.();
      if (this.maxFrames <= 0) this.finish('limit', '0 s asked');
      return;
    }
    if (w.sampleRate !== format.sampleRate || w.channels !== format.channels) {
      this.finish(
        'format-change',
        `a new stream at ${format.sampleRate} Hz × ${format.channels} does not fit the WAV's ${w.sampleRate} Hz × ${w.channels}`,
      );
      return;
    }
    if (this.lastEnd) {
      const gapMs = mmTimeDiff(format.startTimeMs, this.lastEnd.timeMs);
      const elapsedMs = this.options.monotonicMs() - this.lastEnd.localMs + GAP_SLACK_MS;
      const frames = Math.min(
        Math.round((Math.max(0, Math.min(gapMs, elapsedMs)) * w.sampleRate) / 1000),
        this.remainingFrames(),
      );
      if (frames > 0) {
        w.writeSilence(frames);
        this.silenceFrames += frames;
        this.afterWrite();
      }
    }
  }

  data(frame: PlaybackFrame): void {
    const w = this.writer;
    if (this.done || !w) return;
    if (frame.mode !== 'raw') throw new Error('the WAV writer takes PCM only (decode Opus first)');
    let samples = s16View(frame.data);
    const frames = Math.min(samples.length / w.channels, this.remainingFrames());
    if (frames < samples.length / w.channels) samples = samples.subarray(0, frames * w.channels);
    samples = this.muted
      ? new Int16Array(samples.length)
      : applyGains(samples, w.channels, this.gains.map(volumeGain));
    w.write(samples);
    this.lastEnd = {
      timeMs: mmTimeAdd(frame.timeMs, (frame.samples * 1000) / w.sampleRate),
      localMs: this.options.monotonicMs(),
    };
    this.afterWrite();
  }

  stop(): void {}

  volume(levels: readonly number[]): void {
    this.gains = [...levels];
  }

  mute(muted: boolean): void {
    this.muted = muted;
  }

  latency(): void {}

  close(): void {
    this.writer?.close();
  }
}
