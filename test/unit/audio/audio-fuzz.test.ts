// Fuzzing the audio parsers and channels with fixed seeds. Every message decoder and the Opus packet check get
// random and mutated bytes (only ProtocolError may come out); live playback and record channels get mutated
// server messages — the playback one feeding the real Node Opus decoder — and must keep answering PINGs with
// the session open. `npm run fuzz -- --target audio-messages,playback-channel,record-channel` runs long campaigns of
// the same (test/support/fuzz/feature-targets.ts); SAFFRON_AUDIO_FUZZ_ITERATIONS raises the count here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpusScript from 'opusscript';
import { DecodingSink } from '../../../main/audio/decoding-sink';
import { createOpusDecoder } from '../../../main/audio/opus-decoder-node';
import type { PlaybackSink, RecordSource } from '../../../main/spice/audio/audio-adapters';
import { parseOpusPacket } from '../../../main/spice/audio/opus-packet';
import { playbackFeature } from '../../../main/spice/channels/playback-channel';
import { recordFeature } from '../../../main/spice/channels/record-channel';
import * as A from '../../../main/spice/codecs/audio';
import { isSpiceError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { mutate, prng } from '../../support/prng';
import type { ScriptedConnection } from '../../support/scripted-server';
import { startHarness } from '../../support/session-harness';

const ITERATIONS = Number(process.env.SAFFRON_AUDIO_FUZZ_ITERATIONS ?? 3000);
const TIME_LIMIT = { timeout: 120_000 + ITERATIONS * 5 };

function opusPackets(count: number): Uint8Array[] {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  const out: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(960).map((_, i) => Math.round(6000 * Math.sin((f * 960 + i) / (3 + (f % 5)))));
    out.push(enc.encode(Buffer.from(pcm.buffer), 480));
  }
  enc.delete();
  return out;
}

const DECODERS: ((r: SpiceReader) => unknown)[] = [
  A.decodeSpiceMsgPlaybackPacket,
  A.decodeSpiceMsgPlaybackMode,
  A.decodeSpiceMsgPlaybackStart,
  A.decodeSpiceMsgRecordStart,
  A.decodeSpiceMsgAudioVolume,
  A.decodeSpiceMsgAudioMute,
  A.decodeSpiceMsgPlaybackLatency,
];

void test(
  'audio fuzz: message decoders and the Opus packet check only ever throw ProtocolError',
  TIME_LIMIT,
  () => {
    const rnd = prng(0xa0d10);
    const seeds = [...opusPackets(20), new SpiceWriter().u8(2).u16(1).u16(2).finish(), new Uint8Array(14)];
    for (let i = 0; i < ITERATIONS * 3; i++) {
      const input =
        rnd() < 0.5
          ? mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd)
          : Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
      for (const decode of [...DECODERS, (r: SpiceReader) => parseOpusPacket(r.rest())]) {
        try {
          decode(new SpiceReader(input));
        } catch (e) {
          assert.ok(isSpiceError(e) && e.code === 'protocol', `iteration ${i}: ${String(e)}`);
        }
      }
    }
  },
);

async function pingPong(conn: ScriptedConnection, id: number): Promise<void> {
  conn.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
  for (;;) {
    const pong = await conn.nextOfType(E.SPICE_MSGC_PONG, 10_000);
    if (new SpiceReader(pong.body).u32() === id) return;
  }
}

const silentPcmSink = (): PlaybackSink => ({
  acceptsOpus: false,
  start() {},
  data() {},
  stop() {},
  volume() {},
  mute() {},
  latency() {},
  close() {},
});

