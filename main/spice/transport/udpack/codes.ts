// Error codes carried by CLOSE (session) and RESET_STREAM (one stream) records, and the protocol's fixed numbers
// that both sides must agree on without negotiating them (docs/udpack.md §4, §8).

export const CLOSE_NO_ERROR = 0;
export const CLOSE_PROTOCOL_VIOLATION = 1;
export const CLOSE_FLOW_CONTROL = 2;
export const CLOSE_INTERNAL = 3;
/** The gateway is shutting down. */
export const CLOSE_SHUTDOWN = 4;
/** The packet-number space is used up (2^32 packets); reconnect. */
export const CLOSE_EXHAUSTED = 5;

/** The reader went away (the SPICE channel closed). */
export const RESET_CANCELLED = 0;
/** The gateway could not connect to its SPICE server. */
export const RESET_TARGET_UNREACHABLE = 1;
/** The SPICE server reset the TCP connection. */
export const RESET_TARGET_CLOSED = 2;
/** The gateway refused the stream (too many streams). */
export const RESET_REFUSED = 3;
export const RESET_INTERNAL = 4;

/** Every receiver starts with these limits; it raises them with MAX_DATA / MAX_STREAM_DATA. */
export const INITIAL_STREAM_WINDOW_BYTES = 512 * 1024;
export const INITIAL_SESSION_WINDOW_BYTES = 2 * 1024 * 1024;

export function closeCodeName(code: number): string {
  switch (code) {
    case CLOSE_NO_ERROR:
      return 'no error';
    case CLOSE_PROTOCOL_VIOLATION:
      return 'protocol violation';
    case CLOSE_FLOW_CONTROL:
      return 'flow-control violation';
    case CLOSE_INTERNAL:
      return 'internal error';
    case CLOSE_SHUTDOWN:
      return 'gateway shutting down';
    case CLOSE_EXHAUSTED:
      return 'packet numbers exhausted';
    default:
      return `code ${code}`;
  }
}

/** Control characters of a peer's reason text replaced, length bounded: it may reach a terminal or a log. */
export function sanitizeReason(text: string, max = 200): string {
  const clean = text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
