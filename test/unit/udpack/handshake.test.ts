// The UDPack handshake, every path: success (OPEN → READY, halves of the session id joined), bad token → code 1,
// bad ciphertext → 0xFF, lost hellos and lost answers (retries, answers repeated from the gateway's cache), no
// answer at all (connection-timeout error after the configured retries), replayed hellos, rate limits, the
// [algorithm, key, iv, token] layout, key checks, and the token file.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ProtocolError, SpiceError } from '../../../main/spice/errors';
import { HandshakeResponder, type HelloOutcome } from '../../../main/gateway/handshake-responder';
import { loadTokenFile, parseTokens, tokenMatches } from '../../../main/gateway/token-file';
import { ClientHandshake } from '../../../main/spice/transport/udpack/client-handshake';
import {
  HANDSHAKE_AUTH_FAILED,
  HANDSHAKE_FAILED,
  HANDSHAKE_OK,
  MAX_TOKEN_BYTES,
  decodeHelloPayload,
  encodeHelloPayload,
  helloFrame,
  loadGatewayPublicKey,
} from '../../../main/spice/transport/udpack/handshake';
import {
  OPCODE_HANDSHAKE,
  OPCODE_HELLO,
  decodeFrame,
  gatewayHalf,
} from '../../../main/spice/transport/udpack/header';
import { AEAD_AES_128_GCM, AEAD_CHACHA20_POLY1305 } from '../../../main/spice/transport/udpack/protection';
import { VirtualClock } from '../../support/udpack-sim';

const gatewayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface Run {
  clock: VirtualClock;
  client: ClientHandshake;
  responder: HandshakeResponder;
  sentByClient: Uint8Array[];
  outcomes: HelloOutcome[];
  result: Promise<Awaited<ReturnType<ClientHandshake['start']>>>;
}

/** A client and a responder over a link that may drop hellos (by attempt) and answers (by count). */
function run(options: {
  token?: string;
  accepted?: string[];
  publicKey?: typeof gatewayKeys.publicKey;
  dropHello?: (attempt: number) => boolean;
  dropAnswer?: (n: number) => boolean;
  retries?: number;
}): Run {
  const clock = new VirtualClock();
  const sentByClient: Uint8Array[] = [];
  const outcomes: HelloOutcome[] = [];
  const responder = new HandshakeResponder({
    privateKey: gatewayKeys.privateKey,
    verifyToken: (t) => (options.accepted ?? ['right']).includes(t),
    sessionIdInUse: () => false,
    canAcceptSession: () => true,
    now: () => clock.now(),
    wallMs: () => clock.wallMs(),
  });
  let hellos = 0;
  let answers = 0;
  const client: ClientHandshake = new ClientHandshake({
    publicKey: options.publicKey ?? gatewayKeys.publicKey,
    token: options.token ?? 'right',
    algorithm: AEAD_AES_128_GCM,
    retries: options.retries ?? 3,
    timeoutMs: 400,
    clock,
    random: (n) => randomBytes(n),
    gatewayLabel: 'gw.test:5999',
    send: (datagram) => {
      sentByClient.push(datagram);
      const frame = decodeFrame(datagram);
      if (frame.header.opcode !== OPCODE_HELLO) return;
      if (options.dropHello?.(hellos++)) return;
      void responder.onHello(frame, '192.0.2.1').then((outcome) => {
        outcomes.push(outcome);
        if (outcome.kind === 'dropped' || options.dropAnswer?.(answers++)) return;
        clock.setTimer(20, () => client.onFrame(decodeFrame(outcome.reply)));
      });
    },
  });
  const result = client.start();
  result.catch(() => undefined); // asserted later; not an unhandled rejection meanwhile
  return { clock, client, responder, sentByClient, outcomes, result };
}

/** Lets the responder's promise callbacks run, then advances virtual time. */
async function settle(r: Run, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await new Promise((resolve) => setImmediate(resolve));
    r.clock.advance(10);
  }
}

test('success: the halves of the session id join, the client confirms with 0xB code 0', async () => {
  const r = run({});
  await settle(r, 200);
  const result = await r.result;
  const accepted = r.outcomes[0];
  assert.equal(accepted?.kind, 'accepted');
  if (accepted?.kind !== 'accepted') return;
  assert.equal(result.sessionId, accepted.sessionId);
  assert.equal(result.sessionId >>> 16, r.client.clientHalf, 'high half: the client');
  assert.notEqual(gatewayHalf(result.sessionId), 0, 'low half: the gateway, never 0');
  assert.deepEqual(
    [...accepted.secrets.key],
    [...result.secrets.key],
    'the gateway decrypted the client key',
  );
  assert.deepEqual([...accepted.secrets.iv], [...result.secrets.iv]);
  const confirm = decodeFrame(r.sentByClient[r.sentByClient.length - 1]!);
  assert.equal(confirm.header.opcode, OPCODE_HANDSHAKE);
  assert.equal(confirm.header.sessionId, result.sessionId);
  assert.deepEqual([...confirm.payload], [HANDSHAKE_OK]);
  assert.ok(result.rttMs !== undefined && result.rttMs >= 20, 'the first answer gives an RTT sample');
});

