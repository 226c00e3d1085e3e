// Reading WAV files and measuring tones, for the audio tests and the audio benchmark: frequency by
// interpolated zero crossings (exact for a clean sine over a second or more), RMS and peak levels.
import { readFileSync } from 'node:fs';

export interface Wav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Interleaved samples. */
  samples: Int16Array;
  frames: number;
}

/** Parses a PCM 16-bit WAV (RIFF chunks in any order). */
export function readWav(path: string): Wav {
  const b = readFileSync(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('not a WAV file');
  if (b.readUInt32LE(4) !== b.length - 8)
    throw new Error(`RIFF size ${b.readUInt32LE(4)} for a ${b.length}-byte file`);
  let at = 12;
  let fmt: { channels: number; sampleRate: number; bits: number } | undefined;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (b.readUInt16LE(body) !== 1) throw new Error('not PCM');
      fmt = {
        channels: b.readUInt16LE(body + 2),
        sampleRate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      if (body + size > b.length) throw new Error('data chunk past the end');
      const samples = new Int16Array(b.buffer.slice(b.byteOffset + body, b.byteOffset + body + size));
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        samples,
        frames: samples.length / fmt.channels,
      };
    }
    at = body + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** One channel of interleaved samples, from frame `start` to `end`. */
export function channelOf(
  samples: Int16Array,
  channels: number,
  channel: number,
  start = 0,
  end?: number,
): Float64Array {
  const frames = samples.length / channels;
  const stop = Math.min(end ?? frames, frames);
  const out = new Float64Array(Math.max(0, stop - start));
  for (let i = start; i < stop; i++) out[i - start] = samples[i * channels + channel]!;
  return out;
}

/** Frequency (Hz) from rising zero crossings with linear interpolation; NaN with fewer than 3 crossings. */
export function zeroCrossingFrequency(x: Float64Array, sampleRate: number): number {
  const times: number[] = [];
  for (let i = 1; i < x.length; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if (a < 0 && b >= 0) times.push(i - 1 + -a / (b - a));
  }
  if (times.length < 3) return NaN;
  return ((times.length - 1) * sampleRate) / (times[times.length - 1]! - times[0]!);
}

export function rms(x: Float64Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return x.length ? Math.sqrt(sum / x.length) : 0;
}

export function peak(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

/** Frame ranges [start, end) where |sample| stays below `threshold` for at least `minFrames`. */
export function silentRuns(x: Float64Array, threshold: number, minFrames: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= x.length; i++) {
    const quiet = i < x.length && Math.abs(x[i]!) < threshold;
    if (quiet && start < 0) start = i;
    if (!quiet && start >= 0) {
      if (i - start >= minFrames) runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}
