// Fuzz targets of the session-wide features, under the engine's one interface (so `npm run fuzz` runs them with
// every other parser): the audio message decoders and Opus packet check, live playback (into the real Opus
// decoder) and record channels, the usbredir packet parser and the virtual disk's SCSI commands. The USB targets
// are generators (test/unit/usbredir/usb-fuzz-targets.ts: one iteration is a pure function of its number), so
// their input is that number; the others mutate real-shaped messages.
import OpusScript from 'opusscript';
import { DecodingSink } from '../../../main/audio/decoding-sink';
import { createOpusDecoder } from '../../../main/audio/opus-decoder-node';
import type { PlaybackSink, RecordSource } from '../../../main/spice/audio/audio-adapters';
import { parseOpusPacket } from '../../../main/spice/audio/opus-packet';
import { PlaybackChannel } from '../../../main/spice/channels/playback-channel';
import { RecordChannel } from '../../../main/spice/channels/record-channel';
import * as A from '../../../main/spice/codecs/audio';
import { ProtocolError, isSpiceError } from '../../../main/spice/errors';
import { createMultimediaClock } from '../../../main/spice/multimedia-clock';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { fuzzParserOnce, fuzzScsiOnce, type FuzzResult } from '../../unit/usbredir/usb-fuzz-targets';
import type { FuzzTargetDef } from './engine';
import { mutateBytes, pick } from './mutate';
import { channelTarget, fakeContext, message } from './protocol-targets';

const bytesIo = {
  serialize: (b: Uint8Array) => b,
  deserialize: (b: Uint8Array) => b,
};

function opusPackets(count: number): Uint8Array[] {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  const out: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(960).map((_, i) => Math.round(6000 * Math.sin((f * 960 + i) / (3 + (f % 5)))));
    out.push(new Uint8Array(enc.encode(Buffer.from(pcm.buffer), 480)));
  }
  enc.delete();
  return out;
}

const AUDIO_DECODERS: ((r: SpiceReader) => unknown)[] = [
  A.decodeSpiceMsgPlaybackPacket,
  A.decodeSpiceMsgPlaybackMode,
  A.decodeSpiceMsgPlaybackStart,
  A.decodeSpiceMsgRecordStart,
  A.decodeSpiceMsgAudioVolume,
  A.decodeSpiceMsgAudioMute,
  A.decodeSpiceMsgPlaybackLatency,
  (r) => parseOpusPacket(r.rest()),
];

/** Only a ProtocolError is a refusal; any other SpiceError code is a crash like any other exception. */
function protocolOnly(e: unknown): never {
  if (isSpiceError(e) && e.code !== 'protocol') throw new Error(`${e.code}: ${e.message}`, { cause: e });
  throw e;
}

const audioMessagesTarget: FuzzTargetDef<Uint8Array> = {
  name: 'audio-messages',
  what: 'every audio message decoder (playback, record, volume, mute, latency) and the Opus packet check',
  seeds: () => [
    ...opusPackets(12),
    new SpiceWriter().u8(2).u16(1).u16(2).finish(),
    new SpiceWriter().u32(2).u16(1).u32(48000).u32(0).finish(),
    new SpiceWriter().u32(0).u16(E.SPICE_AUDIO_DATA_MODE_OPUS).finish(),
    new Uint8Array(14),
  ],
  mutate: (b, rnd, pool) => mutateBytes(b, rnd, pool.length ? pool[pick(rnd, pool.length)] : undefined),
  run: (input) => {
    let refused: Error | undefined;
    for (const decode of AUDIO_DECODERS) {
      try {
        decode(new SpiceReader(input));
      } catch (e) {
        if (!isSpiceError(e) || e.code !== 'protocol') protocolOnly(e);
        refused = e;
      }
    }
    if (refused) throw refused;
  },
  ...bytesIo,
};

const silentSink = (acceptsOpus: boolean): PlaybackSink => ({
  acceptsOpus,
  start() {},
  data() {},
  stop() {},
  volume() {},
  mute() {},
  latency() {},
  close() {},
});

