// UDPack wire formats: the 16-byte header exactly as the handshake specification draws it, the records inside
// protected packets, packet protection (AEAD, nonces, key epochs), and the replay window. The parsers are fuzzed
// with seeded mutations: they return a value or throw ProtocolError, nothing else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ProtocolError } from '../../../main/spice/errors';
import {
  FLAG_FIN,
  FLAG_FRAG,
  FLAG_PACK,
  FLAG_SLOW,
  FLAG_STRE,
  HEADER_BYTES,
  OPCODE_DATA,
  OPCODE_HANDSHAKE,
  OPCODE_HELLO,
  decodeFrame,
  encodeFrame,
  writeHeader,
} from '../../../main/spice/transport/udpack/header';
import {
  AEAD_AES_128_GCM,
  AEAD_AES_256_GCM,
  AEAD_CHACHA20_POLY1305,
  EPOCH_PACKETS,
  PN_BYTES,
  PacketProtection,
  TAG_BYTES,
} from '../../../main/spice/transport/udpack/protection';
import {
  decodeRecords,
  encodeRecords,
  flagsFor,
  type UdpackRecord,
} from '../../../main/spice/transport/udpack/records';
import { REPLAY_WINDOW, ReplayWindow } from '../../../main/spice/transport/udpack/replay-window';
import { mutate, prng } from '../../support/prng';

test('the header is laid out as the specification draws it', () => {
  const frame = encodeFrame(
    { sessionId: 0xbeef0000, timestampMs: 0x0102030405, flags: 0, opcode: OPCODE_HELLO },
    Uint8Array.of(9, 9, 9),
  );
  assert.deepEqual(
    [...frame],
    [0xbe, 0xef, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0x00, 0x0a, 0, 3, 9, 9, 9],
    'client half high, gateway half 0, u64 ms timestamp, flags, opcode 0xA in the low nibble, length',
  );
  const flags = FLAG_STRE | FLAG_PACK | FLAG_FRAG | FLAG_SLOW | FLAG_FIN;
  assert.equal(flags, 0b1110_0011, 'STRE PACK FRAG RSV RSV RSV SLOW FIN, most significant bit first');
  const back = decodeFrame(
    encodeFrame(
      { sessionId: 0x12345678, timestampMs: 42, flags, opcode: OPCODE_HANDSHAKE },
      Uint8Array.of(0),
    ),
  );
  assert.deepEqual(back.header, {
    sessionId: 0x12345678,
    timestampMs: 42,
    flags,
    opcode: OPCODE_HANDSHAKE,
    payloadLength: 1,
  });
});

test('malformed headers are refused: short, reserved bits, unknown opcode, wrong length, huge timestamp', () => {
  const good = encodeFrame(
    { sessionId: 1, timestampMs: 1, flags: 0, opcode: OPCODE_DATA },
    new Uint8Array(24),
  );
  assert.throws(() => decodeFrame(good.subarray(0, 15)), ProtocolError);
  for (const [at, value] of [
    [12, 0x04], // reserved flag bit
    [13, 0x1a], // reserved opcode bits
    [13, 0x05], // unknown opcode
    [15, 25], // length disagrees
  ] as const) {
    const bad = Uint8Array.from(good);
    bad[at] = bad[at]! | value;
    assert.throws(() => decodeFrame(bad), ProtocolError, `byte ${at} |= ${value}`);
  }
  const huge = Uint8Array.from(good);
  huge.fill(0xff, 4, 12);
  assert.throws(() => decodeFrame(huge), ProtocolError);
  assert.throws(() =>
    writeHeader(new Uint8Array(16), 0, {
      sessionId: 0,
      timestampMs: 0,
      flags: 0x08,
      opcode: 1,
      payloadLength: 0,
    }),
  );
});

