// Fuzz targets for UDPack's parsers, shared by the unit suite (short, seeded) and `npm run fuzz:udpack` (long):
//   frame    decodeFrame on mutated and random datagrams
//   records  decodeRecords on mutated and random bodies with random header flags
//   hello    decodeHelloPayload on mutated hello plaintexts
//   session  a hostile *authenticated* peer: mutated record bodies, sealed with the session's real keys, fed to a
//            connection — nothing may escape receive() (a malformed body closes the session, which is then replaced)
// Each returns normally or throws ProtocolError; anything else is a bug.
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../main/spice/errors';
import { silentLogger } from '../../main/spice/logger';
import { Connection } from '../../main/spice/transport/udpack/connection';
import { decodeHelloPayload, encodeHelloPayload } from '../../main/spice/transport/udpack/handshake';
import {
  HEADER_BYTES,
  OPCODE_DATA,
  decodeFrame,
  encodeFrame,
  writeHeader,
} from '../../main/spice/transport/udpack/header';
import {
  AEAD_AES_128_GCM,
  PN_BYTES,
  PacketProtection,
  TAG_BYTES,
  type SessionSecrets,
} from '../../main/spice/transport/udpack/protection';
import {
  decodeRecords,
  encodeRecords,
  flagsFor,
  type UdpackRecord,
} from '../../main/spice/transport/udpack/records';
import { mutate } from './prng';
import { VirtualClock } from './udpack-sim';

export const SAMPLE_RECORDS: UdpackRecord[] = [
  {
    type: 'ack',
    ranges: [
      { first: 90, last: 100 },
      { first: 40, last: 80 },
    ],
    ackDelayUs: 1234,
  },
  {
    type: 'stream',
    streamId: 0,
    offset: 0,
    data: Uint8Array.of(1, 2, 3),
    fin: false,
    frag: true,
    priority: 0,
  },
  { type: 'stream', streamId: 1, offset: 100, data: new Uint8Array(40), fin: true, frag: false },
  { type: 'max-data', max: 8 * 1024 * 1024 },
  { type: 'max-stream-data', streamId: 0, max: 123456 },
  { type: 'reset-stream', streamId: 2, code: 1, reason: 'refused' },
  { type: 'ping' },
  { type: 'path-challenge', data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  { type: 'close', code: 1, reason: 'bye' },
];

export type UdpackFuzzTarget = 'frame' | 'records' | 'hello' | 'session';
export const UDPACK_FUZZ_TARGETS: UdpackFuzzTarget[] = ['frame', 'records', 'hello', 'session'];

function randomInput(rnd: () => number, max: number): Uint8Array {
  return Uint8Array.from({ length: Math.floor(rnd() * max) }, () => Math.floor(rnd() * 256));
}

/** A gateway-side connection that a fuzzed peer talks to; replaced when the fuzz input closes it. */
class SessionHarness {
  private readonly secrets: SessionSecrets = {
    algorithm: AEAD_AES_128_GCM,
    key: Uint8Array.from(randomBytes(16)),
    iv: Uint8Array.from(randomBytes(12)),
  };
  private readonly sealer = new PacketProtection(this.secrets, 0x01020304, 'client');
  private connection = this.fresh();
  private pn = 0;

  private fresh(): Connection {
    const clock = new VirtualClock();
    return new Connection({
      role: 'gateway',
      sessionId: 0x01020304,
      protection: new PacketProtection(this.secrets, 0x01020304, 'gateway'),
      peer: { address: '192.0.2.1', port: 1 },
      send: () => undefined,
      clock,
      random: (n) => Uint8Array.from(randomBytes(n)),
      logger: silentLogger,
      onPeerStream: () => ({ onData() {}, onEnd() {}, onReset() {}, onWritable() {} }),
      onClosed: () => undefined,
    });
  }

  feed(body: Uint8Array, flags: number): void {
    if (this.connection.isClosed) {
      this.connection = this.fresh();
      this.pn = 0;
    }
    const datagram = new Uint8Array(HEADER_BYTES + PN_BYTES + body.length + TAG_BYTES);
    writeHeader(datagram, 0, {
      sessionId: 0x01020304,
      timestampMs: 1,
      flags,
      opcode: OPCODE_DATA,
      payloadLength: PN_BYTES + body.length + TAG_BYTES,
    });
    this.sealer.seal(datagram, this.pn++, body);
    this.connection.receive(decodeFrame(datagram), { address: '192.0.2.1', port: 1 });
  }
}

export function udpackFuzzer(target: UdpackFuzzTarget): (rnd: () => number) => void {
  const body = encodeRecords(SAMPLE_RECORDS);
  const flags = flagsFor(SAMPLE_RECORDS);
  const frame = encodeFrame({ sessionId: 7, timestampMs: 7, flags, opcode: OPCODE_DATA }, body);
  const hello = encodeHelloPayload({
    algorithm: AEAD_AES_128_GCM,
    key: new Uint8Array(16),
    iv: new Uint8Array(12),
    token: 'token',
  });
  const session = target === 'session' ? new SessionHarness() : undefined;
  return (rnd) => {
    const useRandom = rnd() < 0.1;
    switch (target) {
      case 'frame':
        decodeFrame(useRandom ? randomInput(rnd, 64) : mutate(frame, rnd));
        return;
      case 'records':
        decodeRecords(useRandom ? randomInput(rnd, 96) : mutate(body, rnd), Math.floor(rnd() * 256) & ~0x1c);
        return;
      case 'hello':
        decodeHelloPayload(useRandom ? randomInput(rnd, 200) : mutate(hello, rnd));
        return;
      case 'session': {
        const input = useRandom ? randomInput(rnd, 200) : mutate(body, rnd);
        // Mostly the flags the body claims (so it gets past the consistency check), sometimes random ones.
        let claimed = flags;
        try {
          claimed = flagsFor(decodeRecords(input, flags));
        } catch {
          // malformed: any flags will do
        }
        session!.feed(input, rnd() < 0.9 ? claimed : Math.floor(rnd() * 256) & ~0x1c);
        return;
      }
    }
  };
}

/** Runs one input; returns an error description for anything but success or ProtocolError. */
export function fuzzStep(run: (rnd: () => number) => void, rnd: () => number): string | undefined {
  try {
    run(rnd);
    return undefined;
  } catch (e) {
    return e instanceof ProtocolError ? undefined : e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
}