function playbackSeeds(): Uint8Array[] {
  return [
    message(E.SPICE_MSG_PLAYBACK_MODE, new SpiceWriter().u32(0).u16(E.SPICE_AUDIO_DATA_MODE_OPUS).finish()),
    message(E.SPICE_MSG_PLAYBACK_MODE, new SpiceWriter().u32(0).u16(E.SPICE_AUDIO_DATA_MODE_RAW).finish()),
    message(E.SPICE_MSG_PLAYBACK_START, new SpiceWriter().u32(2).u16(1).u32(48000).u32(0).finish()),
    message(E.SPICE_MSG_PLAYBACK_STOP, new Uint8Array(0)),
    message(E.SPICE_MSG_PLAYBACK_VOLUME, new SpiceWriter().u8(2).u16(100).u16(200).finish()),
    message(E.SPICE_MSG_PLAYBACK_MUTE, Uint8Array.of(1)),
    message(E.SPICE_MSG_PLAYBACK_LATENCY, new SpiceWriter().u32(200).finish()),
    message(E.SPICE_MSG_PLAYBACK_DATA, new SpiceWriter().u32(5).bytes(new Uint8Array(1920)).finish()),
    ...opusPackets(6).map((p) =>
      message(E.SPICE_MSG_PLAYBACK_DATA, new SpiceWriter().u32(9).bytes(p).finish()),
    ),
  ];
}

function playbackTarget(): FuzzTargetDef<Uint8Array> {
  // Raw PCM and Opus through the real Node Opus decoder (prepared once, before the first input).
  const sink = new DecodingSink(silentSink(false), createOpusDecoder);
  const target = channelTarget(
    'playback-channel',
    'every playback message through the real PlaybackChannel, Opus decoded by the real decoder',
    () => ({
      channel: new PlaybackChannel(fakeContext(E.SPICE_CHANNEL_PLAYBACK, 0), {
        sink,
        clock: createMultimediaClock(),
      }),
    }),
    playbackSeeds,
    [101, 102, 103, 104, 105, 106, 107],
  );
  return {
    ...target,
    seeds: async () => {
      await sink.prepare();
      return target.seeds();
    },
  };
}

function recordTarget(): FuzzTargetDef<Uint8Array> {
  const source: RecordSource = { producesOpus: false, start: () => {}, stop: () => {}, close: () => {} };
  return channelTarget(
    'record-channel',
    'every record message through the real RecordChannel',
    () => ({
      channel: new RecordChannel(fakeContext(E.SPICE_CHANNEL_RECORD, 0), {
        source,
        clock: createMultimediaClock(),
      }),
    }),
    () => [
      message(E.SPICE_MSG_RECORD_START, new SpiceWriter().u32(2).u16(1).u32(48000).finish()),
      message(E.SPICE_MSG_RECORD_STOP, new Uint8Array(0)),
      message(E.SPICE_MSG_RECORD_VOLUME, new SpiceWriter().u8(2).u16(100).u16(200).finish()),
      message(E.SPICE_MSG_RECORD_MUTE, Uint8Array.of(0)),
    ],
    [101, 102, 103, 104],
  );
}

/** The seed every USB iteration is drawn from; the input is the iteration number. */
const USB_SEED = 0x05b;

function generatorTarget(
  name: string,
  what: string,
  once: (seed: number, iteration: number) => FuzzResult | Promise<FuzzResult>,
): FuzzTargetDef<number> {
  return {
    name,
    what,
    seeds: () => [0, 1, 2, 3],
    mutate: (_n, rnd) => Math.floor(rnd() * 2 ** 31),
    run: async (n) => {
      const r = await once(USB_SEED, n);
      if (r === 'rejected') throw new ProtocolError(`${name}: input refused`);
      if (typeof r === 'object') throw r.crash instanceof Error ? r.crash : new Error(String(r.crash));
    },
    serialize: (n) => new TextEncoder().encode(String(n)),
    deserialize: (b) => Number(new TextDecoder().decode(b)),
  };
}

/** By name: each builds its target when a campaign starts. */
export const FEATURE_TARGETS: Readonly<Record<string, () => FuzzTargetDef<never>>> = {
  'audio-messages': () => audioMessagesTarget,
  'playback-channel': playbackTarget,
  'record-channel': recordTarget,
  'usbredir-parser': () =>
    generatorTarget(
      'usbredir-parser',
      'the usbredir packet parser, host and guest roles, both wire layouts, mutated valid streams',
      fuzzParserOnce,
    ),
  'usb-scsi': () =>
    generatorTarget(
      'usb-scsi',
      'the virtual CD and disk behind the Bulk-Only Transport: random CDBs, lengths and directions',
      fuzzScsiOnce,
    ),
} as unknown as Record<string, () => FuzzTargetDef<never>>;
