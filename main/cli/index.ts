// `saffron`: the plain-Node command line. Each command lives in commands/; this file only dispatches, and
// loads only the command it runs (start-up time matters for one-shot commands such as `screenshot`).
import { version } from '../../package.json';
import type { CliCommand, CliIo } from './command';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';

export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  screenshot: async () => (await import('./commands/screenshot')).screenshotCommand,
  info: async () => (await import('./commands/info')).infoCommand,
  web: async () => (await import('./commands/web')).webCommand,
  usb: async () => (await import('./commands/usb')).usbCommand,
  'send-file': async () => (await import('./commands/send-file')).sendFileCommand,
  'bench-decode': async () => (await import('./commands/bench-decode')).benchDecodeCommand,
  'capture-audio': async () => (await import('./commands/capture-audio')).captureAudioCommand,
  gateway: async () => (await import('./commands/gateway')).gatewayCommand,
};

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMAND_LOADERS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `saffron ${version} — a SPICE remote viewer (command line)`,
    '',
    'Usage: saffron <command> [options]    (saffron <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(await usage());
    return name ? EXIT_OK : EXIT_USAGE;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(version);
    return EXIT_OK;
  }
  const load = Object.hasOwn(COMMAND_LOADERS, name) ? COMMAND_LOADERS[name] : undefined;
  if (!load) {
    io.stderr(`saffron: unknown command '${name}'\n\n${await usage()}`);
    return EXIT_USAGE;
  }
  return (await load()).run(rest, io);
}
