// The playback channel against a scripted server: what reaches the sink, and that every bad input (DATA before
// START, a malformed Opus frame, odd raw sizes, bad START fields, an unplayable mode) is an error of this
// channel only — reported once per stream, counted after that — while the channel and the session go on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpusScript from 'opusscript';
import type { PlaybackFormat, PlaybackFrame, PlaybackSink } from '../../../main/spice/audio/audio-adapters';
import {
  MAX_PLAYBACK_LATENCY_MS,
  playbackFeature,
  type PlaybackChannel,
} from '../../../main/spice/channels/playback-channel';
import { mmTimeDiff } from '../../../main/spice/multimedia-clock';
import * as E from '../../../main/spice/protocol/enums';
import {
  SPICE_PLAYBACK_CAP_LATENCY,
  SPICE_PLAYBACK_CAP_OPUS,
  SPICE_PLAYBACK_CAP_VOLUME,
} from '../../../main/spice/protocol/protocol';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import type { ScriptedConnection } from '../../support/scripted-server';
import { startHarness, type Harness } from '../../support/session-harness';

class FakeSink implements PlaybackSink {
  calls: string[] = [];
  frames: PlaybackFrame[] = [];
  latencies: number[] = [];
  closed = false;
  constructor(
    readonly acceptsOpus: boolean,
    private readonly delay = 0,
  ) {}
  start(f: PlaybackFormat): void {
    this.calls.push(`start ${f.mode} ${f.channels}x${f.sampleRate}`);
  }
  data(f: PlaybackFrame): void {
    this.frames.push({ ...f, data: f.data.slice() });
  }
  stop(): void {
    this.calls.push('stop');
  }
  volume(levels: readonly number[]): void {
    this.calls.push(`volume ${levels.join(',')}`);
  }
  mute(m: boolean): void {
    this.calls.push(`mute ${m}`);
  }
  latency(ms: number): void {
    this.latencies.push(ms);
  }
  delayMs(): number {
    return this.delay;
  }
  close(): void {
    this.closed = true;
  }
}

async function withPlayback(
  sink: FakeSink,
  run: (h: Harness, conn: ScriptedConnection, channel: PlaybackChannel) => Promise<void>,
): Promise<void> {
  const h = await startHarness({ features: [playbackFeature(sink)] });
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_PLAYBACK).u8(0).finish(),
    );
    const conn = await h.server.connection();
    await h.waitFor('channel-open', (c) => c.type === E.SPICE_CHANNEL_PLAYBACK);
    await run(h, conn, h.session.getChannel<PlaybackChannel>(E.SPICE_CHANNEL_PLAYBACK, 0)!);
  } finally {
    await h.close();
  }
}

const mode = (m: number): Uint8Array => new SpiceWriter().u32(0).u16(m).finish();
const start = (channels: number, rate: number, time = 1000, format = E.SPICE_AUDIO_FMT_S16): Uint8Array =>
  new SpiceWriter().u32(channels).u16(format).u32(rate).u32(time).finish();
const data = (time: number, bytes: Uint8Array): Uint8Array =>
  new SpiceWriter().u32(time).bytes(bytes).finish();

/** Round trip: once the channel answers this PING, everything sent before it was handled. */
async function settle(conn: ScriptedConnection, id: number): Promise<void> {
  conn.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
  for (;;) {
    const pong = await conn.nextOfType(E.SPICE_MSGC_PONG, 3000);
    if (new SpiceReader(pong.body).u32() === id) return;
  }
}

function playbackErrors(h: Harness): string[] {
  return h.events
    .filter((e) => e.name === 'channel-error')
    .map((e) => e.payload as { type: number; error: Error })
    .filter((e) => e.type === E.SPICE_CHANNEL_PLAYBACK)
    .map((e) => e.error.message);
}

void test('playback: offers VOLUME and LATENCY, and OPUS only when the sink takes Opus', async () => {
  for (const opus of [false, true]) {
    await withPlayback(new FakeSink(opus), (_h, _conn, channel) => {
      const expected = [SPICE_PLAYBACK_CAP_VOLUME, SPICE_PLAYBACK_CAP_LATENCY];
      if (opus) expected.push(SPICE_PLAYBACK_CAP_OPUS);
      assert.deepEqual(channel.offeredCaps, expected);
      return Promise.resolve();
    });
  }
});

