// Process entry of the `saffron` CLI (bundled to dist/cli.cjs): wires stdio and the exit code to main().
import { main } from './index';

// A closed pipe (`saffron info … | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  env: process.env,
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
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`saffron: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
