// Playback/record message codecs: every server message decodes from hand-built bytes (spice.proto layouts),
// client messages encode to the exact bytes, and short or inconsistent messages are ProtocolErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as A from '../../../main/spice/codecs/audio';
import { ProtocolError } from '../../../main/spice/errors';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';

const r = (w: SpiceWriter): SpiceReader => new SpiceReader(w.finish());

void test('audio codecs: server messages', () => {
  const data = A.decodeSpiceMsgPlaybackPacket(
    r(new SpiceWriter().u32(0xdeadbeef).bytes(Uint8Array.of(1, 2, 3))),
  );
  assert.equal(data.time, 0xdeadbeef);
  assert.deepEqual([...data.data], [1, 2, 3]);
  assert.deepEqual(A.decodeSpiceMsgPlaybackMode(r(new SpiceWriter().u32(7).u16(3))), {
    time: 7,
    mode: 3,
    data: new Uint8Array(0),
  });
  assert.deepEqual(A.decodeSpiceMsgPlaybackStart(r(new SpiceWriter().u32(2).u16(1).u32(48000).u32(99))), {
    channels: 2,
    format: 1,
    frequency: 48000,
    time: 99,
  });
  assert.deepEqual(A.decodeSpiceMsgRecordStart(r(new SpiceWriter().u32(2).u16(1).u32(44100))), {
    channels: 2,
    format: 1,
    frequency: 44100,
  });
  assert.deepEqual(
    A.decodeSpiceMsgAudioVolume(r(new SpiceWriter().u8(2).u16(100).u16(65535))).volume,
    [100, 65535],
  );
  assert.equal(A.decodeSpiceMsgAudioMute(r(new SpiceWriter().u8(1))), true);
  assert.equal(A.decodeSpiceMsgAudioMute(r(new SpiceWriter().u8(0))), false);
  assert.equal(A.decodeSpiceMsgPlaybackLatency(r(new SpiceWriter().u32(250))), 250);
});

void test('audio codecs: short and inconsistent messages are refused', () => {
  assert.throws(() => A.decodeSpiceMsgPlaybackStart(r(new SpiceWriter().u32(2).u16(1))), ProtocolError);
  assert.throws(() => A.decodeSpiceMsgPlaybackPacket(r(new SpiceWriter().u16(1))), ProtocolError);
  assert.throws(() => A.decodeSpiceMsgAudioVolume(r(new SpiceWriter().u8(3).u16(1))), ProtocolError);
  assert.throws(() => A.decodeSpiceMsgAudioVolume(r(new SpiceWriter().u8(0))), /0 channels/);
  assert.throws(() => A.decodeSpiceMsgAudioMute(r(new SpiceWriter())), ProtocolError);
});

void test('audio codecs: client messages', () => {
  assert.deepEqual([...A.encodeSpiceMsgcRecordMode(5, 1).finish()], [5, 0, 0, 0, 1, 0]);
  assert.deepEqual([...A.encodeSpiceMsgcRecordStartMark(0x01020304).finish()], [4, 3, 2, 1]);
  assert.deepEqual([...A.encodeSpiceMsgcRecordData(1, Uint8Array.of(9, 8)).finish()], [1, 0, 0, 0, 9, 8]);
  assert.deepEqual(
    [...A.encodeSpiceMsgcRecordStartMark(-1).finish()],
    [255, 255, 255, 255],
    'time wraps to u32',
  );
});
