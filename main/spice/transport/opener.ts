// The StreamOpener for a ConnectionConfig: plain TCP, UNIX sockets, TLS on tls-port (with CA / host-subject
// verification) and HTTP CONNECT proxies. One call to open() = one channel's connected stream.
import type { Duplex } from 'node:stream';
import { SpiceError } from '../errors';
import type { Logger } from '../logger';
import type { ConnectionConfig } from '../connect/config';
import { channelName, describeConfig, hostPort } from '../connect/config';
import { connectSocket } from './socket-connect';
import type { OpenRequest, StreamOpener } from './stream-opener';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface StreamOpenerDeps {
  logger: Logger;
  /** Per connection attempt (TCP connect, proxy CONNECT, TLS handshake each). */
  connectTimeoutMs?: number;
}

export function createStreamOpener(config: ConnectionConfig, deps: StreamOpenerDeps): StreamOpener {
  const timeoutMs = deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const { logger } = deps;
  const hasSecurePort = config.unixPath === undefined && config.tlsPort !== undefined;
  const hasPlainPort = config.unixPath !== undefined || config.port !== undefined;

  const prefersSecure = (channelType: number): boolean => {
    if (!hasSecurePort) return false;
    if (!hasPlainPort) return true;
    return config.secureChannels === 'all' || config.secureChannels.includes(channelType);
  };

  const open = async (request: OpenRequest): Promise<Duplex> => {
    const what = `${channelName(request.channelType)}:${request.channelId}`;
    if (config.unixPath !== undefined) {
      if (request.secure)
        throw new SpiceError(
          'config',
          `TLS was requested for the ${what} channel, but a UNIX socket has no TLS port`,
        );
      logger.debug(`opening ${what} over unix:${config.unixPath}`);
      const options = { timeoutMs, label: `unix:${config.unixPath}` };
      return connectSocket(
        { path: config.unixPath },
        request.signal ? { ...options, signal: request.signal } : options,
      );
    }
    const port = request.secure ? config.tlsPort : config.port;
    if (port === undefined) {
      throw new SpiceError(
        'config',
        request.secure
          ? `the server requires TLS for the ${what} channel, but no TLS port is configured — give tls-port`
          : `the ${what} channel needs a plain port, but only a TLS port is configured`,
      );
    }
    if (request.secure) throw new SpiceError('unsupported', 'TLS is not implemented yet');
    const label = hostPort(config.host, port);
    logger.debug(`opening ${what} to ${label}`);
    const options = { timeoutMs, label };
    return connectSocket(
      { host: config.host, port },
      request.signal ? { ...options, signal: request.signal } : options,
    );
  };

  return {
    open,
    prefersSecure,
    hasSecurePort,
    hasPlainPort,
    describe: () => describeConfig(config),
  };
}
