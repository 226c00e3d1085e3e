// User-facing sentences for connection failures, shown in the window (never only in a log). The SpiceError's
// own message carries the detail (host, port, what the server said); this adds what the user can do about it.
// Also the target as the connect form shows it, so the user can retry it (with a password) from the form.
import { isIPv6 } from 'node:net';
import type { ConnectionConfig } from '../spice/connect/config';
import type { SpiceErrorCode } from '../spice/errors';
import { errorMessage, isSpiceError } from '../spice/errors';

/** Codes whose advice says everything the error's own message does: the detail is not repeated. */
const COMPLETE: Partial<Record<SpiceErrorCode, string>> = {
  'auth-failed':
    'The server rejected the password. Check it (or get a new ticket), type it in the Password field and press Reconnect.',
  'password-required': 'This server needs a password: type it in the Password field and press Reconnect.',
};

const ADVICE: Partial<Record<SpiceErrorCode, string>> = {
  unreachable: 'Could not reach the server. Check the host and port, and that the VM is running.',
  'not-spice': 'The server did not answer as a SPICE server. Check the port.',
  'version-mismatch': 'The server speaks an incompatible SPICE protocol version.',
  'need-secured': 'The server requires TLS. Turn TLS on (and give the TLS port).',
  'need-unsecured': 'The server does not accept TLS on this port. Turn TLS off.',
  tls: 'The TLS connection failed (certificate or handshake).',
  proxy: 'The proxy refused or failed the connection.',
  timeout: 'The server did not answer in time.',
  config: 'The connection settings are not valid.',
  closed: 'The server closed the connection.',
  migration: 'The server moved the VM to another host; reconnect to follow it.',
  protocol: 'The server sent data this client could not understand.',
  unsupported: 'The server needs a feature this client does not have yet.',
};

/** The advice, then the error's own detail — never nested in parentheses (details often carry their own). */
export function statusTextForError(error: unknown): string {
  const detail = errorMessage(error);
  if (!isSpiceError(error)) return detail;
  const complete = COMPLETE[error.code];
  if (complete) return complete;
  const advice = ADVICE[error.code];
  if (!advice) return detail;
  return `${advice} Details: ${detail.charAt(0).toUpperCase()}${detail.slice(1)}${/[.!?]$/.test(detail) ? '' : '.'}`;
}

/**
 * The target as the connect form shows it, so a page opened on `saffron web spice://h:p` (or after a .vv) that
 * must add a password has the real host and port in the form, not an empty host and 5900.
 */
export function statusFormFor(
  config: ConnectionConfig,
): { host: string; port: number; tls: boolean } | undefined {
  if (config.unixPath !== undefined || config.host === '') return undefined;
  // A proxy ticket (`pvespiceproxy:…`) is not a host the form can connect to.
  if (config.host.includes(':') && !isIPv6(config.host.replace(/%.*$/, ''))) return undefined;
  const tls = config.port === undefined && config.tlsPort !== undefined;
  const port = tls ? config.tlsPort : config.port;
  return port === undefined ? undefined : { host: config.host, port, tls };
}
