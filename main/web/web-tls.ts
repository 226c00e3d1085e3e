// HTTPS for `saffron web`: the browser's Clipboard API (and so clipboard sharing) exists only in a secure context,
// which plain http is only on loopback. Either the user's certificate and key (--tls-cert/--tls-key, checked here to
// belong together), or — when listening beyond localhost without them — a self-signed certificate generated for this
// run, whose SHA-256 fingerprint the command prints so the user can check what the browser shows before trusting it.
// node:crypto makes the key pair and computes the fingerprint but cannot create an X.509 certificate; node-forge
// builds and signs that certificate.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import forge from 'node-forge';

export interface TlsMaterial {
  /** PEM. */
  cert: string;
  /** PEM (PKCS#8). */
  key: string;
  /** SHA-256 of the certificate, as colon-separated hex (what browsers show). */
  fingerprint256: string;
  /** True when generated for this run. */
  selfSigned: boolean;
}

/** A user-supplied certificate and key that cannot be used: the message names the file and the fix. */
export class TlsSetupError extends Error {
  override readonly name = 'TlsSetupError';
}

/** True if `host` is a loopback listen address (plain http is a secure context there). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Loads and checks --tls-cert / --tls-key. */
export function loadTlsFiles(certPath: string, keyPath: string): TlsMaterial {
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new TlsSetupError(
        `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
  };
  const cert = read(certPath, 'certificate');
  const key = read(keyPath, 'private key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsSetupError(`${certPath} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsSetupError(`${keyPath} is not an unencrypted PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new TlsSetupError(`${keyPath} is not the private key of the certificate ${certPath}`);
  return { cert, key, fingerprint256: x509.fingerprint256, selfSigned: false };
}

/** The names a self-signed certificate for `listenHost` covers: the host itself, or every local address for 0.0.0.0/::. */
export function certificateNames(listenHost: string): { dns: string[]; ips: string[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    dns.add(hostname());
    for (const list of Object.values(networkInterfaces()))
      for (const address of list ?? []) ips.add(address.address.replace(/%.*$/, ''));
  } else if (isIP(listenHost)) ips.add(listenHost);
  else dns.add(listenHost);
  return { dns: [...dns], ips: [...ips] };
}

/** A self-signed certificate for this run (RSA 2048, SHA-256, valid from an hour ago for 30 days). */
export function generateSelfSigned(listenHost: string, now: Date = new Date()): TlsMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial (the high bit clear), random so browsers never see two certificates with one serial.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + 30 * 24 * 60 * 60 * 1000);
  const names = certificateNames(listenHost);
  const subject = [
    { name: 'commonName', value: names.dns.find((n) => n !== 'localhost') ?? listenHost },
    { name: 'organizationName', value: 'Saffron web (self-signed)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...names.dns.map((value) => ({ type: 2, value })),
        ...names.ips.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  cert.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  const certPem = forge.pki.certificateToPem(cert);
  return {
    cert: certPem,
    key: keyPem,
    fingerprint256: new X509Certificate(certPem).fingerprint256,
    selfSigned: true,
  };
}
