// The one logging seam of the protocol core. The core never calls console; callers inject a Logger.
// Secrets never reach a logger: pass `redact(...)` output, never passwords or tickets.

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger that prefixes every message with a scope, e.g. "display:0". */
export function scopedLogger(base: Logger, scope: string): Logger {
  return {
    debug: (m, f) => base.debug(`[${scope}] ${m}`, f),
    info: (m, f) => base.info(`[${scope}] ${m}`, f),
    warn: (m, f) => base.warn(`[${scope}] ${m}`, f),
    error: (m, f) => base.error(`[${scope}] ${m}`, f),
  };
}

/** Fields whose values must never be logged. */
const SECRET_KEYS = /pass(word)?|ticket|secret|authorization|credential/i;

/** Returns a copy of `fields` with secret values replaced, for logging configuration objects. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== '' ? '<redacted>' : v;
  }
  return out;
}