const SAMPLE: UdpackRecord[] = [
  {
    type: 'ack',
    ranges: [
      { first: 90, last: 100 },
      { first: 40, last: 80 },
      { first: 0, last: 1 },
    ],
    ackDelayUs: 1234,
  },
  {
    type: 'stream',
    streamId: 3,
    offset: 0,
    data: Uint8Array.of(1, 2, 3),
    fin: false,
    frag: true,
    priority: 0,
  },
  { type: 'stream', streamId: 70000, offset: 2 ** 40, data: new Uint8Array(0), fin: true, frag: false },
  { type: 'max-data', max: 8 * 1024 * 1024 },
  { type: 'max-stream-data', streamId: 3, max: 123456789 },
  { type: 'reset-stream', streamId: 5, code: 1, reason: 'connection refused' },
  { type: 'ping' },
  { type: 'path-challenge', data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  { type: 'path-response', data: Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1) },
  { type: 'close', code: 4, reason: 'bye' },
];

test('records round-trip, padding is skipped, and the header flags must agree with them', () => {
  const body = encodeRecords(SAMPLE, 700);
  const flags = flagsFor(SAMPLE);
  assert.equal(flags, FLAG_STRE | FLAG_PACK | FLAG_FRAG | FLAG_FIN);
  const back = decodeRecords(body, flags | FLAG_SLOW);
  assert.equal(back.length, SAMPLE.length);
  for (let i = 0; i < SAMPLE.length; i++) {
    const a = SAMPLE[i]!;
    const b = back[i]!;
    assert.equal(b.type, a.type);
    if (a.type === 'stream' && b.type === 'stream') {
      assert.deepEqual([...b.data], [...a.data]);
      assert.deepEqual({ ...b, data: 0 }, { ...a, data: 0 });
    } else if (a.type.startsWith('path') && 'data' in a && 'data' in b)
      assert.deepEqual([...b.data], [...a.data]);
    else assert.deepEqual(b, a);
  }
  assert.throws(() => decodeRecords(body, flags & ~FLAG_PACK), /disagree/);
  assert.throws(() => decodeRecords(body, flags & ~FLAG_FIN), /disagree/);
  assert.throws(() => decodeRecords(encodeRecords([{ type: 'ping' }]), FLAG_STRE), /disagree/);
});

test('records refuse what a hostile peer might send: oversize ranges, negative ranges, long reasons, FIN+FRAG', () => {
  const cases: number[][] = [
    [0x01, 0x05, 0x00, 0x00, 0x06], // ACK first range below 0
    [0x01, 0x0a, 0x00, 0x3f], // 64 ranges
    [0x01, 0x05, 0x00, 0x01, 0x00, 0x05, 0x00], // second range below 0
    [0x02, 0x01, 0x03, 0x00, 0x00], // FIN and FRAG
    [0x02, 0x01, 0x04, 0x00, 0x05, 0x00], // OPEN at a non-zero offset
    [0x02, 0x01, 0x08, 0x00, 0x00], // unknown stream flag
    [0x02, 0x01, 0x00, 0x00, 0x05, 1, 2], // data shorter than its length
    [0x02, 0x01, 0x00, 0x00, 0x00], // empty, no FIN
    [0x05, 0x01, 0x00, 0x41, 0x01], // 257-byte reason
    [0x07, 1, 2, 3], // short challenge
    [0x0a], // unknown record
    [0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // varint beyond 2^53
  ];
  for (const bytes of cases) {
    const flags = bytes[0] === 0x01 ? FLAG_PACK : bytes[0] === 0x02 ? FLAG_STRE : 0;
    assert.throws(() => decodeRecords(Uint8Array.from(bytes), flags), ProtocolError, JSON.stringify(bytes));
  }
});

test('fuzz: mutated frames and bodies either parse or throw ProtocolError (seeded)', () => {
  const rnd = prng(0xf00d);
  const body = encodeRecords(SAMPLE);
  const frame = encodeFrame(
    { sessionId: 7, timestampMs: 7, flags: flagsFor(SAMPLE), opcode: OPCODE_DATA },
    body,
  );
  for (let i = 0; i < 20_000; i++) {
    const input = mutate(i % 2 ? body : frame, rnd);
    try {
      if (i % 2) decodeRecords(input, Math.floor(rnd() * 256) & ~0x1c);
      else decodeFrame(input);
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `iteration ${i}: ${String(e)}`);
    }
  }
  for (let i = 0; i < 5000; i++) {
    const input = Uint8Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256));
    try {
      decodeRecords(input, Math.floor(rnd() * 256));
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `random ${i}: ${String(e)}`);
    }
  }
});

