// host-subject comparison folds case and whitespace like OpenSSL's X509_NAME canonical form — ASCII only.
// Unicode case folding (KELVIN SIGN U+212A → 'k') or Unicode spaces (NO-BREAK SPACE) must not make a
// different certificate subject match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseCertificateSubject,
  parseHostSubject,
  subjectsMatch,
} from '../../main/spice/transport/cert-subject';
import { requireTools } from '../support/require-tool';

requireTools(['openssl']);

/** The subject of a real certificate made by openssl with a UTF-8 subject. */
function realSubject(cn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-subject-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-utf8',
      '-key',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/O=Example/CN=${cn}`,
    ]);
    return new X509Certificate(readFileSync(cert)).subject;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const matches = (certSubject: string, hostSubject: string): boolean =>
  subjectsMatch(parseCertificateSubject(certSubject), parseHostSubject(hostSubject));

void test('ASCII case and spaces still fold', () => {
  assert.ok(matches(realSubject('Spice  Server'), 'o=example,CN=spice server'));
});

void test('a Unicode look-alike does not match', () => {
  // U+212A KELVIN SIGN lower-cases to 'k' in JavaScript, not in OpenSSL.
  assert.equal(matches(realSubject('\u212Aelvin'), 'O=Example,CN=kelvin'), false);
  // U+0130 (İ) lower-cases to 'i̇'; U+00A0 NO-BREAK SPACE is not an ASCII space for OpenSSL.
  assert.equal(matches(realSubject('\u0130nfra'), 'O=Example,CN=i\u0307nfra'), false);
  assert.equal(matches(realSubject('spice\u00a0server'), 'O=Example,CN=spice server'), false);
  // The exact Unicode value still matches.
  assert.ok(matches(realSubject('\u212Aelvin'), 'O=Example,CN=\u212Aelvin'));
});
