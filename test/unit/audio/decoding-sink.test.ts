// The decoding sink: Opus frames from libopus decode to PCM for a PCM-only sink (with the stream's timing),
// raw frames pass through, frames wait (bounded) while a decoder is created, and a decoder that traps is
// replaced while the failing frame is an error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpusScript from 'opusscript';
import { DecodingSink } from '../../../main/audio/decoding-sink';
import { createOpusDecoder, type OpusPcmDecoder } from '../../../main/audio/opus-decoder-node';
import type { PlaybackFormat, PlaybackFrame, PlaybackSink } from '../../../main/spice/audio/audio-adapters';
import { channelOf, zeroCrossingFrequency } from '../../support/audio-analysis';

class PcmSink implements PlaybackSink {
  readonly acceptsOpus = false;
  formats: PlaybackFormat[] = [];
  frames: PlaybackFrame[] = [];
  closed = false;
  start(f: PlaybackFormat): void {
    this.formats.push(f);
  }
  data(f: PlaybackFrame): void {
    this.frames.push({ ...f, data: f.data.slice() });
  }
  stop(): void {}
  volume(): void {}
  mute(): void {}
  latency(): void {}
  close(): void {
    this.closed = true;
  }
  pcm(): Int16Array {
    const all = new Int16Array(this.frames.reduce((n, f) => n + f.data.length / 2, 0));
    let at = 0;
    for (const f of this.frames) {
      all.set(new Int16Array(f.data.buffer, f.data.byteOffset, f.data.length / 2), at);
      at += f.data.length / 2;
    }
    return all;
  }
}

function opusFrames(freq: number, count: number): Uint8Array[] {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  const out: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(960);
    for (let i = 0; i < 480; i++) {
      const v = Math.round(10000 * Math.sin((2 * Math.PI * freq * (f * 480 + i)) / 48000));
      pcm[2 * i] = v;
      pcm[2 * i + 1] = v;
    }
    out.push(enc.encode(Buffer.from(pcm.buffer), 480));
  }
  enc.delete();
  return out;
}

const OPUS_48K: PlaybackFormat = { mode: 'opus', channels: 2, sampleRate: 48000, startTimeMs: 100 };

void test('decoding sink: Opus frames become PCM of the right tone, raw frames pass through', async () => {
  const target = new PcmSink();
  const sink = new DecodingSink(target, createOpusDecoder);
  await sink.prepare();
  sink.start(OPUS_48K);
  assert.deepEqual(target.formats, [{ ...OPUS_48K, mode: 'raw' }]);
  assert.equal(sink.sourceMode, 'opus');
  const frames = opusFrames(700, 150);
  frames.forEach((data, i) => sink.data({ mode: 'opus', timeMs: 100 + i * 10, samples: 480, data }));
  assert.equal(target.frames.length, 150);
  assert.deepEqual(
    target.frames.slice(0, 2).map((f) => [f.mode, f.timeMs, f.samples]),
    [
      ['raw', 100, 480],
      ['raw', 110, 480],
    ],
  );
  const f = zeroCrossingFrequency(channelOf(target.pcm(), 2, 0, 4800), 48000);
  assert.ok(Math.abs(f - 700) < 1, `decoded ${f} Hz`);
  sink.stop();
  sink.start({ ...OPUS_48K, mode: 'raw' });
  sink.data({ mode: 'raw', timeMs: 5, samples: 1, data: Uint8Array.of(1, 0, 2, 0) });
  assert.deepEqual([...target.frames.at(-1)!.data], [1, 0, 2, 0]);
  sink.close();
  assert.equal(target.closed, true);
});

void test('decoding sink: frames wait for a decoder being created, and a trapped decoder is replaced', async () => {
  const made: { decoder: OpusPcmDecoder; trap: boolean }[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const factory = async (rate: number, channels: number): Promise<OpusPcmDecoder> => {
    await gate;
    const state = { broken: false };
    const entry = {
      trap: false,
      decoder: {
        sampleRate: rate,
        channels,
        get broken() {
          return state.broken;
        },
        decode(packet: Uint8Array): Int16Array {
          if (entry.trap) {
            state.broken = true;
            throw new Error('trap');
          }
          return new Int16Array(480 * channels).fill(packet[0]!);
        },
        free() {},
      },
    };
    made.push(entry);
    return entry.decoder;
  };
  const target = new PcmSink();
  const sink = new DecodingSink(target, factory);
  sink.start(OPUS_48K);
  for (let i = 0; i < 105; i++) sink.data({ mode: 'opus', timeMs: i, samples: 480, data: Uint8Array.of(i) });
  assert.equal(target.frames.length, 0);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(target.frames.length, 100, 'the queue keeps the newest 100 frames');
  assert.equal(sink.droppedFrames, 5);
  assert.equal(target.frames[0]!.data[0], 5);
  made[0]!.trap = true;
  assert.throws(() => sink.data({ mode: 'opus', timeMs: 200, samples: 480, data: Uint8Array.of(9) }), /trap/);
  sink.data({ mode: 'opus', timeMs: 210, samples: 480, data: Uint8Array.of(10) }); // queued for the new decoder
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(made.length, 2);
  assert.equal(sink.replacedDecoders, 1);
  assert.equal(target.frames.at(-1)!.data[0], 10);
  sink.close();
});