function seal(p: PacketProtection, pn: number, body: Uint8Array, sessionId = 0x11112222): Uint8Array {
  const datagram = new Uint8Array(HEADER_BYTES + PN_BYTES + body.length + TAG_BYTES);
  writeHeader(datagram, 0, {
    sessionId,
    timestampMs: 5,
    flags: 0,
    opcode: OPCODE_DATA,
    payloadLength: PN_BYTES + body.length + TAG_BYTES,
  });
  p.seal(datagram, pn, body);
  return datagram;
}

for (const algorithm of [AEAD_AES_128_GCM, AEAD_CHACHA20_POLY1305, AEAD_AES_256_GCM]) {
  test(`packet protection with ${algorithm.cipher}: round trip; tampering anywhere is detected`, () => {
    const secrets = { algorithm, key: randomBytes(algorithm.keyBytes), iv: randomBytes(12) };
    const client = new PacketProtection(secrets, 0x11112222, 'client');
    const gateway = new PacketProtection(secrets, 0x11112222, 'gateway');
    const body = Buffer.from('stream bytes');
    const datagram = seal(client, 7, body);
    const frame = decodeFrame(datagram);
    const opened = gateway.open(frame.headerBytes, frame.payload);
    assert.equal(opened?.packetNumber, 7);
    assert.ok(opened && opened.body.equals(body), 'the body survives');
    assert.equal(
      client.open(frame.headerBytes, frame.payload),
      undefined,
      'a side cannot open its own direction',
    );
    for (let at = 0; at < datagram.length; at++) {
      const bad = Uint8Array.from(datagram);
      bad[at] = bad[at]! ^ 0x01;
      let tampered;
      try {
        tampered = decodeFrame(bad);
      } catch {
        continue; // the header itself became invalid
      }
      assert.equal(gateway.open(tampered.headerBytes, tampered.payload), undefined, `flipped byte ${at}`);
    }
    const otherSession = new PacketProtection(secrets, 0x11113333, 'gateway');
    assert.equal(
      otherSession.open(frame.headerBytes, frame.payload),
      undefined,
      'keys are bound to the session id',
    );
  });
}

test('nonces differ per packet and per direction; keys rotate every epoch', () => {
  const secrets = { algorithm: AEAD_AES_128_GCM, key: randomBytes(16), iv: randomBytes(12) };
  const client = new PacketProtection(secrets, 1, 'client');
  const gateway = new PacketProtection(secrets, 1, 'gateway');
  const zeros = new Uint8Array(32);
  const a = seal(client, 1, zeros, 1).subarray(HEADER_BYTES + PN_BYTES);
  const b = seal(client, 2, zeros, 1).subarray(HEADER_BYTES + PN_BYTES);
  const c = seal(gateway, 1, zeros, 1).subarray(HEADER_BYTES + PN_BYTES);
  assert.notDeepEqual([...a], [...b], 'two packet numbers, two keystreams');
  assert.notDeepEqual([...a], [...c], 'the two directions never share a keystream');
  for (const pn of [EPOCH_PACKETS - 1, EPOCH_PACKETS, 3 * EPOCH_PACKETS + 5, 0xffffffff]) {
    const frame = decodeFrame(seal(client, pn, zeros, 1));
    assert.equal(gateway.open(frame.headerBytes, frame.payload)?.packetNumber, pn);
  }
});

test('the replay window refuses duplicates and numbers older than the window', () => {
  const w = new ReplayWindow();
  for (const pn of [5, 3, 9, 4]) {
    assert.equal(w.check(pn), true, `first ${pn}`);
    w.mark(pn);
  }
  for (const pn of [5, 3, 9, 4]) assert.equal(w.check(pn), false, `duplicate ${pn}`);
  assert.equal(w.check(6), true, 'a gap inside the window is still acceptable (reordering)');
  w.mark(10 + REPLAY_WINDOW);
  assert.equal(w.check(10), false, 'exactly the window size behind');
  assert.equal(w.check(8), false, 'older than the window');
  assert.equal(w.check(9 + REPLAY_WINDOW), true, 'just below the largest, never seen');
  w.mark(100_000_000);
  assert.equal(w.check(9 + REPLAY_WINDOW), false, 'a far jump moves the window');
  assert.equal(w.check(100_000_000 - 1), true, 'and clears it');
});
