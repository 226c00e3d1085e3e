// `saffron`: the plain-Node command line. Each command lives in commands/; this file only dispatches.
import { version } from '../../package.json';
import type { CliCommand, CliIo } from './command';
import { benchDecodeCommand } from './commands/bench-decode';
import { infoCommand } from './commands/info';
import { screenshotCommand } from './commands/screenshot';
import { webCommand } from './commands/web';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';

export const COMMANDS: readonly CliCommand[] = [
  screenshotCommand,
  infoCommand,
  webCommand,
  benchDecodeCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `saffron ${version} — a SPICE remote viewer (command line)`,
    '',
    'Usage: saffron <command> [options]    (saffron <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? EXIT_OK : EXIT_USAGE;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(version);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`saffron: unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}
