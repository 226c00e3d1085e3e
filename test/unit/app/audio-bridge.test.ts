// The audio bridge with fake views and the real sound features' adapters: the first view that offers itself plays;
// Opus goes through to a page with WebCodecs and is decoded in Node for one without; gains follow the guest mixer and
// the user; the delay answers from the page's report; the microphone is asked for only when the server records and
// the user enabled it, and only the asked view's samples of that stream reach the record writer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpusScript from 'opusscript';
import type { PortMessage } from '../../../shared/contract';
import { createOpusDecoder } from '../../../main/audio/opus-decoder-node';
import { AudioBridge } from '../../../main/session/bridges/audio-bridge';
import type { SessionContext, ViewPort } from '../../../main/session/session-bridge';
import { noShellEvents } from '../../../main/session/shell-events';
import { SettingsSource } from '../../../main/session/settings/settings-source';
import { memorySettingsStore } from '../../../main/session/settings/settings-store';
import type { PlaybackSink, RecordSource, RecordWriter } from '../../../main/spice/audio/audio-adapters';
import { silentLogger } from '../../../main/spice/logger';

interface FakeView extends ViewPort {
  messages: PortMessage[];
  of<K extends PortMessage['kind']>(kind: K): Extract<PortMessage, { kind: K }>[];
}

function fakeView(id: number): FakeView {
  const messages: PortMessage[] = [];
  return {
    id,
    monitor: 0,
    messages,
    send: (m) => messages.push(m),
    sendDamage: () => {},
    of: <K extends PortMessage['kind']>(kind: K) =>
      messages.filter((m): m is Extract<PortMessage, { kind: K }> => m.kind === kind),
  };
}

function setup(now = { ms: 0 }): {
  bridge: AudioBridge;
  ctx: SessionContext & { views: Set<ViewPort> };
  sink: PlaybackSink;
  source: RecordSource;
} {
  const views = new Set<ViewPort>();
  const ctx: SessionContext & { views: Set<ViewPort> } = {
    logger: silentLogger,
    shell: 'web',
    session: undefined,
    connected: true,
    reconnecting: false,
    config: undefined,
    views,
    broadcast: (m) => views.forEach((v) => v.send(m)),
    events: noShellEvents,
    settings: new SettingsSource(memorySettingsStore(), silentLogger),
  };
  const bridge = new AudioBridge(ctx, {
    createDecoder: createOpusDecoder,
    now: () => now.ms,
    epochNow: () => 1e12,
  });
  const { sink, source } = bridge.adapters();
  return { bridge, ctx, sink, source };
}

const OFFER = { opusDecoder: true, opusEncoder: false, microphone: true };

