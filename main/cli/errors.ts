// Turns any failure into one clear line on stderr and the matching exit code. SpiceError messages already
// say what went wrong and what to do.
import { SpiceError, errorMessage } from '../spice/errors';
import type { CliIo } from './command';
import { EXIT_FAILURE, exitCodeFor } from './exit-codes';

export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof SpiceError) {
    io.stderr(`saffron: ${e.message}`);
    return exitCodeFor(e.code);
  }
  io.stderr(`saffron: unexpected error: ${errorMessage(e)}`);
  return EXIT_FAILURE;
}
