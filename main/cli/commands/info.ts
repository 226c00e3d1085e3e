// `saffron info <uri|file.vv>`: what the server says about itself — name, uuid, channels, caps, mouse modes.
// Every server string is made printable (shared/printable-text.ts); a channel still linking when info is done is
// reported as such, never as "not supported".
import { printableText, terminalSafeJson } from '../../../shared/printable-text';
import { capsToBits } from '../../spice/transport/caps';
import { channelCapNames, commonCapNames } from '../capability-names';
import { channelTypeName } from '../../spice/channels/channel-names';
import * as E from '../../spice/protocol/enums';
import { parseArgs } from '../args';
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
    /** not-opened: see `reason`; linking: opened but its link had not finished when info was done. */
    state: 'open' | 'failed' | 'not-opened' | 'linking';
    reason?: 'unsupported' | 'disabled';
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
      const limits = limitsFromArgs(args, io);
      const config = await configFromArgs(args.positional[0]!, args, io);
      session = sessionFor(config, logger, { limits });
      const deadline = sessionDeadline(session, limits.timeoutMs, 'the server', limits.timeoutS);
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
          if (ch?.phase === 'linking') return { ...base, state: 'linking' as const };
          const error = failures.get(`${type}:${id}`);
          if (error) return { ...base, state: 'failed' as const, error };
          const reason = session!.notOpenedReason(type);
          return reason
            ? { ...base, state: 'not-opened' as const, reason }
            : { ...base, state: 'not-opened' as const };
        }),
      };
      if (args.flags.has('json')) io.stdout(terminalSafeJson(report));
      else printReport(report, io.stdout);
      return EXIT_OK;
    } catch (e) {
      return reportError(e, io);
    } finally {
      session?.close();
    }
  },
};

function printReport(r: InfoReport, out: (line: string) => void): void {
  out(`name:        ${r.name ? printableText(r.name) : '(not sent)'}`);
  out(`uuid:        ${r.uuid ? printableText(r.uuid) : '(not sent)'}`);
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
    } else if (c.state === 'failed') out(`  ${label} failed: ${printableText(c.error ?? '')}`);
    else if (c.state === 'linking') out(`  ${label} still linking (the server had not finished its link)`);
    else if (c.reason === 'disabled') out(`  ${label} not opened (disabled)`);
    else out(`  ${label} not opened (not supported by this version)`);
  }
}
