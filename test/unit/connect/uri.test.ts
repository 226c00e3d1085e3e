import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSpiceUri, parseSpiceUri, redactUri } from '../../../main/spice/connect/uri';
import { SpiceError } from '../../../main/spice/errors';

void test('spice://host:port gives a plain port', () => {
  const c = parseSpiceUri('spice://example.org:5900');
  assert.equal(c.host, 'example.org');
  assert.equal(c.port, 5900);
  assert.equal(c.tlsPort, undefined);
  assert.equal(c.password, undefined);
});

void test('spice+tls://host:port gives a TLS port and secures every channel', () => {
  const c = parseSpiceUri('SPICE+TLS://10.0.0.1:5901');
  assert.equal(c.host, '10.0.0.1');
  assert.equal(c.port, undefined);
  assert.equal(c.tlsPort, 5901);
  assert.equal(c.secureChannels, 'all');
});

void test('spice+unix:///path gives a unix socket', () => {
  const c = parseSpiceUri('spice+unix:///run/vm%20one.sock');
  assert.equal(c.unixPath, '/run/vm one.sock');
  assert.equal(c.host, '');
});

void test('query form: port, tls-port, password (keys case-insensitive, percent-decoded, + kept)', () => {
  const c = parseSpiceUri('spice://host?Port=5900&TLS-PORT=5901&password=a%26b+c');
  assert.equal(c.port, 5900);
  assert.equal(c.tlsPort, 5901);
  assert.equal(c.password, 'a&b+c');
  const t = parseSpiceUri('spice://host:5900?tls-port=5901');
  assert.equal(t.port, 5900);
  assert.equal(t.tlsPort, 5901);
  const onlyTls = parseSpiceUri('spice://host?tls-port=5901');
  assert.equal(onlyTls.port, undefined);
  assert.equal(onlyTls.tlsPort, 5901);
});

void test('IPv6 literals in brackets', () => {
  const c = parseSpiceUri('spice://[::1]:5900');
  assert.equal(c.host, '::1');
  assert.equal(c.port, 5900);
  const z = parseSpiceUri('spice://[fe80::1%25eth0]:5900/');
  assert.equal(z.host, 'fe80::1%eth0');
});

const bad: [string, RegExp][] = [
  ['vnc://host:5900', /unknown scheme/],
  ['spice://host', /missing port/],
  ['spice://:5900', /missing host/],
  ['spice://host:0', /not a port number/],
  ['spice://host:65536', /not a port number/],
  ['spice://host:59a0', /not a port number/],
  ['spice://host?port=x', /not a port number/],
  ['spice://host:5900?port=5901', /both in the address/],
  ['spice://host?port=1&port=2', /given twice/],
  ['spice://host:5900?foo=1', /unknown query key 'foo'/],
  ['spice+tls://host?tls-port=5901', /spice\+tls takes the TLS port/],
  ['spice+tls://host', /missing TLS port/],
  ['spice+unix://relative', /must be absolute/],
  ['spice+unix:///s?port=1', /socket path, not port/],
  ['spice://::1:5900', /IPv6 addresses must be in brackets/],
  ['spice://[::1:5900', /closing/],
  ['spice://user@host:5900', /user names/],
  ['spice://host:5900/path', /unexpected path/],
  ['spice://host:5900?password=%zz', /percent-encoding/],
];
for (const [uri, re] of bad) {
  void test(`rejects ${uri}`, () => {
    assert.throws(
      () => parseSpiceUri(uri),
      (e: unknown) => e instanceof SpiceError && e.code === 'config' && re.test(e.message),
    );
  });
}

void test('errors never echo the password', () => {
  assert.throws(
    () => parseSpiceUri('spice://host?password=hunter2&port=bad'),
    (e: unknown) => e instanceof SpiceError && !e.message.includes('hunter2'),
  );
  assert.equal(redactUri('spice://h:1?password=x&port=2'), 'spice://h:1?password=<redacted>&port=2');
});

void test('isSpiceUri', () => {
  assert.ok(isSpiceUri('spice://h:1'));
  assert.ok(isSpiceUri('spice+unix:///x'));
  assert.ok(!isSpiceUri('/tmp/file.vv'));
  assert.ok(!isSpiceUri('console.vv'));
});
