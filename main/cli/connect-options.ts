// What every connecting command shares: the connection flags, turning a URI/.vv into a session, and printing
// the .vv settings this version does not honour.
import { printableText } from '../../shared/printable-text';
import { channelTypeOf } from '../spice/connect/config';
import { resolveTarget, type ResolveOptions } from '../spice/connect/resolve';
import { SpiceError } from '../spice/errors';
import type { ConnectionConfig } from '../spice/connect/config';
import type { Logger } from '../spice/logger';
import { displayFeature } from '../spice/channels/display-feature';
import type { MultimediaClock } from '../spice/multimedia-clock';
import { SpiceSession } from '../spice/session';
import type { SessionFeature } from '../spice/session-feature';
import { createStreamOpener } from '../spice/transport/opener';
import { DEFAULT_MEMORY_BUDGET_BYTES } from '../spice/memory-budget';
import { numberOption, type ArgSpec, type ParsedArgs } from './args';
import { videoPreferenceOption } from '../spice/video/video-caps';
import { parseVideoCodecList } from '../../shared/video-codecs';
import type { CliIo } from './command';

export const CONNECT_ARG_SPEC: Required<Pick<ArgSpec, 'values' | 'booleans'>> = {
  values: [
    'password',
    'proxy',
    'ca-file',
    'host-subject',
    'tls-ciphers',
    'secure-channels',
    'timeout',
    'max-memory',
    'udpack-public-key',
    'udpack-token',
    'video-codecs',
  ],
  booleans: ['verbose'],
};

export const CONNECT_USAGE = `Connection options:
  --password P        SPICE password (ticket); also from the URI or .vv file
  --proxy URL         HTTP CONNECT proxy (http://[user:pass@]host:port); default: .vv proxy, then SPICE_PROXY
  --ca-file FILE      PEM CA bundle to verify TLS servers (default: the .vv ca, else the system store)
  --host-subject S    expected certificate subject, e.g. "C=US,O=Example,CN=host" (replaces the hostname check)
  --tls-ciphers LIST  OpenSSL cipher list for TLS channels
  --secure-channels L channels that must use TLS: 'all' or a list such as main,display,inputs
  --timeout SECONDS   give up after this long, whatever the server does (default 30)
  --max-memory MIB    most memory the server may make Saffron hold (default ${DEFAULT_MEMORY_BUDGET_BYTES / 1024 / 1024})
  --udpack-public-key FILE  the UDPack gateway's public key (gateway-pub.pem), for spice+udpack://GATEWAY:PORT
  --udpack-token T    the token the UDPack gateway checks (default: SAFFRON_UDPACK_TOKEN)
  --video-codecs LIST video codecs allowed, preferred first: mjpeg,vp8,vp9,h264,h265 or none (default: all
                      the viewer decodes, in the server's order)
  --verbose           log protocol progress to stderr`;

/** Default --timeout in seconds. */
export const DEFAULT_TIMEOUT_S = 30;

/** The limits every connecting command takes from its flags. */
export interface SessionLimits {
  /** Hard deadline of the command (what is left of --timeout); also the link and connect timeouts. */
  timeoutMs: number;
  /** --timeout as given, in seconds (for messages). */
  timeoutS: number;
  maxMemoryBytes: number;
}

/** --timeout and --max-memory; the deadline counts from the process start when `io` knows it. */
export function limitsFromArgs(args: ParsedArgs, io?: Pick<CliIo, 'uptimeMs'>): SessionLimits {
  const timeoutS = numberOption(args, 'timeout', DEFAULT_TIMEOUT_S);
  if (timeoutS <= 0) throw new SpiceError('config', '--timeout must be more than 0 seconds');
  const memoryMiB = numberOption(args, 'max-memory', DEFAULT_MEMORY_BUDGET_BYTES / 1024 / 1024);
  if (memoryMiB < 16) throw new SpiceError('config', '--max-memory must be at least 16 (MiB)');
  const spent = Math.min(io?.uptimeMs?.() ?? 0, timeoutS * 500);
  return {
    timeoutMs: timeoutS * 1000 - spent,
    timeoutS,
    maxMemoryBytes: Math.floor(memoryMiB * 1024 * 1024),
  };
}

export async function configFromArgs(
  target: string,
  args: ParsedArgs,
  io: CliIo,
  extra: Omit<ResolveOptions, 'env'> = {},
): Promise<ConnectionConfig> {
  const options: ResolveOptions = { ...extra, env: io.env };
  const set = <K extends keyof ResolveOptions>(key: K, flag: string): void => {
    const value = args.values.get(flag);
    if (value !== undefined) options[key] = value as ResolveOptions[K];
  };
  set('password', 'password');
  set('proxy', 'proxy');
  set('caFile', 'ca-file');
  set('hostSubject', 'host-subject');
  set('tlsCiphers', 'tls-ciphers');
  set('udpackPublicKeyFile', 'udpack-public-key');
  set('udpackToken', 'udpack-token');
  const secure = args.values.get('secure-channels');
  if (secure !== undefined) options.secureChannels = parseChannelList(secure);
  const videoCodecs = args.values.get('video-codecs');
  if (videoCodecs !== undefined) {
    try {
      options.videoCodecs = parseVideoCodecList(videoCodecs);
    } catch (e) {
      throw new SpiceError('config', `--video-codecs: ${(e as Error).message}`);
    }
  }
  const config = await resolveTarget(target, options);
  // A .vv file is downloaded from a server too: its text is made printable like any server string.
  for (const u of config.unsupported)
    io.stderr(`saffron: warning: ${printableText(`${u.key}: ${u.reason}`)}`);
  for (const note of config.notes) io.stderr(`saffron: ${printableText(note)}`);
  return config;
}

/** 'all' or comma/semicolon separated channel names → SPICE_CHANNEL_* values. */
export function parseChannelList(text: string): 'all' | number[] {
  if (text.trim().toLowerCase() === 'all') return 'all';
  return text
    .split(/[,;]/)
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => {
      const type = channelTypeOf(name);
      if (type === undefined)
        throw new SpiceError('config', `unknown channel '${name}' in --secure-channels`);
      return type;
    });
}

/**
 * A session for a one-shot command: display channels decode inline (a worker start would cost more); `features`
 * adds what the command needs beyond the display (a playback channel, USB redirection), at construction. With
 * `limits`, the connect and link timeouts follow --timeout and --max-memory caps what the server can make it hold.
 */
export function sessionFor(
  config: ConnectionConfig,
  logger: Logger,
  extra: { features?: readonly SessionFeature[]; clock?: MultimediaClock; limits?: SessionLimits } = {},
): SpiceSession {
  const { limits } = extra;
  return new SpiceSession({
    opener: createStreamOpener(config, { logger, ...(limits ? { connectTimeoutMs: limits.timeoutMs } : {}) }),
    ...(config.password !== undefined ? { password: config.password } : {}),
    logger,
    disableChannels: config.disableChannels,
    ...(limits ? { linkTimeoutMs: limits.timeoutMs, maxMemoryBytes: limits.maxMemoryBytes } : {}),
    ...(extra.clock ? { clock: extra.clock } : {}),
    features: [
      displayFeature({ logger, decodeInWorkers: false, ...videoPreferenceOption(config) }),
      ...(extra.features ?? []),
    ],
  });
}
