// The test server's audio end to end through libspice-server with bare sound channels: the playback sine
// arrives as 48 kHz stereo S16 of the asked frequency, and what a client records is counted with its RMS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../main/spice/protocol/enums';
import { startTestServer } from '../support/test-server';
import { RawChannel } from '../server/raw-channel';
import { RawMain } from '../server/raw-main';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

void test('playback: a 1 kHz sine arrives as raw 48 kHz stereo S16', async (t) => {
  const server = await startTestServer({ width: 32, height: 32 });
  const main = await RawMain.open(server.port!);
  // no PLAYBACK_CAP_OPUS: spice-server sends raw PCM
  const playback = await RawChannel.open({
    port: server.port!,
    channelType: E.SPICE_CHANNEL_PLAYBACK,
    connectionId: main.init.sessionId,
  });
  t.after(async () => {
    playback.close();
    main.close();
    await server.stop();
  });
  await server.waitFor((e) => e.event === 'channel' && e.channel === 'playback' && e.state === 'initialized');
  const mark = server.eventCount;
  await server.sendOk({ cmd: 'play_sine', freq: 1000, ms: 200, amplitude: 0.25 });
  const mode = await playback.nextOfType(E.SPICE_MSG_PLAYBACK_MODE);
  assert.equal(mode.body.readUInt16LE(4), E.SPICE_AUDIO_DATA_MODE_RAW);
  const start = await playback.nextOfType(E.SPICE_MSG_PLAYBACK_START);
  assert.equal(start.body.readUInt32LE(0), 2, 'channels');
  assert.equal(start.body.readUInt16LE(4), E.SPICE_AUDIO_FMT_S16);
  assert.equal(start.body.readUInt32LE(6), 48000, 'frequency');
  const done = await server.waitFor((e) => e.event === 'playback_done', { after: mark });
  assert.equal(done.frames_sent, 9600);
  const samples: number[] = [];
  while (samples.length < 9600 * 2) {
    const data = await playback.nextOfType(E.SPICE_MSG_PLAYBACK_DATA);
    for (let o = 4; o + 1 < data.body.length; o += 2) samples.push(data.body.readInt16LE(o));
  }
  const left = samples.filter((_, i) => i % 2 === 0).slice(0, 9600);
  const right = samples.filter((_, i) => i % 2 === 1).slice(0, 9600);
  assert.deepEqual(left, right, 'both channels carry the same sine');
  // 1 kHz over 0.2 s: 200 periods, 400 sign changes; peak 0.25 of full scale
  let crossings = 0;
  for (let i = 1; i < left.length; i++) if (left[i - 1]! < 0 !== left[i]! < 0) crossings++;
  assert.ok(Math.abs(crossings - 400) <= 2, `zero crossings ${crossings}`);
  const peak = Math.max(...left.map(Math.abs));
  assert.ok(Math.abs(peak - 0.25 * 32767) <= 2, `peak ${peak}`);
});

void test('record: raw S16 from the client is counted with its RMS', async (t) => {
  const server = await startTestServer({ width: 32, height: 32 });
  const main = await RawMain.open(server.port!);
  const record = await RawChannel.open({
    port: server.port!,
    channelType: E.SPICE_CHANNEL_RECORD,
    connectionId: main.init.sessionId,
  });
  t.after(async () => {
    record.close();
    main.close();
    await server.stop();
  });
  await server.waitFor((e) => e.event === 'channel' && e.channel === 'record' && e.state === 'initialized');
  await server.sendOk({ cmd: 'record_start' });
  const start = await record.nextOfType(E.SPICE_MSG_RECORD_START);
  assert.equal(start.body.readUInt32LE(0), 2);
  assert.equal(start.body.readUInt32LE(6), 48000);
  const mode = Buffer.alloc(6);
  mode.writeUInt16LE(E.SPICE_AUDIO_DATA_MODE_RAW, 4);
  record.send(E.SPICE_MSGC_RECORD_MODE, mode);
  record.send(E.SPICE_MSGC_RECORD_START_MARK, Buffer.alloc(4));
  // 0.5 s of a 440 Hz sine at half scale, left only (right silent), in 480-frame packets sent at about
  // real-time pace: spice-server's ring holds 8192 frames and overwrites what is not read in time
  const frames = 24000;
  const amplitude = 0.5 * 32767;
  for (let f0 = 0; f0 < frames; f0 += 480) {
    const body = Buffer.alloc(4 + 480 * 4);
    body.writeUInt32LE(f0, 0);
    for (let i = 0; i < 480; i++) {
      const v = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * (f0 + i)) / 48000));
      body.writeInt16LE(v, 4 + i * 4);
      body.writeInt16LE(0, 6 + i * 4);
    }
    record.send(E.SPICE_MSGC_RECORD_DATA, body);
    if ((f0 / 480) % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 40));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stats = await server.sendOk({ cmd: 'record_stop' });
  assert.equal(stats.format, 's16');
  // spice-server keeps samples until half its ring is full, so a tail may stay unread
  assert.ok(
    Number(stats.frames) >= frames / 2 && Number(stats.frames) <= frames,
    `frames ${String(stats.frames)}`,
  );
  assert.ok(Math.abs(Number(stats.rms_left) - 0.5 / Math.SQRT2) < 0.01, `rms_left ${String(stats.rms_left)}`);
  assert.equal(stats.rms_right, 0);
});
