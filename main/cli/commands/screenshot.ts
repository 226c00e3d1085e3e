// `saffron screenshot <uri|file.vv> -o out.png`: connect, wait until the primary surface is complete (MARK)
// and quiet, write it as PNG, exit 0. Only the main and display channels are opened.
import { writeFile } from 'node:fs/promises';
import { SpiceError } from '../../spice/errors';
import * as E from '../../spice/protocol/enums';
import { numberOption, parseArgs } from '../args';
import { cliLogger } from '../cli-logger';
import type { CliCommand } from '../command';
import type { SpiceSession } from '../../spice/session';
import { CONNECT_ARG_SPEC, CONNECT_USAGE, configFromArgs, sessionFor } from '../connect-options';
import { reportError } from '../errors';
import { encodeRgbPng } from '../png';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { quietTimer, sessionDeadline } from '../wait';

/** Every channel type except main and display: a screenshot needs nothing else. */
const NOT_NEEDED = [
  E.SPICE_CHANNEL_INPUTS,
  E.SPICE_CHANNEL_CURSOR,
  E.SPICE_CHANNEL_PLAYBACK,
  E.SPICE_CHANNEL_RECORD,
  E.SPICE_CHANNEL_TUNNEL,
  E.SPICE_CHANNEL_SMARTCARD,
  E.SPICE_CHANNEL_USBREDIR,
  E.SPICE_CHANNEL_PORT,
  E.SPICE_CHANNEL_WEBDAV,
];

export const screenshotCommand: CliCommand = {
  name: 'screenshot',
  summary: 'save the VM screen as a PNG',
  usage: `Usage: saffron screenshot <spice://host:port | file.vv> -o out.png [options]

Connects, waits until the primary surface is complete and has been quiet for --quiet-ms, writes a PNG.
  -o, --output FILE   where to write the PNG (required)
  --display N         display channel id (default 0)
  --quiet-ms MS       how long the screen must be unchanged after the frame mark (default 30)

${CONNECT_USAGE}`,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, {
        values: [...CONNECT_ARG_SPEC.values, 'output', 'display', 'quiet-ms'],
        booleans: CONNECT_ARG_SPEC.booleans,
        aliases: { o: 'output' },
      });
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(this.usage);
      return EXIT_OK;
    }
    const output = args.values.get('output');
    if (args.positional.length !== 1 || !output) {
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    const logger = cliLogger(io.stderr, args.flags.has('verbose'));
    let session: SpiceSession | undefined;
    try {
      const displayId = numberOption(args, 'display', 0);
      const quietMs = numberOption(args, 'quiet-ms', 30);
      const config = await configFromArgs(args.positional[0]!, args, io);
      config.disableChannels = [...new Set([...config.disableChannels, ...NOT_NEEDED])];
      if (config.disableChannels.includes(E.SPICE_CHANNEL_DISPLAY)) {
        throw new SpiceError(
          'config',
          'the display channel is disabled (disable-channels), so there is nothing to capture',
        );
      }
      session = sessionFor(config, logger);
      const deadline = sessionDeadline(
        session,
        numberOption(args, 'timeout', 30) * 1000,
        'a complete screen',
      );
      let primary = -1;
      let marked = false;
      const quiet = quietTimer(quietMs, false);
      session.on('surface-create', (s) => {
        if (s.channelId === displayId && s.primary) primary = s.surfaceId;
      });
      session.on('mark', (m) => {
        if (m.channelId === displayId && primary >= 0) {
          marked = true;
          quiet.poke();
        }
      });
      session.on('damage', (d) => {
        if (d.channelId === displayId && marked) quiet.poke();
      });
      session.on('channel-error', (e) => {
        if (e.type === E.SPICE_CHANNEL_DISPLAY && e.id === displayId)
          logger.warn(`display: ${e.error.message}`);
      });
      try {
        await Promise.race([session.connect(), deadline.promise]);
        await Promise.race([quiet.promise, deadline.promise]);
      } finally {
        deadline.cancel();
        quiet.cancel();
      }
      const surface = session.getSurface(displayId, primary);
      if (!surface)
        throw new SpiceError('protocol', 'the server marked a frame but the primary surface is missing');
      await writeFile(output, encodeRgbPng(surface.width, surface.height, surface.pixels));
      logger.info(`wrote ${output} (${surface.width}x${surface.height})`);
      return EXIT_OK;
    } catch (e) {
      return reportError(e, io);
    } finally {
      session?.close();
    }
  },
};
