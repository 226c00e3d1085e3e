// Distinct process exit codes of the `saffron` CLI, one per failure class a script may want to tell apart.
import type { SpiceErrorCode } from '../spice/errors';

export const EXIT_OK = 0;
/** A check failed (e.g. bench-decode sha256 mismatch) or an unclassified error. */
export const EXIT_FAILURE = 1;
/** Bad command line, bad .vv file or URI. */
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
export const EXIT_AUTH_FAILED = 4;
export const EXIT_NOT_SPICE = 5;
export const EXIT_CLOSED = 6;
export const EXIT_PROTOCOL = 7;
export const EXIT_TIMEOUT = 8;
export const EXIT_TLS = 9;
export const EXIT_PROXY = 10;
export const EXIT_PASSWORD_REQUIRED = 11;
/** The guest has no agent, or its agent refused or failed a request (send-file: the agent's reason is printed). */
export const EXIT_AGENT = 12;
/** The UDPack path failed: no answer from the gateway over UDP, handshake refused, or the session was lost. */
export const EXIT_UDPACK = 13;

const BY_CODE: Record<SpiceErrorCode, number> = {
  unreachable: EXIT_UNREACHABLE,
  'auth-failed': EXIT_AUTH_FAILED,
  'password-required': EXIT_PASSWORD_REQUIRED,
  'not-spice': EXIT_NOT_SPICE,
  'version-mismatch': EXIT_NOT_SPICE,
  'need-secured': EXIT_TLS,
  'need-unsecured': EXIT_TLS,
  'link-refused': EXIT_CLOSED,
  closed: EXIT_CLOSED,
  protocol: EXIT_PROTOCOL,
  unsupported: EXIT_PROTOCOL,
  timeout: EXIT_TIMEOUT,
  tls: EXIT_TLS,
  proxy: EXIT_PROXY,
  config: EXIT_USAGE,
  migration: EXIT_CLOSED,
  cancelled: EXIT_FAILURE,
  udpack: EXIT_UDPACK,
};

export function exitCodeFor(code: SpiceErrorCode): number {
  return BY_CODE[code];
}
