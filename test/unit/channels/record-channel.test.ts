// The record channel against a scripted server: RECORD_MODE and START_MARK once per recording, then DATA frames
// of exactly 256 samples (raw; spice-server's ring-wrap bug) cut from PCM of any length, Opus only when asked
// and offered, a writer from an ended recording cannot send, and bad RECORD_START fields are channel errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOpusEncoder } from '../../../main/audio/opus-encoder-node';
import type { RecordFormat, RecordSource, RecordWriter } from '../../../main/spice/audio/audio-adapters';
import { parseOpusPacket } from '../../../main/spice/audio/opus-packet';
import {
  RECORD_RAW_FRAME_SAMPLES,
  recordFeature,
  type RecordChannel,
  type RecordInstallOptions,
} from '../../../main/spice/channels/record-channel';
import * as E from '../../../main/spice/protocol/enums';
import { SPICE_RECORD_CAP_OPUS, SPICE_RECORD_CAP_VOLUME } from '../../../main/spice/protocol/protocol';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import type { ScriptedConnection } from '../../support/scripted-server';
import { startHarness, type Harness } from '../../support/session-harness';

class FakeSource implements RecordSource {
  formats: RecordFormat[] = [];
  writers: RecordWriter[] = [];
  stops = 0;
  volume?: (levels: readonly number[]) => void;
  constructor(readonly producesOpus = false) {}
  start(format: RecordFormat, writer: RecordWriter): void {
    this.formats.push(format);
    this.writers.push(writer);
  }
  stop(): void {
    this.stops++;
  }
  close(): void {}
}

async function withRecord(
  source: FakeSource,
  options: RecordInstallOptions,
  serverCaps: number[],
  run: (h: Harness, conn: ScriptedConnection, channel: RecordChannel) => Promise<void>,
): Promise<void> {
  const h = await startHarness({
    channelCaps: (type) => (type === E.SPICE_CHANNEL_RECORD ? serverCaps : []),
    features: [recordFeature(source, options)],
  });
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_RECORD).u8(0).finish(),
    );
    const conn = await h.server.connection();
    await h.waitFor('channel-open', (c) => c.type === E.SPICE_CHANNEL_RECORD);
    await run(h, conn, h.session.getChannel<RecordChannel>(E.SPICE_CHANNEL_RECORD, 0)!);
  } finally {
    await h.close();
  }
}

const recordStart = (channels: number, rate: number, format = E.SPICE_AUDIO_FMT_S16): Uint8Array =>
  new SpiceWriter().u32(channels).u16(format).u32(rate).finish();

async function settle(conn: ScriptedConnection, id: number): Promise<void> {
  conn.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
  for (;;) {
    const pong = await conn.nextOfType(E.SPICE_MSGC_PONG, 3000);
    if (new SpiceReader(pong.body).u32() === id) return;
  }
}

/** Client messages up to the PONG of `id` (the record messages sent before it). */
async function clientMessages(
  conn: ScriptedConnection,
  id: number,
): Promise<{ type: number; body: Uint8Array }[]> {
  conn.send(E.SPICE_MSG_PING, new SpiceWriter().u32(id).u64(0n).finish());
  const out: { type: number; body: Uint8Array }[] = [];
  for (;;) {
    const m = await conn.next(3000);
    if (m.type === E.SPICE_MSGC_PONG && new SpiceReader(m.body).u32() === id) return out;
    if (m.type >= 101) out.push({ type: m.type, body: m.body });
  }
}

void test('record: raw PCM of any length goes out as MODE, START_MARK, then 256-sample DATA frames', async () => {
  const source = new FakeSource();
  await withRecord(
    source,
    {},
    [SPICE_RECORD_CAP_VOLUME, SPICE_RECORD_CAP_OPUS],
    async (_h, conn, channel) => {
      assert.deepEqual(channel.offeredCaps, [SPICE_RECORD_CAP_VOLUME], 'no Opus without preferOpus');
      conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000));
      await settle(conn, 1);
      assert.deepEqual(source.formats, [{ mode: 'raw', channels: 2, sampleRate: 48000, frameSamples: 256 }]);
      const writer = source.writers[0]!;
      let n = 0;
      for (const frames of [100, 300, 500]) {
        const pcm = new Int16Array(frames * 2);
        for (let i = 0; i < pcm.length; i++) pcm[i] = n++;
        writer.pcm(pcm);
      }
      const sent = await clientMessages(conn, 2);
      assert.deepEqual(
        sent.map((m) => m.type),
        [E.SPICE_MSGC_RECORD_MODE, E.SPICE_MSGC_RECORD_START_MARK, 101, 101, 101],
      );
      assert.equal(new SpiceReader(sent[0]!.body, 4).u16(), E.SPICE_AUDIO_DATA_MODE_RAW);
      const samples = sent.slice(2).flatMap((m) => [...new Int16Array(m.body.slice(4).buffer)]);
      assert.equal(
        samples.length,
        3 * RECORD_RAW_FRAME_SAMPLES * 2,
        '900 frames: three full frames, 132 pending',
      );
      assert.deepEqual(samples.slice(0, 4), [0, 1, 2, 3]);
      assert.ok(
        samples.every((v, i) => v === i),
        'in order, nothing lost or repeated',
      );
      assert.equal(channel.stats.frames, 3);

      conn.send(E.SPICE_MSG_RECORD_STOP);
      await settle(conn, 3);
      assert.equal(source.stops, 1);
      writer.pcm(new Int16Array(1024)); // from the ended recording: dropped
      assert.equal(channel.stats.droppedSamples, 512);
      conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000));
      await settle(conn, 4);
      source.writers[1]!.pcm(new Int16Array(512));
      const again = await clientMessages(conn, 5);
      assert.deepEqual(
        again.map((m) => m.type),
        [E.SPICE_MSGC_RECORD_MODE, E.SPICE_MSGC_RECORD_START_MARK, 101],
        'a new recording is marked again',
      );
    },
  );
});

