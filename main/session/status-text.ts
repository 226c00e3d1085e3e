// User-facing sentences for connection failures, shown in the window (never only in a log). The SpiceError's
// own message carries the detail (host, port, what the server said); this adds what the user can do about it.
import type { SpiceErrorCode } from '../spice/errors';
import { errorMessage, isSpiceError } from '../spice/errors';

const ADVICE: Partial<Record<SpiceErrorCode, string>> = {
  unreachable: 'Could not reach the server. Check the host and port, and that the VM is running.',
  'auth-failed': 'The server rejected the password.',
  'password-required': 'This server needs a password.',
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

export function statusTextForError(error: unknown): string {
  const detail = errorMessage(error);
  if (!isSpiceError(error)) return detail;
  const advice = ADVICE[error.code];
  return advice ? `${advice} (${detail})` : detail;
}
