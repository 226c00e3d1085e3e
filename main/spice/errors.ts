// Error types of the protocol core. Every failure carries a stable `code` so the CLI and the app can
// map it to a message and an exit code without parsing text.

export type SpiceErrorCode =
  | 'unreachable' // TCP/TLS/proxy connection could not be made
  | 'auth-failed' // wrong password / ticket rejected
  | 'password-required' // server wants a password and none was given
  | 'not-spice' // peer is not a SPICE server (bad magic, garbage)
  | 'version-mismatch'
  | 'need-secured' // server requires TLS for this channel
  | 'need-unsecured'
  | 'link-refused' // other SPICE_LINK_ERR_* values
  | 'closed' // server closed the connection
  | 'protocol' // malformed message from the server
  | 'unsupported' // a feature the server used that we cannot handle (explained in the message)
  | 'timeout'
  | 'tls' // certificate / TLS negotiation failure
  | 'proxy' // HTTP CONNECT proxy refused or failed
  | 'config' // bad .vv file, bad URI, bad option
  | 'migration' // server asked to migrate; we disconnect cleanly
  | 'udpack' // the UDPack gateway did not answer over UDP, refused the handshake, or the UDP session was lost
  | 'cancelled';

export class SpiceError extends Error {
  readonly code: SpiceErrorCode;
  constructor(code: SpiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpiceError';
    this.code = code;
  }
}

/** Malformed or out-of-bounds data from the server. Thrown by readers, decoders and codecs. */
export class ProtocolError extends SpiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('protocol', message, options);
    this.name = 'ProtocolError';
  }
}

/** The server sent DISCONNECTING: it ended this client on purpose (a deliberate end, never retried). */
export class ServerDisconnectedError extends SpiceError {
  constructor(message: string) {
    super('closed', message);
    this.name = 'ServerDisconnectedError';
  }
}

export function isSpiceError(e: unknown): e is SpiceError {
  return e instanceof SpiceError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
