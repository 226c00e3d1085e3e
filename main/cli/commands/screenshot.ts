// `saffron screenshot <uri|file.vv> -o out.png`: connect, wait until the primary surface is complete (MARK)
// and quiet, write it as PNG, exit 0. Only the main and display channels are opened. It fails fast — without
// waiting for the timeout — when the display it needs does not exist or its channel fails.
import { SpiceError } from '../../spice/errors';
import { MemoryBudgetError } from '../../spice/memory-budget';
import * as E from '../../spice/protocol/enums';
import { numberOption, parseArgs } from '../args';
import { cliLogger } from '../cli-logger';
import type { CliCommand } from '../command';
import type { SpiceSession } from '../../spice/session';
import {
  CONNECT_ARG_SPEC,
  CONNECT_USAGE,
  configFromArgs,
  limitsFromArgs,
  sessionFor,
} from '../connect-options';
import { reportError } from '../errors';
import { checkOutputPath, writeOutput } from '../output-file';
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
    if (!output) {
      io.stderr('saffron screenshot: -o FILE is missing: say where to write the PNG, e.g. -o screen.png');
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    if (args.positional.length !== 1) {
      io.stderr(
        `saffron screenshot: give exactly one spice:// address or .vv file (got ${args.positional.length})`,
      );
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    const logger = cliLogger(io.stderr, args.flags.has('verbose'));
    let session: SpiceSession | undefined;
    try {
      const displayId = numberOption(args, 'display', 0);
      if (!Number.isInteger(displayId) || displayId > 255)
        throw new SpiceError('config', `--display must be a display number 0-255, got '${displayId}'`);
      const quietMs = numberOption(args, 'quiet-ms', 30);
      const limits = limitsFromArgs(args, io);
      await checkOutputPath(output);
      const config = await configFromArgs(args.positional[0]!, args, io);
      config.disableChannels = [...new Set([...config.disableChannels, ...NOT_NEEDED])];
      if (config.disableChannels.includes(E.SPICE_CHANNEL_DISPLAY)) {
        throw new SpiceError(
          'config',
          'the display channel is disabled (disable-channels), so there is nothing to capture',
        );
      }
      session = sessionFor(config, logger, { limits });
      const deadline = sessionDeadline(session, limits.timeoutMs, 'a complete screen', limits.timeoutS);
      const lost = displayLost(session, displayId, () => primary >= 0);
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
        if (e.type === E.SPICE_CHANNEL_DISPLAY && e.id === displayId && session?.getChannel(e.type, e.id))
          logger.warn(`display: ${e.error.message}`);
      });
      try {
        await Promise.race([session.connect(), deadline.promise, lost.promise]);
        await Promise.race([quiet.promise, deadline.promise, lost.promise]);
      } finally {
        deadline.cancel();
        quiet.cancel();
        lost.cancel();
      }
      const surface = session.getSurface(displayId, primary);
      if (!surface)
        throw new SpiceError('protocol', 'the server marked a frame but the primary surface is missing');
      await writeOutput(output, encodeRgbPng(surface.width, surface.height, surface.pixels));
      logger.info(`wrote ${output} (${surface.width}x${surface.height})`);
      return EXIT_OK;
    } catch (e) {
      return reportError(e, io);
    } finally {
      session?.close();
    }
  },
};

/**
 * Rejects as soon as the screenshot cannot happen: the server's channel list has no display `displayId`, or
 * that display's channel failed (link refused, a message declaring 4 GiB, …) — instead of waiting out --timeout.
 */
function displayLost(
  session: SpiceSession,
  displayId: number,
  hasPrimary: () => boolean,
): { promise: Promise<never>; cancel: () => void } {
  const offs: (() => void)[] = [];
  const promise = new Promise<never>((_, reject) => {
    offs.push(
      session.on('channels', ({ channels }) => {
        const ids = channels.filter((c) => c.type === E.SPICE_CHANNEL_DISPLAY).map((c) => c.id);
        if (ids.includes(displayId)) return;
        reject(
          new SpiceError(
            'config',
            ids.length === 0
              ? 'the server lists no display channel: there is no screen to capture'
              : `the server has no display ${displayId} (it has display ${ids.sort((a, b) => a - b).join(', ')}): use --display ${ids[0]}`,
          ),
        );
      }),
      session.on('channel-error', (e) => {
        if (e.type !== E.SPICE_CHANNEL_DISPLAY || e.id !== displayId) return;
        // The channel is gone (not only one bad message): nothing more will be drawn.
        if (!session.getChannel(e.type, e.id)) reject(e.error);
        // The memory budget refused a surface before the primary one exists: there will be no screen to save.
        else if (e.error instanceof MemoryBudgetError && !hasPrimary()) reject(e.error);
      }),
    );
  });
  promise.catch(() => {});
  return { promise, cancel: () => offs.forEach((off) => off()) };
}
