// Data frames (bulk bytes beside a JSON head) both ways on a WebSocket: round trips through the port codec for
// messages and requests, non-ASCII names survive, and malformed frames — truncated, wrong tag, lying lengths, a JSON
// head with its own `data`, random bytes — decode to undefined, never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDataFrame, encodeDataFrame } from '../../../shared/data-frame';
import {
  decodePortMessage,
  encodePortMessage,
  encodeRequest,
  parseRequestFrame,
} from '../../../shared/port-codec';
import { prng } from '../../support/prng';

void test('messages and requests with bytes travel as data frames and come back equal', () => {
  const data = new Uint8Array([0, 1, 2, 250, 255]);
  const frame = encodePortMessage({
    kind: 'clipboard-data',
    requestId: 9,
    format: 'image',
    fingerprint: 'image:ü',
    data,
  });
  assert.ok(frame instanceof Uint8Array);
  const back = decodePortMessage(frame);
  assert.equal(back?.kind, 'clipboard-data');
  assert.deepEqual([...(back as { data: Uint8Array }).data], [...data]);
  assert.equal((back as { fingerprint: string }).fingerprint, 'image:ü');
  const request = encodeRequest({ method: 'transferData', payload: { fileId: 1, readId: 2, data } });
  assert.ok(request instanceof Uint8Array);
  assert.deepEqual(parseRequestFrame(request), {
    method: 'transferData',
    payload: { fileId: 1, readId: 2, data: request.subarray(request.byteLength - 5) },
  });
  assert.equal(typeof encodeRequest({ method: 'transferCancel', payload: {} }), 'string');
  // A method that carries no bytes is not accepted as a frame.
  assert.equal(
    parseRequestFrame(encodeDataFrame({ method: 'key', payload: { scancode: 30, down: true }, data })),
    undefined,
  );
});

void test('malformed frames decode to undefined', () => {
  const good = encodeDataFrame({
    method: 'transferData',
    payload: { fileId: 1, readId: 2 },
    data: new Uint8Array(4),
  });
  assert.ok(decodeDataFrame(good));
  for (let cut = 0; cut < 8 + 10; cut++)
    assert.equal(parseRequestFrame(good.subarray(0, cut)), undefined, `cut ${cut}`);
  const wrongTag = good.slice();
  wrongTag[0] = 1;
  assert.equal(decodeDataFrame(wrongTag), undefined);
  const lying = good.slice();
  new DataView(lying.buffer).setUint32(4, 0xffffff, true);
  assert.equal(decodeDataFrame(lying), undefined);
  const own = new TextEncoder().encode('{"data":1}');
  const withData = new Uint8Array(8 + own.length);
  withData[0] = 3;
  new DataView(withData.buffer).setUint32(4, own.length, true);
  withData.set(own, 8);
  assert.equal(decodeDataFrame(withData), undefined);
  const rnd = prng(1234);
  const int = (max: number): number => Math.floor(rnd() * (max + 1));
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(int(64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = int(255);
    if (bytes.length > 4 && int(1) === 1) bytes.set([3, 0, 0, 0]);
    assert.doesNotThrow(() => {
      parseRequestFrame(bytes);
      decodePortMessage(bytes);
    });
  }
});
