// RFC 6716 §3 packet checks: real encoder output and hand-built packets of every framing code are accepted with
// the right duration; each broken rule is refused with a ProtocolError; and over random packets the check
// agrees with libopus itself (@evan/opus, a libopus binding used only by tests and benchmarks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decoder } from '@evan/opus';
import OpusScript from 'opusscript';
import { ProtocolError } from '../../../main/spice/errors';
import { parseOpusPacket } from '../../../main/spice/audio/opus-packet';
import { prng } from '../../support/prng';

const CELT_FB_10MS = 30 << 3; // config 30: CELT-only fullband 10 ms
const SILK_NB_60MS = 3 << 3;

void test('Opus packet: real 10 ms stereo packets from libopus are one 480-sample frame', () => {
  const enc = new OpusScript(48000, 2, OpusScript.Application.AUDIO);
  try {
    for (let f = 0; f < 20; f++) {
      const pcm = new Int16Array(960).map((_, i) => Math.round(8000 * Math.sin((f * 480 + (i >> 1)) / 7)));
      const packet = enc.encode(Buffer.from(pcm.buffer), 480);
      const info = parseOpusPacket(packet);
      assert.equal(info.samples48k, 480);
      assert.equal(info.frameSamples48k, 480);
      assert.equal(info.frames, 1);
    }
  } finally {
    enc.delete();
  }
});

void test('Opus packet: codes 0-3 give the right frame count and duration', () => {
  assert.deepEqual(parseOpusPacket(Uint8Array.of(CELT_FB_10MS | 4, 1, 2, 3)), {
    frames: 1,
    frameSamples48k: 480,
    samples48k: 480,
    stereo: true,
  });
  assert.equal(parseOpusPacket(Uint8Array.of(CELT_FB_10MS | 1, 1, 2, 3, 4)).frames, 2);
  // code 2: first frame 2 bytes, second 3 bytes
  assert.equal(parseOpusPacket(Uint8Array.of(CELT_FB_10MS | 2, 2, 9, 9, 8, 8, 8)).samples48k, 960);
  // code 2 with a 2-byte length: 252 + 4*1 = 256 bytes
  const long = new Uint8Array(3 + 256 + 10);
  long.set([CELT_FB_10MS | 2, 252, 1]);
  assert.equal(parseOpusPacket(long).frames, 2);
  // code 3 CBR: 3 frames of 2 bytes; VBR with padding
  assert.equal(parseOpusPacket(Uint8Array.of(CELT_FB_10MS | 3, 3, 1, 1, 2, 2, 3, 3)).samples48k, 1440);
  const vbr = Uint8Array.of(CELT_FB_10MS | 3, 0x80 | 0x40 | 2, 3, 1, 7, 7, 9, 0, 0, 0);
  assert.equal(parseOpusPacket(vbr).frames, 2);
  // a 0-byte frame (DTX) is allowed
  assert.equal(parseOpusPacket(Uint8Array.of(CELT_FB_10MS)).frames, 1);
  // 2 × 60 ms SILK = 120 ms, the most a packet may hold
  assert.equal(parseOpusPacket(Uint8Array.of(SILK_NB_60MS | 1, 0, 0)).samples48k, 5760);
});

void test('Opus packet: every broken rule is a ProtocolError', () => {
  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['code 0 frame over 1275 bytes', new Uint8Array(1277).fill(0, 0, 1).fill(1, 1)],
    ['code 1 odd payload', Uint8Array.of(CELT_FB_10MS | 1, 1, 2, 3)],
    ['code 2 length missing', Uint8Array.of(CELT_FB_10MS | 2)],
    ['code 2 first frame too long', Uint8Array.of(CELT_FB_10MS | 2, 9, 1)],
    ['code 2 two-byte length cut', Uint8Array.of(CELT_FB_10MS | 2, 253)],
    ['code 3 count missing', Uint8Array.of(CELT_FB_10MS | 3)],
    ['code 3 zero frames', Uint8Array.of(CELT_FB_10MS | 3, 0)],
    ['code 3 over 120 ms', Uint8Array.of(SILK_NB_60MS | 3, 3, 0, 0, 0)],
    ['code 3 padding cut', Uint8Array.of(CELT_FB_10MS | 3, 0x41, 255)],
    ['code 3 padding past the end', Uint8Array.of(CELT_FB_10MS | 3, 0x41, 20, 1)],
    ['code 3 CBR uneven', Uint8Array.of(CELT_FB_10MS | 3, 2, 1, 2, 3)],
    ['code 3 VBR lengths past the end', Uint8Array.of(CELT_FB_10MS | 3, 0x82, 9, 1)],
  ];
  for (const [what, packet] of bad) assert.throws(() => parseOpusPacket(packet), ProtocolError, what);
});

void test('Opus packet: agrees with libopus on 8000 random packets', () => {
  const rnd = prng(0x0905);
  const dec = new Decoder({ channels: 2, sample_rate: 48000 });
  let accepted = 0;
  for (let i = 0; i < 8000; i++) {
    const n = 1 + Math.floor(rnd() * (rnd() < 0.9 ? 24 : 600));
    const packet = new Uint8Array(n);
    for (let j = 0; j < n; j++) packet[j] = Math.floor(rnd() * 256);
    // small code-3 frame counts so that valid code-3 packets are common
    if (rnd() < 0.5 && n > 1) packet[1] = (packet[1]! & 0xc0) | (1 + Math.floor(rnd() * 4));
    let ours = true;
    try {
      parseOpusPacket(packet);
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      ours = false;
    }
    let theirs = true;
    try {
      dec.decode(packet);
    } catch (e) {
      assert.match(String(e), /InvalidPacket/);
      theirs = false;
    }
    assert.equal(ours, theirs, `packet ${Buffer.from(packet).toString('hex')}`);
    if (ours) accepted++;
  }
  assert.ok(accepted > 800, `${accepted} random packets were valid (the comparison covers both sides)`);
});
