import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import {
  CURSOR_HEADER_BYTES,
  parseRequestFrame,
  encodeRequest,
  DAMAGE_HEADER_BYTES,
  decodePortMessage as decodeViewMessage,
  encodePortMessage as encodeViewMessage,
} from '../../../shared/port-codec';

void test('damage round-trips as a binary frame with the exact pixels', () => {
  const pixels = new Uint8Array(3 * 2 * 4).map((_, i) => i);
  const message: ViewMessage = {
    kind: 'damage',
    rect: { left: 5, top: 7, right: 8, bottom: 9 },
    pixels,
  };
  const encoded = encodeViewMessage(message);
  assert.ok(encoded instanceof Uint8Array);
  assert.equal(encoded.byteLength, DAMAGE_HEADER_BYTES + 24);
  const decoded = decodeViewMessage(encoded);
  assert.ok(decoded && decoded.kind === 'damage');
  assert.deepEqual(decoded.rect, { left: 5, top: 7, right: 8, bottom: 9 });
  assert.deepEqual(new Uint8Array(decoded.pixels), pixels);
  assert.equal(
    decoded.pixels.buffer,
    encoded.buffer,
    'the decoded pixels are a view of the frame, not a copy',
  );
});

void test('cursor shapes (and null) round-trip', () => {
  const pixels = new Uint8Array(2 * 2 * 4).fill(200);
  const shape: ViewMessage = {
    kind: 'cursor-shape',
    cursor: { width: 2, height: 2, hotX: 1, hotY: 0, pixels },
  };
  const decoded = decodeViewMessage(encodeViewMessage(shape));
  assert.ok(decoded && decoded.kind === 'cursor-shape' && decoded.cursor);
  assert.deepEqual(
    [decoded.cursor.width, decoded.cursor.height, decoded.cursor.hotX, decoded.cursor.hotY],
    [2, 2, 1, 0],
  );
  assert.deepEqual(new Uint8Array(decoded.cursor.pixels), pixels);
  const none = encodeViewMessage({ kind: 'cursor-shape', cursor: null });
  assert.ok(none instanceof Uint8Array && none.byteLength === CURSOR_HEADER_BYTES);
  assert.deepEqual(decodeViewMessage(none), { kind: 'cursor-shape', cursor: null });
});

void test('control messages are JSON and round-trip', () => {
  const messages: ViewMessage[] = [
    { kind: 'status', state: 'error', message: 'no', errorCode: 'auth-failed', canReconnect: true },
    { kind: 'surface', width: 1024, height: 768 },
    { kind: 'frame-end', seq: 3 },
    { kind: 'mouse-mode', mode: 2, supported: 3 },
    { kind: 'command', command: 'zoom-in' },
    { kind: 'notice', level: 'info', message: 'hello' },
    { kind: 'recent', entries: [] },
  ];
  for (const m of messages) {
    const encoded = encodeViewMessage(m);
    assert.equal(typeof encoded, 'string');
    assert.deepEqual(decodeViewMessage(encoded), m);
  }
});

void test('malformed frames decode to undefined: short, wrong length, oversized, unknown', () => {
  const good = encodeViewMessage({
    kind: 'damage',
    rect: { left: 0, top: 0, right: 2, bottom: 2 },
    pixels: new Uint8Array(16),
  }) as Uint8Array;
  assert.equal(decodeViewMessage(good.subarray(0, good.byteLength - 1)), undefined);
  assert.equal(decodeViewMessage(good.subarray(0, 10)), undefined);
  const huge = good.slice();
  new DataView(huge.buffer).setUint32(12, 100000, true);
  assert.equal(decodeViewMessage(huge), undefined);
  const overflow = good.slice();
  new DataView(overflow.buffer).setUint32(4, 0xffffffff, true);
  assert.equal(decodeViewMessage(overflow), undefined);
  assert.equal(decodeViewMessage(new Uint8Array([9, 0, 0, 0])), undefined);
  assert.equal(decodeViewMessage('{"kind":"status"}'), undefined);
  assert.equal(decodeViewMessage('{"kind":"command","command":"rm"}'), undefined);
  assert.equal(decodeViewMessage('garbage'), undefined);
  // Pixel-carrying kinds are never accepted as JSON.
  assert.equal(
    decodeViewMessage('{"kind":"damage","rect":{"left":0,"top":0,"right":1,"bottom":1},"pixels":{}}'),
    undefined,
  );
  // Bounded fuzz: random bytes never throw.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(1 + (i % 40));
    for (let j = 0; j < bytes.length; j++) bytes[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    bytes[0] = 1 + (i % 2);
    decodeViewMessage(bytes);
  }
});

void test('audio frames round-trip as data frames; record data requests too; malformed ones are dropped', () => {
  const frame: ViewMessage = {
    kind: 'audio-frame',
    stream: 3,
    timeMs: 0xfffffff0,
    samples: 480,
    sentAtMs: 1234.5,
    data: new Uint8Array(1920).map((_, i) => i),
  };
  const encoded = encodeViewMessage(frame);
  assert.ok(encoded instanceof Uint8Array);
  assert.deepEqual(decodeViewMessage(encoded), frame);
  assert.equal(decodeViewMessage(encoded.subarray(0, 8)), undefined);
  assert.equal(decodeViewMessage(encodeViewMessage({ ...frame, stream: 0 })), undefined);
  assert.equal(decodeViewMessage(JSON.stringify({ ...frame, data: {} })), undefined, 'never as JSON');

  const request = encodeRequest({
    method: 'recordData',
    payload: { stream: 2, codec: 'pcm', data: new Uint8Array([1, 2, 3, 4]) },
  });
  assert.ok(request instanceof Uint8Array);
  assert.deepEqual(parseRequestFrame(request), {
    method: 'recordData',
    payload: { stream: 2, codec: 'pcm', data: new Uint8Array([1, 2, 3, 4]) },
  });
  const badCodec = encodeRequest({
    method: 'recordData',
    payload: { stream: 2, codec: 'mp3', data: new Uint8Array(4) },
  } as never) as Uint8Array;
  assert.equal(parseRequestFrame(badCodec), undefined);
  const tooBig = encodeRequest({
    method: 'recordData',
    payload: { stream: 2, codec: 'pcm', data: new Uint8Array((1 << 16) + 2) },
  }) as Uint8Array;
  assert.equal(parseRequestFrame(tooBig), undefined);
});

void test('video frames round-trip as binary with the bytes untouched; a bad header or JSON form is refused', () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const message = {
    kind: 'video-frame' as const,
    channelId: 1,
    streamId: 7,
    delayMs: -25,
    width: 320,
    height: 240,
    rect: { left: -16, top: 8, right: 304, bottom: 248 },
    data,
  };
  const encoded = encodeViewMessage(message);
  assert.ok(encoded instanceof Uint8Array);
  assert.deepEqual(decodeViewMessage(encoded), message);
  const zeroWidth = Uint8Array.from(encoded);
  zeroWidth[8] = 0;
  zeroWidth[9] = 0;
  assert.equal(decodeViewMessage(zeroWidth), undefined);
  assert.equal(decodeViewMessage(encoded.subarray(0, 20)), undefined);
  assert.equal(decodeViewMessage(JSON.stringify({ ...message, data: [] })), undefined);
});