void test('playback: raw stream, volume, mute and latency reach the sink; the clock follows the frames', async () => {
  const sink = new FakeSink(false, 80);
  await withPlayback(sink, async (h, conn, channel) => {
    conn.send(E.SPICE_MSG_PLAYBACK_MODE, mode(E.SPICE_AUDIO_DATA_MODE_RAW));
    conn.send(E.SPICE_MSG_PLAYBACK_VOLUME, new SpiceWriter().u8(2).u16(1).u16(2).finish());
    conn.send(E.SPICE_MSG_PLAYBACK_MUTE, Uint8Array.of(1));
    conn.send(E.SPICE_MSG_PLAYBACK_LATENCY, new SpiceWriter().u32(150).finish());
    conn.send(E.SPICE_MSG_PLAYBACK_LATENCY, new SpiceWriter().u32(3_600_000).finish());
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 44100, 5000));
    for (let i = 0; i < 3; i++)
      conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(5000 + i * 10, new Uint8Array(441 * 4)));
    await settle(conn, 1);
    assert.equal(h.session.clock.audioDelayMs, 80);
    const behind = mmTimeDiff(5000, h.session.clock.nowMs());
    assert.ok(
      behind >= 80 - 30 && behind <= 80,
      `the clock reads the first frame's time − 80 ms (${behind})`,
    );
    conn.send(E.SPICE_MSG_PLAYBACK_STOP);
    await settle(conn, 2);
    assert.deepEqual(sink.calls, ['volume 1,2', 'mute true', 'start raw 2x44100', 'stop']);
    assert.deepEqual(sink.latencies, [150, MAX_PLAYBACK_LATENCY_MS]);
    assert.deepEqual(
      sink.frames.map((f) => [f.timeMs, f.samples, f.data.length]),
      [
        [5000, 441, 1764],
        [5010, 441, 1764],
        [5020, 441, 1764],
      ],
    );
    assert.equal(channel.stats.samples, 1323);
    assert.equal(h.session.clock.audioDelayMs, null, 'no audio delay after STOP');
    assert.deepEqual(playbackErrors(h), []);
  });
  assert.equal(sink.closed, true, 'the sink is closed with the session');
});

void test('playback: DATA before START is an error of the playback channel only, reported once', async () => {
  const sink = new FakeSink(false);
  await withPlayback(sink, async (h, conn, channel) => {
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(1, new Uint8Array(16)));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(2, new Uint8Array(16)));
    await settle(conn, 1);
    assert.deepEqual(playbackErrors(h), ['PLAYBACK_DATA before PLAYBACK_MODE/START']);
    assert.equal(channel.stats.rejectedFrames, 2);
    assert.equal(channel.stats.reportedErrors, 1);
    // the channel and the session go on: the main channel answers, and a proper stream plays
    await settle(h.main, 2);
    conn.send(E.SPICE_MSG_PLAYBACK_MODE, mode(E.SPICE_AUDIO_DATA_MODE_RAW));
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 48000));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(3, new Uint8Array(16)));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(4, new Uint8Array(15))); // not whole stereo samples
    conn.send(E.SPICE_MSG_PLAYBACK_STOP);
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(5, new Uint8Array(16))); // after STOP
    await settle(conn, 3);
    assert.equal(sink.frames.length, 1);
    assert.deepEqual(playbackErrors(h).slice(1), [
      'raw PLAYBACK_DATA of 15 bytes is not whole 2-channel samples',
      'PLAYBACK_DATA outside a stream (before PLAYBACK_START)',
    ]);
    assert.equal(h.session.isClosed, false);
  });
});

void test('playback: a malformed Opus frame is an error; the frames around it play', async () => {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  const good = enc.encode(Buffer.alloc(1920), 480);
  enc.delete();
  const sink = new FakeSink(true);
  await withPlayback(sink, async (h, conn) => {
    conn.send(E.SPICE_MSG_PLAYBACK_MODE, mode(E.SPICE_AUDIO_DATA_MODE_OPUS));
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 48000));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(10, good));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(20, Uint8Array.of(0xf1, 1, 2, 3))); // code 1, odd payload
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(25, new Uint8Array(0))); // empty
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(30, good));
    await settle(conn, 1);
    assert.deepEqual(
      sink.frames.map((f) => [f.mode, f.timeMs, f.samples]),
      [
        ['opus', 10, 480],
        ['opus', 30, 480],
      ],
    );
    const errors = playbackErrors(h);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /malformed Opus frame: Opus packet \(code 1\)/);
    // Opus outside 48/24/16/12/8 kHz stereo is refused at START
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 44100));
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(0, 48000));
    await settle(conn, 2);
    assert.match(playbackErrors(h)[1]!, /Opus playback at 44100 Hz/);
    assert.match(playbackErrors(h)[2]!, /0 channels/);
  });
});

void test('playback: CELT or an unknown mode is reported unsupported and its stream stays silent', async () => {
  const sink = new FakeSink(true);
  await withPlayback(sink, async (h, conn) => {
    conn.send(E.SPICE_MSG_PLAYBACK_MODE, mode(E.SPICE_AUDIO_DATA_MODE_CELT_0_5_1));
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 48000));
    conn.send(E.SPICE_MSG_PLAYBACK_DATA, data(1, new Uint8Array(8)));
    conn.send(E.SPICE_MSG_PLAYBACK_START, start(2, 48000, 0, 7)); // unknown sample format
    conn.send(E.SPICE_MSG_PLAYBACK_VOLUME, new SpiceWriter().u8(0).finish());
    await settle(conn, 1);
    const unsupported = h.events
      .filter((e) => e.name === 'unsupported')
      .map((e) => (e.payload as { what: string }).what);
    assert.ok(
      unsupported.some((w) => w.startsWith('playback mode CELT 0.5.1')),
      JSON.stringify(unsupported),
    );
    assert.equal(sink.frames.length, 0);
    assert.deepEqual(sink.calls, []);
    assert.ok(playbackErrors(h).some((m) => /without a playable PLAYBACK_MODE/.test(m)));
    assert.ok(playbackErrors(h).some((m) => /0 channels/.test(m)));
  });
});
