import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSubject,
  parseCertificateSubject,
  parseHostSubject,
  subjectsMatch,
} from '../../../main/spice/transport/cert-subject';
import { SpiceError } from '../../../main/spice/errors';

void test('host-subject syntax per ssl_verify.c', () => {
  assert.deepEqual(parseHostSubject('C=IL, O=Red Hat,CN=my server'), [
    { key: 'C', value: 'IL' },
    { key: 'O', value: 'Red Hat' },
    { key: 'CN', value: 'my server' },
  ]);
  assert.deepEqual(parseHostSubject('O=Acme\\, Inc.,CN=a\\\\b'), [
    { key: 'O', value: 'Acme, Inc.' },
    { key: 'CN', value: 'a\\b' },
  ]);
  assert.deepEqual(parseHostSubject('CN=x,'), [{ key: 'CN', value: 'x' }], 'a trailing comma ends the list');
  for (const bad of ['', 'CN', 'CN=', 'CN=x,O', 'C=IL,,CN=x', 'CN=a\\b', '=x']) {
    assert.throws(
      () => parseHostSubject(bad),
      (e: unknown) => e instanceof SpiceError && e.code === 'config',
      bad,
    );
  }
});

void test('certificate subject lines from node (RFC 2253 escapes, multi-valued RDN)', () => {
  assert.deepEqual(parseCertificateSubject('C=IL\nO=Acme\\, Inc.\nCN=a + UID=b'), [
    { key: 'C', value: 'IL' },
    { key: 'O', value: 'Acme, Inc.' },
    { key: 'CN', value: 'a' },
    { key: 'UID', value: 'b' },
  ]);
  assert.deepEqual(parseCertificateSubject('CN=caf\\C3\\A9'), [{ key: 'CN', value: 'café' }]);
});

void test('matching: same attributes, any order, canonical values, long names', () => {
  const cert = parseCertificateSubject('C=IL\nO=Red  Hat\nCN=Server');
  assert.ok(subjectsMatch(cert, parseHostSubject('C=IL,O=Red Hat,CN=server')));
  assert.ok(subjectsMatch(cert, parseHostSubject('CN=server,C=IL,O=red hat')));
  assert.ok(
    subjectsMatch(cert, parseHostSubject('countryName=IL,organizationName=Red Hat,commonName=Server')),
  );
  assert.ok(!subjectsMatch(cert, parseHostSubject('C=IL,CN=server')), 'missing attribute');
  assert.ok(!subjectsMatch(cert, parseHostSubject('C=IL,O=Red Hat,CN=server,OU=x')), 'extra attribute');
  assert.ok(!subjectsMatch(cert, parseHostSubject('C=US,O=Red Hat,CN=server')), 'different value');
  assert.equal(formatSubject(parseHostSubject('O=A\\, B,CN=c')), 'O=A\\, B,CN=c');
});