void test('record: Opus when asked and offered, with a Node encoder: 10 ms packets', async () => {
  const source = new FakeSource();
  await withRecord(
    source,
    { opusEncoder: createOpusEncoder, preferOpus: true },
    [SPICE_RECORD_CAP_VOLUME, SPICE_RECORD_CAP_OPUS],
    async (_h, conn, channel) => {
      assert.deepEqual(channel.offeredCaps, [SPICE_RECORD_CAP_VOLUME, SPICE_RECORD_CAP_OPUS]);
      conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000));
      await settle(conn, 1);
      assert.equal(source.formats[0]!.mode, 'opus');
      assert.equal(source.formats[0]!.frameSamples, 480);
      const pcm = new Int16Array(960 * 2).map((_, i) => Math.round(5000 * Math.sin(i / 9)));
      source.writers[0]!.pcm(pcm);
      const sent = await clientMessages(conn, 2);
      assert.equal(new SpiceReader(sent[0]!.body, 4).u16(), E.SPICE_AUDIO_DATA_MODE_OPUS);
      const packets = sent.slice(2).map((m) => m.body.slice(4));
      assert.equal(packets.length, 2);
      for (const p of packets) assert.equal(parseOpusPacket(p).samples48k, 480);
    },
  );
  // the server does not offer Opus (or the rate is not an Opus rate): raw
  const raw = new FakeSource();
  await withRecord(
    raw,
    { opusEncoder: createOpusEncoder, preferOpus: true },
    [SPICE_RECORD_CAP_VOLUME],
    async (_h, conn) => {
      conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000));
      conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 44100));
      await settle(conn, 1);
      assert.deepEqual(
        raw.formats.map((f) => f.mode),
        ['raw', 'raw'],
      );
    },
  );
});

void test('record: a source that encodes gives Opus packets; a malformed one is refused', async () => {
  const source = new FakeSource(true);
  await withRecord(source, { preferOpus: true }, [SPICE_RECORD_CAP_OPUS], async (_h, conn, channel) => {
    conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000));
    await settle(conn, 1);
    const writer = source.writers[0]!;
    assert.throws(() => writer.opus(Uint8Array.of(0xf1, 1, 2, 3)), /Opus packet/);
    assert.throws(
      () => writer.opus(Uint8Array.of((31 << 3) | 0, 0)),
      /expected 480/,
      '20 ms is not a SPICE frame',
    );
    writer.opus(Uint8Array.of(30 << 3, 1, 2));
    const sent = await clientMessages(conn, 2);
    assert.deepEqual(
      sent.map((m) => m.type),
      [E.SPICE_MSGC_RECORD_MODE, E.SPICE_MSGC_RECORD_START_MARK, 101],
    );
    assert.equal(channel.stats.frames, 1);
  });
});

void test('record: bad RECORD_START fields are errors of the record channel; volume and mute reach the source', async () => {
  const source = new FakeSource();
  const levels: number[][] = [];
  source.volume = (l) => levels.push([...l]);
  await withRecord(source, {}, [], async (h, conn) => {
    conn.send(E.SPICE_MSG_RECORD_START, recordStart(3, 48000));
    conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 1));
    conn.send(E.SPICE_MSG_RECORD_START, recordStart(2, 48000, 9));
    conn.send(E.SPICE_MSG_RECORD_VOLUME, new SpiceWriter().u8(2).u16(7).u16(8).finish());
    conn.send(E.SPICE_MSG_RECORD_MUTE, Uint8Array.of(1));
    await settle(conn, 1);
    const errors = h.events
      .filter((e) => e.name === 'channel-error')
      .map((e) => (e.payload as { type: number; error: Error }).error.message);
    assert.deepEqual(errors, ['RECORD_START with 3 channels', 'RECORD_START at 1 Hz']);
    assert.ok(h.events.some((e) => e.name === 'unsupported'));
    assert.equal(source.formats.length, 0);
    assert.deepEqual(levels, [[7, 8]]);
    assert.equal(h.session.getChannel<RecordChannel>(E.SPICE_CHANNEL_RECORD, 0)!.muted, true);
  });
});
