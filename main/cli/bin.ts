// Process entry of the `saffron` CLI (bundled to dist/cli.cjs): wires stdio, the process guard and the exit code
// to main(). The process exits as soon as the command is done, whatever a server is still doing.
import { errorLine, exitCodeOf } from './errors';
import { main } from './index';
import { installProcessGuard } from './process-guard';

const stderr = (line: string): void => {
  process.stderr.write(line + '\n');
};

// A closed pipe (`saffron info … | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  stderr(errorLine(e));
  process.exit(exitCodeOf(e));
});

const guard = installProcessGuard(process, stderr);

// stdout and stderr are synchronous for files, pipes and terminals on Linux, so exiting loses no output.
main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr,
  env: process.env,
  guard,
  // performance.now() counts from the process start: --timeout includes Node's own start-up.
  uptimeMs: () => performance.now(),
  // Progress bars only on a terminal; `columns` follows resizes.
  ...(process.stderr.isTTY
    ? {
        progress: {
          get columns() {
            return process.stderr.columns || 80;
          },
          write: (text: string) => process.stderr.write(text),
        },
      }
    : {}),
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    stderr(errorLine(e));
    process.exit(exitCodeOf(e));
  },
);