void test('the first view that offers plays: start, frames, gains, stop; a later view only gets the state', () => {
  const now = { ms: 0 };
  const { bridge, ctx, sink } = setup(now);
  const a = fakeView(1);
  const b = fakeView(2);
  ctx.views.add(a);
  ctx.views.add(b);
  bridge.handlers.audioOutput(OFFER, a);
  bridge.handlers.audioOutput(OFFER, b);
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 5 });
  sink.volume([65535, 32768]);
  sink.data({ mode: 'raw', timeMs: 10, samples: 480, data: new Uint8Array(1920) });
  const start = a.of('audio-start')[0]!;
  assert.deepEqual(start, {
    kind: 'audio-start',
    stream: start.stream,
    codec: 'pcm',
    channels: 2,
    sampleRate: 48000,
    minLatencyMs: 0,
  });
  assert.equal(a.of('audio-frame').length, 1);
  assert.equal(a.of('audio-frame')[0]!.sentAtMs, 1e12);
  assert.equal(b.of('audio-frame').length, 0);
  assert.equal(b.of('audio-start').length, 0);
  const gains = a.of('audio-gain').at(-1)!.gains;
  assert.equal(gains[0], 1);
  assert.ok(Math.abs(gains[1]! - 32768 / 65535) < 1e-9);
  assert.equal(a.of('audio-state').at(-1)!.output, true);
  assert.equal(b.of('audio-state').at(-1)!.output, false);
  assert.equal(b.of('audio-state').at(-1)!.playback, 'playing');

  // The user's volume (perceptual) and mute, the guest's mute.
  bridge.handlers.audioSettings({ volume: 50 }, b);
  assert.equal(a.of('audio-gain').at(-1)!.gains[0], 0.25);
  sink.mute(true);
  assert.deepEqual(a.of('audio-gain').at(-1)!.gains, [0, 0]);
  sink.mute(false);

  // Delay: before a report, everything sent is ahead (10 ms frame → 0 ms ahead of its start) + assumed output.
  assert.equal(sink.delayMs!(), 30);
  for (let i = 0; i < 4; i++)
    sink.data({ mode: 'raw', timeMs: 20 + 10 * i, samples: 480, data: new Uint8Array(1920) });
  now.ms = 100;
  bridge.handlers.audioReport(
    { stream: start.stream, receivedMs: 50, bufferedMs: 40, outputLatencyMs: 12, underruns: 0, overruns: 0 },
    a,
  );
  now.ms = 110;
  // 40 buffered − 10 drained, nothing in flight, minus the newest frame's own 10 ms, + 12 output.
  assert.equal(sink.delayMs!(), 32);
  // A report from another view or an old stream is ignored.
  bridge.handlers.audioReport(
    { stream: start.stream, receivedMs: 50, bufferedMs: 500, outputLatencyMs: 12, underruns: 0, overruns: 0 },
    b,
  );
  assert.equal(sink.delayMs!(), 32);

  // The server asks for more buffering: the same stream, a higher target.
  sink.latency(200);
  assert.deepEqual(a.of('audio-start').at(-1), { ...start, minLatencyMs: 200 });

  // The output view goes away: the next one gets the stream.
  ctx.views.delete(a);
  bridge.viewDetached(a);
  assert.equal(b.of('audio-start').at(-1)!.stream, start.stream);
  sink.data({ mode: 'raw', timeMs: 70, samples: 480, data: new Uint8Array(1920) });
  assert.equal(b.of('audio-frame').length, 1);
  sink.stop();
  assert.deepEqual(b.of('audio-stop').at(-1), { kind: 'audio-stop', stream: start.stream });
  assert.equal(b.of('audio-state').at(-1)!.playback, 'idle');
});

function opusPacket(): Uint8Array {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  const pcm = new Int16Array(960);
  for (let i = 0; i < 480; i++)
    pcm[2 * i] = pcm[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000));
  const packet = enc.encode(Buffer.from(pcm.buffer), 480);
  enc.delete();
  return new Uint8Array(packet);
}

void test('Opus passes through to a page with WebCodecs and is decoded in Node for one without', async () => {
  const packet = opusPacket();
  for (const opusDecoder of [true, false]) {
    const { bridge, ctx, sink } = setup();
    const view = fakeView(1);
    ctx.views.add(view);
    bridge.handlers.audioOutput({ ...OFFER, opusDecoder }, view);
    sink.start({ mode: 'opus', channels: 2, sampleRate: 48000, startTimeMs: 0 });
    for (let i = 0; i < 20 && view.of('audio-frame').length === 0; i++) {
      sink.data({ mode: 'opus', timeMs: 10 * i, samples: 480, data: packet });
      await new Promise((r) => setTimeout(r, 20));
    }
    const start = view.of('audio-start')[0]!;
    const frame = view.of('audio-frame')[0]!;
    assert.equal(start.codec, opusDecoder ? 'opus' : 'pcm');
    if (opusDecoder) assert.deepEqual(frame.data, packet);
    else assert.equal(frame.data.byteLength, 480 * 2 * 2, 'decoded S16 stereo');
    sink.close();
  }
});