test('a wrong token: the gateway answers code 1 and the client fails with authentication failed', async () => {
  const r = run({ token: 'wrong' });
  await settle(r, 200);
  await assert.rejects(r.result, (e: unknown) => {
    assert.ok(e instanceof SpiceError, 'a SpiceError');
    assert.equal(e.code, 'auth-failed');
    assert.match(e.message, /refused the token/);
    return true;
  });
  const refused = r.outcomes[0];
  assert.equal(refused?.kind, 'refused');
  if (refused?.kind === 'refused') {
    assert.equal(refused.code, HANDSHAKE_AUTH_FAILED);
    assert.deepEqual([...decodeFrame(refused.reply).payload], [1]);
  }
});

test('a hello encrypted for another key: the gateway answers 0xFF; the client says the key does not match', async () => {
  const r = run({ publicKey: strangerKeys.publicKey });
  await settle(r, 200);
  await assert.rejects(r.result, (e: unknown) => {
    assert.ok(e instanceof SpiceError && e.code === 'udpack', String(e));
    assert.match(e.message, /public key/);
    return true;
  });
  const refused = r.outcomes[0];
  assert.ok(refused?.kind === 'refused' && refused.code === HANDSHAKE_FAILED, JSON.stringify(refused));
});

test('garbage instead of a hello ciphertext is refused with 0xFF, and a hello with a gateway half too', async () => {
  const clock = new VirtualClock();
  const responder = new HandshakeResponder({
    privateKey: gatewayKeys.privateKey,
    verifyToken: () => true,
    sessionIdInUse: () => false,
    canAcceptSession: () => true,
    now: () => clock.now(),
    wallMs: () => clock.wallMs(),
  });
  const garbage = await responder.onHello(decodeFrame(helloFrame(0x1234, 1, randomBytes(256))), '192.0.2.9');
  assert.ok(garbage.kind === 'refused' && garbage.code === HANDSHAKE_FAILED, JSON.stringify(garbage));
  const frame = helloFrame(0x1234, 1, randomBytes(256));
  frame[3] = 7;
  const withHalf = await responder.onHello(decodeFrame(frame), '192.0.2.9');
  assert.ok(withHalf.kind === 'refused' && withHalf.code === HANDSHAKE_FAILED, JSON.stringify(withHalf));
});

test('lost hellos: the client retries with the same hello and succeeds', async () => {
  const r = run({ dropHello: (attempt) => attempt < 2 });
  await settle(r, 3000);
  const result = await r.result;
  const hellos = r.sentByClient.filter((d) => decodeFrame(d).header.opcode === OPCODE_HELLO);
  assert.equal(hellos.length, 3, 'two lost, the third answered');
  assert.ok(
    hellos.every((h) => Buffer.from(h).equals(Buffer.from(hellos[0]!))),
    'every attempt is the same hello',
  );
  assert.equal(result.rttMs, undefined, 'no RTT sample after a retry (ambiguous)');
});

test('a lost answer: the resent hello is answered again from the cache, with the same session id', async () => {
  const r = run({ dropAnswer: (n) => n === 0 });
  await settle(r, 3000);
  const result = await r.result;
  assert.deepEqual(
    r.outcomes.map((o) => o.kind),
    ['accepted', 'repeat'],
  );
  const repeat = r.outcomes[1];
  assert.ok(repeat?.kind === 'repeat' && repeat.sessionId === result.sessionId, 'same session');
});

test('no answer at all: the configured number of retries, doubling waits, then a connection-timeout error', async () => {
  const r = run({ dropHello: () => true, retries: 3 });
  const started = r.clock.now();
  await settle(r, 10_000);
  await assert.rejects(r.result, (e: unknown) => {
    assert.ok(e instanceof SpiceError && e.code === 'udpack', String(e));
    assert.match(
      e.message,
      /no answer from the UDPack gateway gw\.test:5999 after 4 attempts.*connection timeout/,
    );
    return true;
  });
  const hellos = r.sentByClient.filter((d) => decodeFrame(d).header.opcode === OPCODE_HELLO);
  assert.equal(hellos.length, 4, '1 + 3 retries');
  // 400 + 800 + 1600 + 3200 ms of waiting
  assert.ok(r.clock.now() - started >= 6000, `gave up after ${r.clock.now() - started} ms`);
});