void test(
  'audio fuzz: mutated playback messages into a live channel with the real Opus decoder',
  TIME_LIMIT,
  async () => {
    const rnd = prng(0x91a7);
    const sink = new DecodingSink(silentPcmSink(), createOpusDecoder);
    await sink.prepare();
    const h = await startHarness({ features: [playbackFeature(sink)] });
    try {
      h.main.send(
        E.SPICE_MSG_MAIN_CHANNELS_LIST,
        new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_PLAYBACK).u8(0).finish(),
      );
      const conn = await h.server.connection();
      await h.waitFor('channel-open');
      const packets = opusPackets(10);
      const valid: [number, Uint8Array][] = [
        [E.SPICE_MSG_PLAYBACK_MODE, new SpiceWriter().u32(0).u16(E.SPICE_AUDIO_DATA_MODE_OPUS).finish()],
        [E.SPICE_MSG_PLAYBACK_MODE, new SpiceWriter().u32(0).u16(E.SPICE_AUDIO_DATA_MODE_RAW).finish()],
        [E.SPICE_MSG_PLAYBACK_START, new SpiceWriter().u32(2).u16(1).u32(48000).u32(0).finish()],
        [E.SPICE_MSG_PLAYBACK_STOP, new Uint8Array(0)],
        [E.SPICE_MSG_PLAYBACK_VOLUME, new SpiceWriter().u8(2).u16(100).u16(200).finish()],
        [E.SPICE_MSG_PLAYBACK_MUTE, Uint8Array.of(1)],
        [E.SPICE_MSG_PLAYBACK_LATENCY, new SpiceWriter().u32(200).finish()],
        [E.SPICE_MSG_PLAYBACK_DATA, new SpiceWriter().u32(5).bytes(new Uint8Array(1920)).finish()],
        ...packets.map((p): [number, Uint8Array] => [
          E.SPICE_MSG_PLAYBACK_DATA,
          new SpiceWriter().u32(9).bytes(p).finish(),
        ]),
      ];
      const rounds = Math.max(10, ITERATIONS / 100);
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < 100; i++) {
          const [type, body] = valid[Math.floor(rnd() * valid.length)]!;
          conn.send(
            rnd() < 0.1 ? E.SPICE_MSG_PLAYBACK_DATA + Math.floor(rnd() * 8) : type,
            rnd() < 0.6 ? mutate(body, rnd) : body,
          );
        }
        await pingPong(conn, 0x1000 + round);
      }
      await pingPong(h.main, 1);
      assert.equal(h.session.isClosed, false);
    } finally {
      await h.close();
    }
  },
);

void test('audio fuzz: mutated record messages into a live channel', TIME_LIMIT, async () => {
  const rnd = prng(0x4ec0);
  let writer: ((pcm: Int16Array) => void) | null = null;
  const source: RecordSource = {
    producesOpus: false,
    start: (_f, w) => (writer = (pcm) => w.pcm(pcm)),
    stop: () => (writer = null),
    close: () => {},
  };
  const h = await startHarness({ features: [recordFeature(source)] });
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_RECORD).u8(0).finish(),
    );
    const conn = await h.server.connection();
    await h.waitFor('channel-open');
    const valid: [number, Uint8Array][] = [
      [E.SPICE_MSG_RECORD_START, new SpiceWriter().u32(2).u16(1).u32(48000).finish()],
      [E.SPICE_MSG_RECORD_STOP, new Uint8Array(0)],
      [E.SPICE_MSG_RECORD_VOLUME, new SpiceWriter().u8(2).u16(100).u16(200).finish()],
      [E.SPICE_MSG_RECORD_MUTE, Uint8Array.of(0)],
    ];
    const rounds = Math.max(10, ITERATIONS / 100);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < 100; i++) {
        const [type, body] = valid[Math.floor(rnd() * valid.length)]!;
        conn.send(type, rnd() < 0.6 ? mutate(body, rnd) : body);
        (writer as ((pcm: Int16Array) => void) | null)?.(new Int16Array(Math.floor(rnd() * 700) * 2));
      }
      await pingPong(conn, 0x2000 + round);
    }
    assert.equal(h.session.isClosed, false);
  } finally {
    await h.close();
  }
});
