// `saffron info <uri|file.vv>`: what the server says about itself — name, uuid, channels, caps, mouse modes.
import { capsToBits } from '../../spice/transport/caps';
import { channelCapNames, commonCapNames } from '../capability-names';
import { channelTypeName } from '../../spice/channels/channel-names';
import * as E from '../../spice/protocol/enums';
import { numberOption, parseArgs } from '../args';
import { cliLogger } from '../cli-logger';
import type { CliCommand } from '../command';
import type { SpiceSession } from '../../spice/session';
import { CONNECT_ARG_SPEC, CONNECT_USAGE, configFromArgs, sessionFor } from '../connect-options';
import { reportError } from '../errors';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { quietTimer, sessionDeadline } from '../wait';

const MOUSE_MODES: [number, string][] = [
  [E.SPICE_MOUSE_MODE_SERVER, 'server'],
  [E.SPICE_MOUSE_MODE_CLIENT, 'client'],
];

function modeNames(mask: number): string[] {
  return MOUSE_MODES.filter(([bit]) => mask & bit).map(([, name]) => name);
}

export interface InfoReport {
  name: string;
  uuid: string;
  sessionId: number;
  mouseModes: { supported: string[]; current: string[] };
  agentConnected: boolean;
  channels: {
    type: string;
    id: number;
    state: 'open' | 'failed' | 'not-opened';
    secure?: boolean;
    /** Capability bit numbers, and the same bits by spice-protocol name (MINI_HEADER, CODEC_VP8, …). */
    serverCommonCaps?: number[];
    serverChannelCaps?: number[];
    clientChannelCaps?: number[];
    serverCommonCapNames?: string[];
    serverChannelCapNames?: string[];
    clientChannelCapNames?: string[];
    error?: string;
  }[];
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'show the server name, uuid, channels, capabilities and mouse modes',
  usage: `Usage: saffron info <spice://host:port | file.vv> [--json] [options]

Connects, links every channel the server lists, prints what it learned, and disconnects.
  --json              one JSON object on stdout

${CONNECT_USAGE}`,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, {
        values: CONNECT_ARG_SPEC.values,
        booleans: [...CONNECT_ARG_SPEC.booleans, 'json'],
      });
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(this.usage);
      return EXIT_OK;
    }
    if (args.positional.length !== 1) {
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    const logger = cliLogger(io.stderr, args.flags.has('verbose'));
    let session: SpiceSession | undefined;
    try {
      const config = await configFromArgs(args.positional[0]!, args, io);
      session = sessionFor(config, logger);
      const deadline = sessionDeadline(session, numberOption(args, 'timeout', 30) * 1000, 'the server');
      const failures = new Map<string, string>();
      const settle = quietTimer(1500);
      session.on('channels', settle.poke);
      session.on('channel-open', settle.poke);
      session.on('channel-error', (e) => {
        failures.set(`${e.type}:${e.id}`, e.error.message);
        settle.poke();
      });
      session.on('name', settle.poke);
      try {
        await Promise.race([session.connect(), deadline.promise]);
        await Promise.race([settle.promise, deadline.promise]);
      } finally {
        deadline.cancel();
        settle.cancel();
      }
      const main = session.mainChannel!;
      const listed = new Map<string, { type: number; id: number }>();
      listed.set(`${E.SPICE_CHANNEL_MAIN}:0`, { type: E.SPICE_CHANNEL_MAIN, id: 0 });
      for (const c of session.listedChannels) listed.set(`${c.type}:${c.id}`, c);
      const report: InfoReport = {
        name: session.vmName,
        uuid: session.vmUuid,
        sessionId: session.connectionId,
        mouseModes: {
          supported: modeNames(main.supportedMouseModes),
          current: modeNames(main.currentMouseMode),
        },
        agentConnected: main.agentConnected,
        channels: [...listed.values()].map(({ type, id }) => {
          const ch = session!.getChannel(type, id);
          const base = { type: channelTypeName(type), id };
          if (ch?.isReady) {
            const serverCommonCaps = capsToBits(ch.serverCommonCaps);
            const serverChannelCaps = capsToBits(ch.serverChannelCaps);
            return {
              ...base,
              state: 'open' as const,
              secure: ch.isSecure,
              serverCommonCaps,
              serverChannelCaps,
              clientChannelCaps: ch.offeredCaps,
              serverCommonCapNames: commonCapNames(serverCommonCaps),
              serverChannelCapNames: channelCapNames(type, serverChannelCaps),
              clientChannelCapNames: channelCapNames(type, ch.offeredCaps),
            };
          }
          const error = failures.get(`${type}:${id}`);
          return error
            ? { ...base, state: 'failed' as const, error }
            : { ...base, state: 'not-opened' as const };
        }),
      };
      if (args.flags.has('json')) io.stdout(JSON.stringify(report));
      else printReport(report, io.stdout);
      return EXIT_OK;
    } catch (e) {
      return reportError(e, io);
    } finally {
      session?.close();
    }
  },
};

/** Server-controlled text for a terminal: control characters (ESC, BEL, C1 CSI, …) become '?'. */
function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

function printReport(r: InfoReport, out: (line: string) => void): void {
  out(`name:        ${r.name ? printable(r.name) : '(not sent)'}`);
  out(`uuid:        ${r.uuid || '(not sent)'}`);
  out(`session id:  ${r.sessionId}`);
  out(
    `mouse modes: ${r.mouseModes.supported.join(', ') || 'none'} (current: ${r.mouseModes.current.join(', ') || 'none'})`,
  );
  out(`agent:       ${r.agentConnected ? 'connected' : 'not connected'}`);
  out('channels:');
  for (const c of r.channels) {
    const label = (c.id ? `${c.type}:${c.id}` : c.type).padEnd(12);
    if (c.state === 'open') {
      out(
        `  ${label} open${c.secure ? ' (TLS)' : ''}  server caps: common [${(c.serverCommonCapNames ?? []).join(', ')}] channel [${(c.serverChannelCapNames ?? []).join(', ')}]`,
      );
    } else if (c.state === 'failed') out(`  ${label} failed: ${printable(c.error ?? '')}`);
    else out(`  ${label} not opened (not supported by this version or disabled)`);
  }
}