test('a replayed hello after the session moved on is dropped; hellos are rate-limited per source', async () => {
  const r = run({});
  await settle(r, 200);
  const result = await r.result;
  r.responder.settle(result.sessionId);
  const hello = decodeFrame(r.sentByClient[0]!);
  assert.deepEqual(await r.responder.onHello(hello, '192.0.2.1'), { kind: 'dropped', why: 'replay' });
  const kinds: string[] = [];
  for (let i = 0; i < 40; i++) {
    const outcome = await r.responder.onHello(
      decodeFrame(helloFrame(i, 1, randomBytes(256))),
      '198.51.100.7',
    );
    kinds.push(outcome.kind === 'dropped' ? outcome.why : outcome.kind);
  }
  assert.ok(kinds.includes('rate-limited'), 'a flood from one address is cut before the RSA work');
  assert.ok(
    kinds.slice(0, 10).every((k) => k === 'refused'),
    'the first ones were looked at',
  );
});

test('[algorithm, key, iv, token] layout: round trip and strict parsing', () => {
  const hello = {
    algorithm: AEAD_CHACHA20_POLY1305,
    key: randomBytes(32),
    iv: randomBytes(12),
    token: 'tøken',
  };
  const bytes = encodeHelloPayload(hello);
  assert.equal(bytes[0], 2, 'algorithm id');
  assert.equal(bytes[1], 32, 'key length');
  const back = decodeHelloPayload(bytes);
  assert.equal(back.algorithm, AEAD_CHACHA20_POLY1305);
  assert.equal(back.token, 'tøken');
  assert.deepEqual([...back.key], [...hello.key]);
  assert.throws(() => decodeHelloPayload(Uint8Array.from([...bytes, 0])), ProtocolError, 'trailing byte');
  const badAlgorithm = Uint8Array.from(bytes);
  badAlgorithm[0] = 9;
  assert.throws(() => decodeHelloPayload(badAlgorithm), ProtocolError);
  const badKeyLength = Uint8Array.from(bytes);
  badKeyLength[1] = 16;
  assert.throws(() => decodeHelloPayload(badKeyLength), ProtocolError);
  assert.throws(() => decodeHelloPayload(bytes.subarray(0, 20)), ProtocolError);
  assert.throws(
    () => encodeHelloPayload({ ...hello, token: 'x'.repeat(MAX_TOKEN_BYTES + 1) }),
    /at most 128/,
  );
});

test('gateway public keys: RSA of at least 2048 bits, PEM', () => {
  const pem = gatewayKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.equal(loadGatewayPublicKey(pem, 'k').asymmetricKeyType, 'rsa');
  assert.throws(() => loadGatewayPublicKey('not a key', 'k.pem'), /is not a PEM public key/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  assert.throws(() => loadGatewayPublicKey(ec.toString(), 'k.pem'), /UDPack uses RSA/);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  assert.throws(() => loadGatewayPublicKey(small.toString(), 'k.pem'), /at least 2048/);
});

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'udpack-tokens-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the token file: one per line, # comments, trimmed; re-read when it changes; an empty one is refused', async () => {
  const digests = parseTokens('# staff\n  alice-token  \n\nbob\r\n#not-a-token\n');
  assert.equal(digests.length, 2);
  assert.equal(tokenMatches(digests, 'alice-token'), true);
  assert.equal(tokenMatches(digests, 'bob'), true);
  assert.equal(tokenMatches(digests, '#not-a-token'), false);
  assert.equal(tokenMatches(digests, 'alice'), false);
  const path = join(dir, 'tokens');
  await writeFile(path, 'first\n');
  let now = 0;
  const file = await loadTokenFile(path, () => now);
  assert.equal(await file.verify('first'), true);
  await writeFile(path, 'second\n');
  const { utimes } = await import('node:fs/promises');
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  now += 2000;
  assert.equal(await file.verify('second'), true, 'the new list is used');
  assert.equal(await file.verify('first'), false, 'a revoked token is refused');
  await writeFile(join(dir, 'empty'), '# nothing\n\n');
  await assert.rejects(loadTokenFile(join(dir, 'empty')), /holds no token/);
  await assert.rejects(loadTokenFile(join(dir, 'missing')), /cannot read the token file/);
});
