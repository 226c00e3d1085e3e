// The shape of one `saffron <command>`: each lives in main/cli/commands/<name>.ts and is listed in main/cli/index.ts.
import type { ProcessGuard } from './process-guard';

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Environment variables (process.env in production, a fixed object in tests). */
  env: Record<string, string | undefined>;
  /** The process-level error guard (absent when run in-process by tests). */
  guard?: ProcessGuard;
  /** Milliseconds since the process started (--timeout counts from there); absent: from the command's start. */
  uptimeMs?: () => number;
  /** A terminal to draw progress on (stderr when it is a TTY); absent: progress goes out as lines. */
  progress?: { readonly columns: number; write(text: string): void };
}

export interface CliCommand {
  name: string;
  /** One line for `saffron --help`. */
  summary: string;
  /** Full usage text for `saffron <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code (see exit-codes.ts). */
  run(argv: string[], io: CliIo): Promise<number>;
}
