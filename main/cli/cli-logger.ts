// The CLI's logger: warnings and errors to stderr; debug and info only with --verbose. Fields are printed as
// JSON after the message; callers never pass secrets (see logger.ts `redact`). Every line is made printable:
// log messages carry server text (notices, names, error details).
import { printableText, terminalSafeJson } from '../../shared/printable-text';
import type { Logger } from '../spice/logger';

export function cliLogger(stderr: (line: string) => void, verbose: boolean): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>): void =>
    stderr(
      `saffron: ${level}: ${printableText(message, 2048)}${fields && Object.keys(fields).length ? ' ' + printableText(terminalSafeJson(fields), 2048) : ''}`,
    );
  return {
    debug: (m, f) => verbose && line('debug', m, f),
    info: (m, f) => verbose && line('info', m, f),
    warn: (m, f) => line('warning', m, f),
    error: (m, f) => line('error', m, f),
  };
}
