// The StreamOpener for a ConnectionConfig: plain TCP, UNIX sockets, TLS on tls-port (CA + host-name or
// host-subject verification, tls-ciphers) and HTTP CONNECT proxies (every channel goes through the proxy;
// TLS runs inside the tunnel). One open() = one channel's connected, verified stream.
import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { SpiceError } from '../errors';
import type { Logger } from '../logger';
import type { ConnectionConfig } from '../connect/config';
import { channelTypeName } from '../channels/channel-names';
import { describeConfig, hostPort } from '../connect/config';
import { openProxyTunnel } from './http-connect';
import { connectSocket } from './socket-connect';
import type { OpenRequest, StreamOpener } from './stream-opener';
import { parseHostSubject } from './cert-subject';
import { pemSubjects, upgradeToTls } from './tls-upgrade';
import { createUdpackOpener } from './udpack/udpack-opener';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Where distributions keep the system CA bundle (first readable one is used with Node's bundled roots). */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, BSDs
];

export interface StreamOpenerDeps {
  logger: Logger;
  /** Per step (TCP connect, proxy CONNECT, TLS handshake). */
  connectTimeoutMs?: number;
  /** Reads a file (CA file, system bundle); injectable for tests. */
  readTextFile?: (path: string) => Promise<string>;
}

const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

export function createStreamOpener(config: ConnectionConfig, deps: StreamOpenerDeps): StreamOpener {
  if (config.udpack) return createUdpackOpener(config, deps);
  const timeoutMs = deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const { logger } = deps;
  const read = deps.readTextFile ?? ((path: string) => readFile(path, 'utf8'));
  const hasSecurePort = config.unixPath === undefined && config.tlsPort !== undefined;
  const hasPlainPort = config.unixPath !== undefined || config.port !== undefined;
  // Validate host-subject up front so a typo is a config error, not a TLS failure per channel.
  if (config.hostSubject !== undefined) parseHostSubject(config.hostSubject);

  let caPromise: Promise<string | undefined> | undefined;
  const loadCa = (): Promise<string | undefined> => {
    caPromise ??= (async () => {
      if (config.ca !== undefined) return config.ca;
      if (config.caFile !== undefined) {
        let text: string;
        try {
          text = await read(config.caFile);
        } catch (e) {
          throw new SpiceError(
            'config',
            `cannot read the CA file '${config.caFile}': ${(e as Error).message}`,
            {
              cause: e,
            },
          );
        }
        if (text.length > MAX_CA_FILE_BYTES)
          throw new SpiceError('config', `the CA file '${config.caFile}' is too large`);
        if (pemSubjects(text).length === 0)
          throw new SpiceError('config', `the CA file '${config.caFile}' holds no PEM certificate`);
        return text;
      }
      // Node's bundled Mozilla roots plus the operating system's bundle (which may hold a local CA).
      for (const path of SYSTEM_CA_BUNDLES) {
        try {
          const system = await read(path);
          logger.debug(`using the system CA bundle ${path} and Node's bundled roots`);
          return `${tls.rootCertificates.join('\n')}\n${system}`;
        } catch {
          // try the next location
        }
      }
      return undefined;
    })();
    // A failed load (missing CA file) is retried on the next open rather than cached forever.
    caPromise.catch(() => {
      caPromise = undefined;
    });
    return caPromise;
  };

  // A channel listed in secure-channels is never downgraded: without a TLS port, open() refuses it.
  const prefersSecure = (channelType: number): boolean => {
    if (config.secureChannels === 'all' || config.secureChannels.includes(channelType)) return true;
    return hasSecurePort && !hasPlainPort;
  };

  const withSignal = <T extends object>(options: T, signal: AbortSignal | undefined): T =>
    signal ? { ...options, signal } : options;

  const open = async (request: OpenRequest): Promise<Duplex> => {
    const what = `${channelTypeName(request.channelType)}:${request.channelId}`;
    if (config.unixPath !== undefined) {
      if (request.secure)
        throw new SpiceError(
          'config',
          `TLS is required for the ${what} channel (server or secure-channels), but a UNIX socket connection has no TLS port`,
        );
      logger.debug(`opening ${what} over unix:${config.unixPath}`);
      return connectSocket(
        { path: config.unixPath },
        withSignal({ timeoutMs, label: `unix:${config.unixPath}` }, request.signal),
      );
    }
    const port = request.secure ? config.tlsPort : config.port;
    if (port === undefined) {
      throw new SpiceError(
        'config',
        request.secure
          ? `TLS is required for the ${what} channel (server or secure-channels), but no TLS port is configured — give tls-port`
          : `the server requires a plain connection for the ${what} channel, but only a TLS port is configured — give port`,
      );
    }
    const target = hostPort(config.host, port);
    const label = config.proxy
      ? `${target} via proxy ${hostPort(config.proxy.host, config.proxy.port)}`
      : target;
    logger.debug(`opening ${what} to ${label}${request.secure ? ' (TLS)' : ''}`);
    const ca = request.secure ? await loadCa() : undefined;
    const raw: net.Socket = config.proxy
      ? await openProxyTunnel(config.proxy, config.host, port, withSignal({ timeoutMs }, request.signal))
      : await connectSocket({ host: config.host, port }, withSignal({ timeoutMs, label }, request.signal));
    if (!request.secure) return raw;
    const tlsOptions: Parameters<typeof upgradeToTls>[1] = { host: config.host, timeoutMs, label };
    if (ca !== undefined) tlsOptions.ca = ca;
    tlsOptions.customCa = config.ca !== undefined || config.caFile !== undefined;
    if (config.hostSubject !== undefined) tlsOptions.hostSubject = config.hostSubject;
    if (config.tlsCiphers !== undefined) tlsOptions.ciphers = config.tlsCiphers;
    if (request.signal) tlsOptions.signal = request.signal;
    return upgradeToTls(raw, tlsOptions);
  };

  return {
    open,
    prefersSecure,
    hasSecurePort,
    hasPlainPort,
    describe: () => describeConfig(config),
  };
}
