// The connect form's field rules (renderer/ui/connect-validation.ts): pure, so tested here as well as in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateHost, validatePort } from '../../../renderer/ui/connect-validation';

void test('hosts: names, IPv4, IPv6 (bracketed or not) pass; spaces, bad labels and empty (on submit) fail', () => {
  for (const ok of ['vm.example.com', '192.168.1.10', 'localhost', '::1', '[fe80::1%eth0]', 'pve-01'])
    assert.ok(validateHost(ok, true).value, ok);
  assert.equal(validateHost('[::1]', true).value, '::1');
  for (const bad of ['bad host!', '-x.com', 'a..b', 'x'.repeat(300)])
    assert.equal(validateHost(bad, true).error?.key, 'validate.host-invalid', bad);
  assert.equal(validateHost('', true).error?.key, 'validate.host-required');
  assert.deepEqual(validateHost('', false), {}, 'an empty field is not an error while typing');
});

void test('ports: 1–65535 digits only', () => {
  assert.equal(validatePort('5900', true).value, 5900);
  for (const bad of ['0', '65536', '59a', '-1', '1e3', ' '])
    assert.equal(validatePort(bad, true).error?.key, 'validate.port-range', bad);
  assert.deepEqual(validatePort('', false), {});
});
