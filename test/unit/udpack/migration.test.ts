// Connection migration and packet authenticity at the session level, over the deterministic link: the client's
// address changes mid-transfer and the session follows after path validation; a replayed packet never moves it;
// an attacker's copy sent from elsewhere cannot keep it (validation fails, the real client's next packets win);
// replayed and tampered datagrams are rejected without harming the stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame } from '../../../main/spice/transport/udpack/header';
import type { PathEvent, PeerAddress } from '../../../main/spice/transport/udpack/path';
import { PRIORITY_DEFAULT } from '../../../main/spice/transport/udpack/connection';
import { makePair, openClientStream, patternBytes, type Pair } from '../../support/udpack-sim';

function waitFor(pair: Pair, condition: () => boolean, ms: number, what: string): void {
  assert.ok(pair.clock.run(condition, ms), `waited ${ms} ms for ${what}`);
}

function pairWithEvents(seed: number, loss = 0.01): { pair: Pair; events: PathEvent[] } {
  const pair = makePair({ seed, profile: { up: { delayMs: 30, loss }, down: { delayMs: 30, loss } } });
  const events: PathEvent[] = [];
  (pair.gateway as unknown as { opts: { onPathEvent?: (e: PathEvent) => void } }).opts.onPathEvent = (e) =>
    events.push(e);
  return { pair, events };
}

test('the client changes address mid-transfer: the session follows after path validation and completes', () => {
  const { pair, events } = pairWithEvents(21);
  const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(Buffer.from('hello'));
  waitFor(pair, () => pair.accepted.size === 1, 1000, 'the stream to open');
  const remote = pair.accepted.get(0)!;
  const payload = patternBytes(3_000_000, 5);
  remote.handle.write(payload);
  remote.handle.end();
  waitFor(pair, () => sink.bytes > 500_000, 10_000, 'a part of the transfer');
  // Wi-Fi → LTE: a new address and port. Packets to the old one vanish.
  pair.clientAddress = { address: '10.9.9.9', port: 51000 };
  waitFor(pair, () => sink.ended, 30_000, 'the transfer to complete on the new path');
  assert.ok(sink.data().equals(payload), 'byte-exact across the move');
  assert.deepEqual(
    events.map((e) => e.type),
    ['migrated', 'validated'],
  );
  assert.deepEqual(pair.gateway.peer, { address: '10.9.9.9', port: 51000 });
  assert.equal(pair.closed.client, undefined, 'no reconnect: the same session');
  assert.equal(pair.closed.gateway, undefined);
});

test('a replayed packet from another address does not move the session', () => {
  const { pair, events } = pairWithEvents(22, 0);
  const { handle } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(patternBytes(20_000, 1));
  waitFor(pair, () => (pair.accepted.get(0)?.sink.bytes ?? 0) === 20_000, 5000, 'the upload');
  const captured = pair.link.captured.filter((c) => c.direction === 'up');
  const before = pair.gateway.stats.replays;
  const spoofed: PeerAddress = { address: '203.0.113.66', port: 666 };
  for (const c of captured) pair.gateway.receive(decodeFrame(c.datagram), spoofed);
  assert.equal(pair.gateway.stats.replays - before, captured.length, 'every replay was refused');
  assert.equal(events.length, 0, 'no migration');
  assert.equal(pair.accepted.get(0)!.sink.bytes, 20_000, 'nothing delivered twice');
});

test("an attacker's copy from elsewhere cannot keep the session: validation fails, the real client's packets win", () => {
  const { pair, events } = pairWithEvents(23);
  const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(Buffer.from('x'));
  waitFor(pair, () => pair.accepted.size === 1, 1000, 'the stream to open');
  const remote = pair.accepted.get(0)!;
  const attacker: PeerAddress = { address: '203.0.113.7', port: 7777 };
  let stolen = false;
  let attackerBytes = 0;
  // The attacker sits on the path: it takes one client packet and delivers it from its own address first.
  const original = pair.link.send.bind(pair.link);
  pair.link.send = (direction, datagram, deliver) => {
    if (!stolen && direction === 'up' && sink.bytes > 100_000) {
      stolen = true;
      const copy = Uint8Array.from(datagram);
      pair.gateway.receive(decodeFrame(copy), attacker);
      return; // the original is dropped
    }
    original(direction, datagram, deliver);
  };
  const gatewaySend = (
    pair.gateway as unknown as { opts: { send: (d: Uint8Array, to: PeerAddress) => void } }
  ).opts;
  const realSend = gatewaySend.send;
  gatewaySend.send = (d, to) => {
    if (to.address === attacker.address) attackerBytes += d.length;
    else realSend(d, to);
  };
  const payload = patternBytes(3_000_000, 9);
  remote.handle.write(payload);
  remote.handle.end();
  waitFor(pair, () => sink.ended, 30_000, 'the transfer');
  assert.ok(sink.data().equals(payload), 'byte-exact');
  assert.ok(stolen, 'the attack happened');
  assert.deepEqual(
    events.slice(0, 2).map((e) => e.type),
    ['migrated', 'returned'],
  );
  assert.deepEqual(pair.gateway.peer, { address: '10.0.0.2', port: 40000 }, 'back on the real address');
  assert.ok(
    !events.some((e) => e.type === 'validated' && e.peer.address === attacker.address),
    'never validated',
  );
  assert.ok(attackerBytes <= 3 * 1200, `the attacker got ${attackerBytes} bytes (at most 3× what it sent)`);
});

test('tampered datagrams are rejected and their data recovered; the stream stays byte-exact', () => {
  const pair = makePair({ seed: 24, profile: { up: { delayMs: 20 }, down: { delayMs: 20 } } });
  const { handle, sink } = openClientStream(pair, PRIORITY_DEFAULT);
  handle.write(Buffer.from('x'));
  waitFor(pair, () => pair.accepted.size === 1, 1000, 'the stream to open');
  let n = 0;
  const original = pair.link.send.bind(pair.link);
  pair.link.send = (direction, datagram, deliver) => {
    if (direction === 'down' && ++n % 10 === 0) {
      const bad = Uint8Array.from(datagram);
      bad[bad.length - 20] = bad[bad.length - 20]! ^ 0x40; // a ciphertext bit
      original(direction, bad, deliver);
      return;
    }
    original(direction, datagram, deliver);
  };
  const payload = patternBytes(200_000, 3);
  pair.accepted.get(0)!.handle.write(payload);
  waitFor(pair, () => sink.bytes === payload.length, 20_000, 'the transfer');
  assert.ok(sink.data().equals(payload), 'byte-exact');
  assert.ok(pair.client.stats.authFailures >= 10, `${pair.client.stats.authFailures} forgeries refused`);
  assert.equal(pair.closed.client, undefined, 'forgeries do not end the session');
});
