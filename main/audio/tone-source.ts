// A RecordSource that plays a sine into the VM's microphone in real time (tests, benchmarks, and a known
// signal for checking a guest's capture path). Samples are produced for the wall time that passed, every
// `tickMs`, so the server's ring (8192 frames in spice-server) is fed at the rate it is read.
import type { RecordFormat, RecordSource, RecordWriter } from '../spice/audio/audio-adapters';

export interface ToneOptions {
  frequencyHz: number;
  /** Peak level, 0..1 of full scale. */
  amplitude: number;
  /** Which channels carry the tone (default: all); the others are silent. */
  channels?: readonly number[];
  tickMs?: number;
  monotonicMs?: () => number;
}

export class ToneSource implements RecordSource {
  readonly producesOpus = false;
  private timer: NodeJS.Timeout | null = null;
  /** Frames (samples per channel) delivered since the current recording started. */
  framesSent = 0;
  starts = 0;
  volumeLevels: readonly number[] = [];
  muted = false;

  constructor(private readonly options: ToneOptions) {}

  start(format: RecordFormat, writer: RecordWriter): void {
    this.stop();
    this.starts++;
    this.framesSent = 0;
    const now = this.options.monotonicMs ?? ((): number => performance.now());
    const t0 = now();
    const peak = Math.max(0, Math.min(1, this.options.amplitude)) * 32767;
    const step = (2 * Math.PI * this.options.frequencyHz) / format.sampleRate;
    const active = new Set(this.options.channels ?? [...Array(format.channels).keys()]);
    const tick = (): void => {
      const due = Math.floor(((now() - t0) * format.sampleRate) / 1000);
      const frames = due - this.framesSent;
      if (frames <= 0) return;
      const pcm = new Int16Array(frames * format.channels);
      for (let i = 0; i < frames; i++) {
        const v = Math.round(peak * Math.sin(step * (this.framesSent + i)));
        for (let c = 0; c < format.channels; c++) if (active.has(c)) pcm[i * format.channels + c] = v;
      }
      this.framesSent = due;
      writer.pcm(pcm);
    };
    this.timer = setInterval(tick, this.options.tickMs ?? 10);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  volume(levels: readonly number[]): void {
    this.volumeLevels = levels;
  }

  mute(muted: boolean): void {
    this.muted = muted;
  }

  close(): void {
    this.stop();
  }
}
