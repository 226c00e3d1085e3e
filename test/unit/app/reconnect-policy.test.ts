// The reconnect decision: which session ends are worth retrying and the backoff schedule, with the jitter's
// randomness injected so every delay is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, ServerDisconnectedError, SpiceError } from '../../../main/spice/errors';
import {
  DEFAULT_BACKOFF,
  ReconnectSchedule,
  backoffDelayMs,
  classifySessionEnd,
  hasOneTimeTicket,
} from '../../../main/session/reconnect-policy';
import { emptyConfig } from '../../../main/spice/connect/config';

const connected = { wasConnected: true, oneTimeTicket: false };

void test('a dropped connection, a network error or a server restart is retried', { timeout: 30_000 }, () => {
  for (const error of [
    new SpiceError('closed', 'the server closed the main channel'),
    new SpiceError('closed', 'main channel: read ECONNRESET'),
    new SpiceError('unreachable', 'cannot reach 127.0.0.1:5900: connection refused'),
    new SpiceError('timeout', 'no answer from the server within 10000 ms'),
  ]) {
    const d = classifySessionEnd({ ...connected, error });
    assert.equal(d.retry, true, error.message);
  }
});

void test(
  'DISCONNECTING, auth, config, TLS, protocol errors and a local close are final',
  { timeout: 30_000 },
  () => {
    assert.equal(classifySessionEnd({ ...connected, error: null }).retry, false);
    assert.equal(
      classifySessionEnd({ ...connected, error: new ServerDisconnectedError('the server is disconnecting') })
        .retry,
      false,
    );
    for (const code of [
      'auth-failed',
      'password-required',
      'config',
      'tls',
      'not-spice',
      'version-mismatch',
      'migration',
      'cancelled',
      'link-refused',
    ] as const) {
      assert.equal(
        classifySessionEnd({ ...connected, error: new SpiceError(code, code) }).retry,
        false,
        code,
      );
    }
    assert.equal(classifySessionEnd({ ...connected, error: new ProtocolError('garbage') }).retry, false);
  },
);

void test('a first connection that fails is reported, not retried', { timeout: 30_000 }, () => {
  const d = classifySessionEnd({
    wasConnected: false,
    oneTimeTicket: false,
    error: new SpiceError('unreachable', 'refused'),
  });
  assert.equal(d.retry, false);
});

void test('an expired one-time .vv ticket ends with "get a new connection file"', { timeout: 30_000 }, () => {
  for (const code of ['auth-failed', 'proxy'] as const) {
    const d = classifySessionEnd({
      wasConnected: true,
      oneTimeTicket: true,
      error: new SpiceError(code, 'x'),
    });
    assert.equal(d.retry, false);
    assert.ok(!d.retry && d.message);
    assert.match(d.message ?? '', /get a new connection file/);
  }
  // A plain password that is rejected is a wrong password, not an expired file.
  const plain = classifySessionEnd({ ...connected, error: new SpiceError('auth-failed', 'x') });
  assert.ok(!plain.retry && plain.message === undefined);
});

void test('one-time tickets: delete-this-file and Proxmox proxy tickets', { timeout: 30_000 }, () => {
  assert.equal(hasOneTimeTicket({ ...emptyConfig(), host: 'vm', deleteThisFile: true }), true);
  assert.equal(hasOneTimeTicket({ ...emptyConfig(), host: 'pvespiceproxy:abc:def' }), true);
  assert.equal(hasOneTimeTicket({ ...emptyConfig(), host: '::1' }), false);
  assert.equal(hasOneTimeTicket({ ...emptyConfig(), host: 'vm.example' }), false);
});

void test(
  'backoff: exponential, capped, jittered within ±jitter, and configurable',
  { timeout: 30_000 },
  () => {
    const mid = (): number => 0.5;
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelayMs(i, {}, mid));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000]);
    assert.equal(
      backoffDelayMs(0, {}, () => 0),
      800,
    );
    assert.equal(
      backoffDelayMs(0, {}, () => 0.999999),
      1200,
    );
    assert.equal(backoffDelayMs(2, { initialDelayMs: 500, multiplier: 3, jitter: 0 }, Math.random), 4500);
    assert.equal(backoffDelayMs(3, { maxAttempts: 3 }, mid), null);
    assert.equal(DEFAULT_BACKOFF.maxAttempts, 0);
  },
);

void test(
  'a schedule counts its attempts, gives up, and starts over after reset()',
  { timeout: 30_000 },
  () => {
    const s = new ReconnectSchedule({ maxAttempts: 2, jitter: 0 });
    assert.equal(s.next(), 1000);
    assert.equal(s.next(), 2000);
    assert.equal(s.next(), null);
    assert.equal(s.attempts, 2);
    s.reset();
    assert.equal(s.next(), 1000);
  },
);

void test(
  'a connection that stayed up for the healthy period starts the next outage from the first delay',
  { timeout: 30_000 },
  () => {
    const s = new ReconnectSchedule({ jitter: 0, healthyAfterMs: 10_000 });
    s.dropped(0);
    assert.equal(s.next(), 1000);
    assert.equal(s.next(), 2000);
    // Back up, but only for 5 s: the next outage carries on where this one was.
    s.connected(10_000);
    s.dropped(15_000);
    assert.equal(s.next(), 4000);
    // Back up for 10 s: healthy, start over.
    s.connected(20_000);
    s.dropped(30_000);
    assert.equal(s.next(), 1000);
  },
);
