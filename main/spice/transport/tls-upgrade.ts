// TLS on top of a connected socket (direct or proxied), with SPICE's verification rules (REFERENCES G36):
// the chain must lead to the CA (inline .vv `ca`, a CA file, or the system store), then either the
// certificate subject must equal `host-subject`, or — without it — the certificate must match the host
// name. Every failure becomes a SpiceError('tls') that names the reason and what to do.
import type net from 'node:net';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { SpiceError } from '../errors';
import { explainSocketError } from './socket-connect';
import { formatSubject, parseCertificateSubject, parseHostSubject, subjectsMatch } from './cert-subject';

export interface TlsUpgradeOptions {
  /** Host name used for SNI (DNS names only) and the host-name check. */
  host: string;
  /** PEM CA bundle; undefined = Node's bundled roots. */
  ca?: string;
  /** The CA came from the user (.vv ca, CA file) rather than the system store: changes the wording only. */
  customCa?: boolean;
  hostSubject?: string;
  ciphers?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** "host:port" (or "… via proxy …") for messages. */
  label: string;
}

/** A host that may go into SNI: a DNS name (not an IP literal, not an opaque token with ':'). */
export function isDnsName(host: string): boolean {
  return (
    isIP(host) === 0 &&
    /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(host)
  );
}

/** Subjects of the certificates in a PEM bundle (for "expected CA …" hints). */
export function pemSubjects(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const subjects: string[] = [];
  for (const block of blocks) {
    try {
      subjects.push(formatSubject(parseCertificateSubject(new X509Certificate(block).subject)));
    } catch {
      // an unparsable block: OpenSSL will complain with its own words
    }
  }
  return subjects;
}

function describeCert(cert: X509Certificate | undefined): string {
  if (!cert) return 'the server certificate';
  const subject = formatSubject(parseCertificateSubject(cert.subject));
  const issuer = formatSubject(parseCertificateSubject(cert.issuer));
  return subject === issuer
    ? `the server certificate '${subject}' (self-signed)`
    : `the server certificate '${subject}' (issued by '${issuer}')`;
}

const CA_HINT = 'give the CA that signed it (.vv ca=, --ca-file)';

/** Message for an OpenSSL verification error code (socket.authorizationError). */
export function explainVerifyError(
  code: string,
  cert: X509Certificate | undefined,
  options: { label: string; customCa: boolean },
): string {
  const what = describeCert(cert);
  const where = `TLS verification of ${options.label} failed`;
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return `${where}: server certificate expired on ${cert ? new Date(cert.validTo).toISOString() : 'an earlier date'} (${what}) — renew it on the server, or check this computer's clock`;
    case 'CERT_NOT_YET_VALID':
      return `${where}: server certificate is not valid before ${cert ? new Date(cert.validFrom).toISOString() : 'a later date'} (${what}) — check this computer's clock`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `${where}: unknown CA: ${what} is not trusted — ${CA_HINT}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `${where}: unknown CA: ${what} is not signed by ${options.customCa ? 'the given CA' : 'a CA this computer trusts'} — ${CA_HINT}`;
    case 'CERT_SIGNATURE_FAILURE':
      return `${where}: the signature of ${what} is invalid — the certificate does not belong to the given CA`;
    case 'CERT_REVOKED':
      return `${where}: ${what} has been revoked`;
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
      return `${where}: ${what} is not trusted for this purpose — ${CA_HINT}`;
    case 'INVALID_CA':
    case 'INVALID_PURPOSE':
      return `${where}: a certificate in the chain may not be used as a CA or for a TLS server (${code})`;
    case 'ERROR_IN_CERT_NOT_BEFORE_FIELD':
    case 'ERROR_IN_CERT_NOT_AFTER_FIELD':
      return `${where}: ${what} has a malformed validity date`;
    case 'CERT_CHAIN_TOO_LONG':
      return `${where}: the certificate chain is too long`;
    case 'UNSPECIFIED':
    default:
      return `${where}: ${what} was rejected (${code})`;
  }
}

function explainHandshakeError(err: unknown, label: string): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  const text = e.message ?? String(err);
  if (
    code === 'ECONNRESET' ||
    /socket disconnected before secure TLS connection/i.test(text) ||
    code === 'EPIPE'
  )
    return `TLS handshake with ${label} failed: the server closed the connection — is this really the TLS port (tls-port)?`;
  if (/wrong version number|unknown protocol|packet length too long|http request/i.test(text))
    return `TLS handshake with ${label} failed: the peer does not speak TLS — is this really the TLS port (tls-port)?`;
  if (
    /handshake failure|no shared cipher|no cipher|unsupported protocol|version too low|protocol version/i.test(
      text,
    )
  )
    return `TLS handshake with ${label} failed: no common TLS version or cipher (${e.reason ?? text}) — check tls-ciphers and the server's TLS settings`;
  if (/certificate/i.test(text)) return `TLS handshake with ${label} failed: ${text}`;
  return `TLS handshake with ${label} failed: ${explainSocketError(err, 'is the server still running?')}`;
}

