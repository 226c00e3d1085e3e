// Turns any failure into one clear line on stderr and the matching exit code. SpiceError messages already
// say what went wrong; this adds what a command-line user can do about it. Server-supplied text inside a message
// is made printable (shared/printable-text.ts) before it reaches the terminal.
import { printableText } from '../../shared/printable-text';
import { MemoryBudgetError } from '../spice/memory-budget';
import { SpiceError, errorMessage } from '../spice/errors';
import type { CliIo } from './command';
import { EXIT_FAILURE, exitCodeFor } from './exit-codes';

/** The command-line remedy for an error, if there is one. */
function cliAdvice(e: SpiceError): string {
  if (e.code === 'password-required') return ' — give one with --password (or in the .vv file)';
  if (e instanceof MemoryBudgetError)
    return ' (raise the cap with --max-memory MIB if this server is trusted)';
  return '';
}

/** The exit code of any failure (SpiceError codes per exit-codes.ts; anything else 1). */
export function exitCodeOf(e: unknown): number {
  return e instanceof SpiceError ? exitCodeFor(e.code) : EXIT_FAILURE;
}

/** One line for stderr, never a stack trace. */
export function errorLine(e: unknown): string {
  if (e instanceof SpiceError) return `saffron: ${printableText(e.message + cliAdvice(e), 2048)}`;
  return `saffron: unexpected error: ${printableText(errorMessage(e), 2048)}`;
}

export function reportError(e: unknown, io: CliIo): number {
  io.stderr(errorLine(e));
  return exitCodeOf(e);
}
