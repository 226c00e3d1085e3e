// saffron web's deflated binary frames: deflatingTabSocket (server side) and inflateFrame (the page's side, on
// Node's DecompressionStream, the same WHATWG API as Chromium's) round-trip frames bit-exactly and in order with
// the text messages around them; the page refuses corrupt and oversized streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { deflatingTabSocket } from '../../../main/web/deflating-tab-socket';
import type { TabSocket } from '../../../main/web/web-views';
import { inflateFrame } from '../../../renderer/bridge/inflate-frame';
import { BINARY_TAGS, DEFLATED_FRAME_TAG, isDeflatedFrame } from '../../../shared/port-codec';

interface Sent {
  data: Buffer;
  binary: boolean;
  fin: boolean;
}

function recordingSocket(): { socket: TabSocket; sent: Sent[]; closed: string[] } {
  const sent: Sent[] = [];
  const closed: string[] = [];
  return {
    sent,
    closed,
    socket: {
      send: (data, binary, fin) => sent.push({ data: Buffer.from(data), binary, fin }),
      bufferedBytes: 0,
      close: (_code, reason) => closed.push(reason),
    },
  };
}

/** A damage frame's bytes (its tag first: pixel frames are the ones deflated), part noise, part runs. */
function frameBytes(seed: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i % 7 === 0 ? x >>> 24 : (i >> 10) & 0xff;
  }
  b[0] = BINARY_TAGS.damage;
  return b;
}

async function settle(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

void test('binary frames arrive deflated, in order with text, and inflate to the exact bytes', async () => {
  const { socket, sent } = recordingSocket();
  const tab = deflatingTabSocket(socket);
  const a = frameBytes(1, 300_000);
  const b = frameBytes(2, 5_000);
  // frame a in three fragments, a text message, frame b whole, a text message in two fragments
  tab.send(a.subarray(0, 1000), true, false);
  tab.send(a.subarray(1000, 200_000), true, false);
  tab.send(a.subarray(200_000), true, true);
  tab.send(Buffer.from('{"kind":"one"}'), false, true);
  assert.ok(tab.bufferedBytes >= 0);
  tab.send(b, true, true);
  tab.send(Buffer.from('{"kind":'), false, false);
  tab.send(Buffer.from('"two"}'), false, true);
  await settle(() => sent.length === 5);
  assert.deepEqual(
    sent.map((s) => [s.binary, s.fin]),
    [
      [true, true],
      [false, true],
      [true, true],
      [false, false],
      [false, true],
    ],
  );
  assert.equal(sent[1]!.data.toString(), '{"kind":"one"}');
  for (const [i, original] of [
    [0, a],
    [2, b],
  ] as const) {
    const frame = new Uint8Array(sent[i]!.data);
    assert.ok(isDeflatedFrame(frame));
    assert.ok(frame.byteLength < original.length, 'smaller than the frame');
    const inflated = await inflateFrame(frame);
    assert.ok(inflated);
    assert.ok(Buffer.from(inflated).equals(original), `frame ${i} inflates bit-exactly`);
  }
});

void test('the page refuses a corrupt stream and one that inflates beyond its limit', async () => {
  const header = Buffer.from([DEFLATED_FRAME_TAG, 0, 0, 0]);
  const corrupt = new Uint8Array(Buffer.concat([header, Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x13])]));
  assert.equal(await inflateFrame(corrupt), undefined);
  const bomb = new Uint8Array(Buffer.concat([header, deflateRawSync(Buffer.alloc(4 << 20))]));
  assert.equal(await inflateFrame(bomb, 1 << 20), undefined);
  assert.equal((await inflateFrame(bomb))?.byteLength, 4 << 20);
});

void test('video and data frames pass through undeflated, in order behind a frame being deflated', async () => {
  const { socket, sent } = recordingSocket();
  const tab = deflatingTabSocket(socket);
  const pixels = frameBytes(3, 100_000);
  const video = Buffer.concat([Buffer.from([BINARY_TAGS['video-frame']]), frameBytes(4, 2_000).subarray(1)]);
  const data = Buffer.concat([Buffer.from([BINARY_TAGS.data]), frameBytes(5, 500).subarray(1)]);
  tab.send(pixels, true, true);
  tab.send(video.subarray(0, 700), true, false);
  tab.send(video.subarray(700), true, true);
  tab.send(data, true, true);
  await settle(() => sent.length === 4);
  assert.ok(isDeflatedFrame(new Uint8Array(sent[0]!.data)), 'pixels deflated');
  assert.ok(sent[1]!.data.equals(video.subarray(0, 700)) && !sent[1]!.fin, 'video as sent, fragment kept');
  assert.ok(sent[2]!.data.equals(video.subarray(700)) && sent[2]!.fin);
  assert.ok(sent[3]!.data.equals(data) && sent[3]!.fin, 'data frame as sent');
});