/** Upgrades `socket` to TLS and verifies the peer. The socket is destroyed on failure. */
export function upgradeToTls(socket: net.Socket, options: TlsUpgradeOptions): Promise<tls.TLSSocket> {
  const { label, signal } = options;
  const expected = options.hostSubject !== undefined ? parseHostSubject(options.hostSubject) : undefined;
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    if (signal?.aborted) {
      socket.destroy();
      reject(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
      return;
    }
    const tlsOptions: tls.ConnectionOptions = {
      socket,
      rejectUnauthorized: false, // verified below, so every failure gets its own message
      checkServerIdentity: () => undefined,
    };
    if (isDnsName(options.host)) tlsOptions.servername = options.host;
    if (options.ca !== undefined) tlsOptions.ca = options.ca;
    if (options.ciphers !== undefined) tlsOptions.ciphers = options.ciphers;
    let secure: tls.TLSSocket;
    try {
      secure = tls.connect(tlsOptions);
    } catch (e) {
      socket.destroy();
      const msg = (e as Error).message;
      reject(
        /cipher/i.test(msg)
          ? new SpiceError(
              'config',
              `tls-ciphers '${options.ciphers ?? ''}' selects no usable cipher (${msg})`,
              { cause: e },
            )
          : /certificate|PEM|asn1|x509/i.test(msg)
            ? new SpiceError('config', `the CA certificate could not be loaded: ${msg}`, { cause: e })
            : new SpiceError('tls', `TLS setup for ${label} failed: ${msg}`, { cause: e }),
      );
      return;
    }
    let settled = false;
    const cleanup = (): void => {
      clearTimeout(timer);
      secure.off('secureConnect', onSecure);
      secure.off('error', onError);
      secure.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: SpiceError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      secure.on('error', () => {}); // late errors after we gave up are expected
      secure.destroy();
      socket.destroy();
      reject(error);
    };
    const onSecure = (): void => {
      if (settled) return;
      // Fail closed: an exception while checking (e.g. Node rejecting an odd host in checkIP/checkHost) must
      // become a TLS error, never an uncaught exception with the connection left open.
      try {
        verify();
      } catch (e) {
        fail(
          new SpiceError('tls', `TLS verification of ${label} failed: ${(e as Error).message ?? String(e)}`, {
            cause: e,
          }),
        );
      }
    };
    const verify = (): void => {
      const cert = secure.getPeerX509Certificate();
      if (!secure.authorized) {
        const code = String(secure.authorizationError ?? 'UNSPECIFIED');
        fail(
          new SpiceError(
            'tls',
            explainVerifyError(code, cert, { label, customCa: options.customCa ?? options.ca !== undefined }),
          ),
        );
        return;
      }
      if (!cert) {
        fail(new SpiceError('tls', `TLS verification of ${label} failed: the server sent no certificate`));
        return;
      }
      if (expected) {
        const actual = parseCertificateSubject(cert.subject);
        if (!subjectsMatch(actual, expected)) {
          fail(
            new SpiceError(
              'tls',
              `TLS verification of ${label} failed: certificate subject '${formatSubject(actual)}' does not match ` +
                `host-subject '${options.hostSubject ?? ''}' — check host-subject (it must list the same attributes)`,
            ),
          );
          return;
        }
      } else {
        // Certificates name IP addresses without a zone: fe80::1%eth0 is checked as fe80::1.
        const matches =
          isIP(options.host) !== 0
            ? cert.checkIP(options.host.replace(/%.*$/, ''))
            : cert.checkHost(options.host);
        if (matches === undefined) {
          const names =
            cert.subjectAltName ?? `CN from '${formatSubject(parseCertificateSubject(cert.subject))}'`;
          fail(
            new SpiceError(
              'tls',
              `TLS verification of ${label} failed: the certificate does not match the host name '${options.host}' ` +
                `(it is for ${names}) — connect with a name the certificate lists, or give host-subject`,
            ),
          );
          return;
        }
      }
      settled = true;
      cleanup();
      resolve(secure);
    };
    const onError = (err: Error): void =>
      fail(new SpiceError('tls', explainHandshakeError(err, label), { cause: err }));
    const onClose = (): void =>
      fail(
        new SpiceError(
          'tls',
          `TLS handshake with ${label} failed: the server closed the connection — is this really the TLS port (tls-port)?`,
        ),
      );
    const onAbort = (): void => fail(new SpiceError('cancelled', `connecting to ${label} was cancelled`));
    const timer = setTimeout(() => {
      fail(
        new SpiceError(
          'tls',
          `TLS handshake with ${label} failed: no answer within ${Math.round(options.timeoutMs / 100) / 10} s — is this really the TLS port (tls-port)?`,
        ),
      );
    }, options.timeoutMs);
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    secure.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
