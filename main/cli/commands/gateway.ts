// `saffron gateway`: the UDPack gateway next to a SPICE server (docs/udpack.md), or `--generate-key DIR` to make
// its key pair. Serves until SIGINT/SIGTERM; sessions are logged on stderr (never keys or tokens).
import { SpiceError, errorMessage } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import { parseSpiceUri } from '../../spice/connect/uri';
import { keyFingerprint } from '../../spice/transport/udpack/handshake';
import { formatAddress } from '../../spice/transport/udpack/path';
import { generateGatewayKeys, loadGatewayPrivateKey } from '../../gateway/gateway-keys';
import type { GatewayTarget } from '../../gateway/gateway-session';
import { loadTokenFile } from '../../gateway/token-file';
import { UdpackGateway } from '../../gateway/udpack-gateway';
import { parseArgs } from '../args';
import type { CliCommand, CliIo } from '../command';
import { reportError } from '../errors';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';

const USAGE = `Usage: saffron gateway --listen udp://ADDR:PORT --target spice://HOST:PORT --key gateway-key.pem [--tokens FILE]
       saffron gateway --generate-key DIR

Runs a UDPack gateway next to a SPICE server: clients connect with spice+udpack://GATEWAY:PORT over UDP
(encrypted, loss-tolerant, surviving address changes), and each of their SPICE channels becomes one TCP
connection from here to --target. The target is fixed here; clients cannot choose another (no open relay).

  --listen udp://ADDR:PORT  UDP address to serve (e.g. udp://0.0.0.0:5999, udp://[::]:5999)
  --target URI              the SPICE server: spice://HOST:PORT (its plain port) or spice+unix:///PATH
  --key FILE                the gateway's private key (gateway-key.pem)
  --tokens FILE             accepted tokens, one per line (# comments); re-read when it changes.
                            Without it every client holding the public key is accepted.
  --max-sessions N          concurrent sessions (default 64)
  --generate-key DIR        write DIR/gateway-key.pem (private, mode 0600) and DIR/gateway-pub.pem (give this
                            to clients: --udpack-public-key, or inline as x-udpack-public-key in a .vv file)
  --verbose                 log stream and path details too

Prints "listening udp://ADDR:PORT" on stdout once serving. Details: docs/udpack.md.`;

function gatewayLogger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>): void =>
    io.stderr(
      `saffron gateway: ${level}${message}${fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : ''}`,
    );
  return {
    debug: (m, f) => verbose && line('', m, f),
    info: (m, f) => line('', m, f),
    warn: (m, f) => line('warning: ', m, f),
    error: (m, f) => line('error: ', m, f),
  };
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^udp:\/\/(?:\[([0-9a-fA-F:.]+)\]|([^:/[\]]+)):(\d{1,5})\/?$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new SpiceError('config', `--listen '${value}' is not udp://ADDR:PORT (e.g. udp://0.0.0.0:5999)`);
  return { host: m[1] ?? m[2] ?? '', port };
}

export function parseTarget(value: string): GatewayTarget {
  const config = parseSpiceUri(value);
  if (config.unixPath !== undefined) return { path: config.unixPath };
  if (config.port === undefined)
    throw new SpiceError(
      'config',
      `--target '${value}' names only a TLS port; the gateway connects to the SPICE server's plain port ` +
        '(run it on the same host or a trusted network: UDPack encrypts the way from the client to the gateway)',
    );
  if (config.password !== undefined)
    throw new SpiceError(
      'config',
      '--target must not carry a password: clients give the SPICE password themselves, through the gateway',
    );
  return { host: config.host, port: config.port };
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export const gatewayCommand: CliCommand = {
  name: 'gateway',
  summary: 'run a UDPack gateway (SPICE over lossy WAN links) in front of a SPICE server',
  usage: USAGE,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, {
        values: ['listen', 'target', 'key', 'tokens', 'generate-key', 'max-sessions'],
        booleans: ['verbose'],
      });
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (args.positional.length > 0) {
      io.stderr(`saffron gateway: unexpected argument '${args.positional[0]}'\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const keyDir = args.values.get('generate-key');
    if (keyDir !== undefined) {
      try {
        const { privatePath, publicPath } = await generateGatewayKeys(keyDir);
        const key = await loadGatewayPrivateKey(privatePath);
        io.stdout(`wrote ${privatePath} (keep it secret) and ${publicPath} (give it to clients)`);
        io.stdout(`key fingerprint ${keyFingerprint(key)}`);
        return EXIT_OK;
      } catch (e) {
        return reportError(e, io);
      }
    }
    const listen = args.values.get('listen');
    const target = args.values.get('target');
    const keyPath = args.values.get('key');
    if (listen === undefined || target === undefined || keyPath === undefined) {
      io.stderr(`saffron gateway: --listen, --target and --key are required\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const logger = gatewayLogger(io, args.flags.has('verbose'));
    let gateway: UdpackGateway;
    try {
      const at = parseListen(listen);
      const spice = parseTarget(target);
      const maxText = args.values.get('max-sessions');
      const maxSessions = maxText === undefined ? 64 : Number(maxText);
      if (!Number.isInteger(maxSessions) || maxSessions < 1 || maxSessions > 65535)
        throw new SpiceError(
          'config',
          `--max-sessions must be a whole number from 1 to 65535, got '${maxText}'`,
        );
      const privateKey = await loadGatewayPrivateKey(keyPath);
      const tokensPath = args.values.get('tokens');
      let verifyToken: (token: string) => Promise<boolean>;
      if (tokensPath !== undefined) {
        const tokens = await loadTokenFile(tokensPath);
        logger.info(`accepting the ${tokens.count} token(s) of ${tokensPath}`);
        verifyToken = (token) => tokens.verify(token);
      } else {
        logger.warn(
          'no --tokens: every client holding the public key is accepted (the SPICE password is the only check)',
        );
        verifyToken = () => Promise.resolve(true);
      }
      try {
        gateway = await UdpackGateway.start({
          listenHost: at.host,
          listenPort: at.port,
          target: spice,
          privateKey,
          verifyToken,
          logger,
          maxSessions,
        });
      } catch (e) {
        throw new SpiceError('config', `cannot listen on ${listen}: ${errorMessage(e)}`, { cause: e });
      }
    } catch (e) {
      return reportError(e, io);
    }
    io.stdout(`listening udp://${formatAddress(gateway.address())}`);
    const signal = await untilSignal();
    logger.info(`${signal}: closing ${gateway.sessionCount} session(s)`);
    await gateway.close();
    return EXIT_OK;
  },
};