void test('microphone: asked for only when the server records and the user enabled it; stale or foreign data dropped', () => {
  const { bridge, ctx, source } = setup();
  const a = fakeView(1);
  const b = fakeView(2);
  ctx.views.add(a);
  ctx.views.add(b);
  bridge.handlers.audioOutput(OFFER, a);
  const written: Int16Array[] = [];
  const writer: RecordWriter = { pcm: (s) => written.push(s.slice()), opus: () => {} };
  source.start({ mode: 'raw', channels: 2, sampleRate: 48000, frameSamples: 256 }, writer);
  assert.equal(a.of('record-start').length, 0, 'not without the user');
  assert.equal(a.of('audio-state').at(-1)!.micStatus, 'off');

  bridge.handlers.audioSettings({ micEnabled: true }, b);
  const ask = a.of('record-start')[0]!;
  assert.equal(ask.channels, 2);
  assert.equal(ask.sampleRate, 48000);
  assert.equal(ask.codec, 'pcm');
  assert.equal(b.of('record-start').length, 0);
  assert.equal(b.of('audio-state').at(-1)!.micStatus, 'waiting');
  bridge.handlers.recordStatus({ stream: ask.stream, state: 'capturing' }, a);
  assert.equal(b.of('audio-state').at(-1)!.micStatus, 'capturing');

  const samples = new Int16Array([1, -1, 2, -2]);
  const bytes = new Uint8Array(samples.buffer);
  bridge.handlers.recordData({ stream: ask.stream, codec: 'pcm', data: bytes }, a);
  bridge.handlers.recordData({ stream: ask.stream, codec: 'pcm', data: bytes }, b); // not the asked view
  bridge.handlers.recordData({ stream: ask.stream + 1, codec: 'pcm', data: bytes }, a); // another stream
  bridge.handlers.recordData({ stream: ask.stream, codec: 'pcm', data: bytes.subarray(0, 2) }, a); // half a frame
  assert.deepEqual(written, [samples]);
  assert.equal(bridge.droppedRecordData, 3);

  // Muted: the stream goes on, silent.
  bridge.handlers.audioSettings({ micMuted: true }, a);
  bridge.handlers.recordData({ stream: ask.stream, codec: 'pcm', data: bytes }, a);
  assert.deepEqual(written[1], new Int16Array(4));

  // The user turns it off: the page is told to close the device.
  bridge.handlers.audioSettings({ micEnabled: false }, a);
  assert.deepEqual(a.of('record-stop').at(-1), { kind: 'record-stop', stream: ask.stream });
  assert.equal(a.of('audio-state').at(-1)!.micStatus, 'off');

  // Refused by the browser: the status says so and no data is taken.
  bridge.handlers.audioSettings({ micEnabled: true }, a);
  const again = a.of('record-start').at(-1)!;
  bridge.handlers.recordStatus({ stream: again.stream, state: 'denied', message: 'Permission denied' }, a);
  const state = a.of('audio-state').at(-1)!;
  assert.equal(state.micStatus, 'denied');
  assert.equal(state.micMessage, 'Permission denied');
  bridge.handlers.recordData({ stream: again.stream, codec: 'pcm', data: bytes }, a);
  assert.equal(written.length, 2);

  // The server stops recording: the page closes the device.
  bridge.handlers.audioSettings({ micEnabled: false }, a);
  bridge.handlers.audioSettings({ micEnabled: true }, a);
  source.stop();
  assert.equal(a.of('record-stop').at(-1)!.stream, a.of('record-start').at(-1)!.stream);
});

void test('a replaced session’s adapters fall silent', () => {
  const { bridge, ctx, sink } = setup();
  const view = fakeView(1);
  ctx.views.add(view);
  bridge.handlers.audioOutput(OFFER, view);
  bridge.sessionEnded();
  sink.start({ mode: 'raw', channels: 2, sampleRate: 48000, startTimeMs: 0 });
  assert.equal(view.of('audio-start').length, 0);
  assert.equal(sink.delayMs!(), 0);
});
