// The WAV writer (header, sizes patched on close) and the capture sink's rules: starts at the first stream,
// volume and mute applied, STOP→START gaps written as silence clamped to the local time that passed, the
// --seconds limit exact to the frame, and a stream in another format ending the capture.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WavCaptureSink, type CaptureEnd } from '../../../main/audio/wav-capture-sink';
import { WavFileWriter, wavHeader } from '../../../main/audio/wav-writer';
import type { PlaybackFrame } from '../../../main/spice/audio/audio-adapters';
import { readWav } from '../../support/audio-analysis';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-wav-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function frame(timeMs: number, samples: number, value: number, channels = 2): PlaybackFrame {
  const pcm = new Int16Array(samples * channels).fill(value);
  return { mode: 'raw', timeMs, samples, data: new Uint8Array(pcm.buffer) };
}

void test('WAV: header fields and sizes patched on close', (t) => {
  const h = wavHeader(44100, 1, 10);
  assert.equal(h.toString('ascii', 0, 4), 'RIFF');
  assert.equal(h.readUInt32LE(4), 46);
  assert.equal(h.readUInt32LE(24), 44100);
  assert.equal(h.readUInt32LE(28), 88200);
  assert.equal(h.readUInt16LE(32), 2);
  const path = join(tmp(t), 'a.wav');
  const w = new WavFileWriter(path, 48000, 2);
  w.write(Int16Array.of(1, -1, 2, -2));
  w.writeSilence(10_000);
  assert.equal(w.frames, 10_002);
  w.close();
  w.close();
  const wav = readWav(path);
  assert.equal(wav.frames, 10_002);
  assert.deepEqual([...wav.samples.subarray(0, 6)], [1, -1, 2, -2, 0, 0]);
  assert.equal(readFileSync(path).length, 44 + 10_002 * 4);
});

void test('capture sink: volume and mute apply, the limit is exact, gaps become clamped silence', (t) => {
  const path = join(tmp(t), 'c.wav');
  let now = 0;
  const ends: [CaptureEnd, string][] = [];
  let firsts = 0;
  const sink = new WavCaptureSink({
    path,
    maxSeconds: 0.05, // 2400 frames at 48 kHz
    monotonicMs: () => now,
    onFirstStream: () => firsts++,
    onComplete: (why, detail) => ends.push([why, detail]),
  });
  sink.data(frame(0, 10, 100)); // before any START: ignored
  assert.equal(sink.file, null);
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 1000 });
  assert.equal(firsts, 1);
  sink.volume([32768, 65535]);
  sink.data(frame(1000, 480, 1000)); // 10 ms at half volume on the left
  sink.mute(true);
  sink.data(frame(1010, 480, 1000)); // muted
  sink.mute(false);
  sink.volume([65535]);
  sink.stop();
  now = 30; // 30 ms of local time pass; the server claims a 10 s gap
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 1020 + 10_000 });
  // gap clamped to 30 ms + 500 ms slack, then cut to the 2400-frame limit (1440 left)
  assert.deepEqual(ends, [['limit', '0.050 s written']]);
  sink.data(frame(11_020, 480, 7)); // after completion: ignored
  sink.close();
  const wav = readWav(path);
  assert.equal(wav.frames, 2400);
  assert.equal(wav.samples[0], 500);
  assert.equal(wav.samples[1], 1000);
  assert.equal(wav.samples[480 * 2], 0, 'muted');
  assert.ok(
    wav.samples.subarray(960 * 2).every((v) => v === 0),
    'then silence',
  );
  assert.equal(sink.silenceFrames, 1440);
});

void test('capture sink: a real gap is written as its mm-time length; a new format ends the capture', (t) => {
  const path = join(tmp(t), 'g.wav');
  let now = 0;
  const ends: CaptureEnd[] = [];
  const sink = new WavCaptureSink({ path, monotonicMs: () => now, onComplete: (why) => ends.push(why) });
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 0xffff_fff0 });
  sink.data(frame(0xffff_fff0, 480, 5)); // 10 ms from −16 ms: ends at −6 ms (mm-time wraps)
  sink.stop();
  now = 5000;
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 250 }); // 256 ms after that end
  assert.equal(sink.silenceFrames, 256 * 48);
  assert.equal(sink.file?.frames, 480 + 256 * 48);
  sink.start({ mode: 'raw', channels: 1, sampleRate: 48000, startTimeMs: 300 });
  assert.deepEqual(ends, ['format-change']);
  sink.close();
  assert.equal(readWav(path).channels, 2);
});
