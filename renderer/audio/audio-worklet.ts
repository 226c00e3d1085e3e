// The AudioWorklet module (built on its own as dist/renderer/audio-worklet.js): 'saffron-playback' plays the VM's
// sound out of a small jitter buffer, 'saffron-capture' hands the microphone to the page in S16 blocks. Runs on the
// audio rendering thread: no allocation per render quantum on the playback path, no DOM.
import { JitterBuffer } from './jitter-buffer';
import type { CaptureToPage, PageToCapture, PageToPlayback, PlaybackToPage } from './worklet-messages';

// The AudioWorkletGlobalScope, which lib.dom does not describe.
declare const sampleRate: number;
declare const currentTime: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  ctor: new (options: { processorOptions?: unknown }) => AudioWorkletProcessor,
): void;

type Outputs = Float32Array[][];

/** How often the playback processor reports what it holds (ms). */
const REPORT_EVERY_MS = 100;

class PlaybackProcessor extends AudioWorkletProcessor {
  private buffer: JitterBuffer;
  private sinceReportFrames = 0;
  private running = true;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const channels = (options.processorOptions as { channels?: number } | undefined)?.channels ?? 2;
    this.buffer = new JitterBuffer(channels, sampleRate);
    this.port.onmessage = (event: MessageEvent<PageToPlayback>) => this.receive(event.data);
  }

  private receive(m: PageToPlayback): void {
    switch (m.type) {
      case 'frame':
        this.buffer.push(m.planes, m.frames, m.timeMs, m.sentAtMs);
        return;
      case 'target':
        this.buffer.setTarget(m.targetMs);
        return;
      case 'gain':
        this.buffer.setGains(m.gains);
        return;
      case 'tap':
        this.buffer.startTap(m.frames);
        return;
      case 'reset':
        this.buffer.reset();
        return;
      case 'close':
        this.running = false;
        return;
    }
  }

  process(_inputs: Outputs, outputs: Outputs): boolean {
    const out = outputs[0];
    if (!out) return this.running;
    const frames = out[0]?.length ?? 128;
    const first = this.buffer.render(out, frames);
    if (first) {
      const m: PlaybackToPage = {
        type: 'played',
        timeMs: first.timeMs,
        sentAtMs: first.sentAtMs,
        contextTime: currentTime + first.offsetFrames / sampleRate,
      };
      this.port.postMessage(m);
    }
    const tap = this.buffer.takeTap();
    if (tap)
      this.port.postMessage(
        { type: 'tap', planes: tap } satisfies PlaybackToPage,
        tap.map((p) => p.buffer),
      );
    this.sinceReportFrames += frames;
    if (this.sinceReportFrames >= (sampleRate * REPORT_EVERY_MS) / 1000) {
      this.sinceReportFrames = 0;
      const s = this.buffer.stats();
      this.port.postMessage({ type: 'report', ...s } satisfies PlaybackToPage);
    }
    return this.running;
  }
}

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly channels: number;
  private readonly blockFrames: number;
  private block: Int16Array;
  private filled = 0;
  private running = true;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const opts = options.processorOptions as { channels?: number; blockFrames?: number } | undefined;
    this.channels = opts?.channels ?? 1;
    this.blockFrames = opts?.blockFrames ?? 480;
    this.block = new Int16Array(this.blockFrames * this.channels);
    this.port.onmessage = (event: MessageEvent<PageToCapture>) => {
      if (event.data.type === 'close') this.running = false;
    };
  }

  process(inputs: Outputs): boolean {
    const input = inputs[0];
    const frames = input?.[0]?.length ?? 0;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < this.channels; c++) {
        // A mono microphone feeds every channel the server records.
        const plane = input![Math.min(c, input!.length - 1)]!;
        const v = Math.max(-1, Math.min(1, plane[i] ?? 0));
        this.block[this.filled * this.channels + c] = v < 0 ? v * 0x8000 : v * 0x7fff;
      }
      if (++this.filled === this.blockFrames) {
        const m: CaptureToPage = { type: 'block', samples: this.block };
        this.port.postMessage(m, [this.block.buffer]);
        this.block = new Int16Array(this.blockFrames * this.channels);
        this.filled = 0;
      }
    }
    return this.running;
  }
}

registerProcessor('saffron-playback', PlaybackProcessor);
registerProcessor('saffron-capture', CaptureProcessor);
