// The StreamOpener for spice+udpack:// (and .vv files with x-udpack-gateway): every SPICE channel becomes one
// stream of a single UDPack session with the gateway, opened on the first channel. A UDP path that does not work
// is an error with its own code ('udpack'); there is never a fallback to TCP.
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { SpiceError } from '../../errors';
import type { Logger } from '../../logger';
import type { ConnectionConfig, UdpackConfig } from '../../connect/config';
import { describeConfig } from '../../connect/config';
import { channelTypeName } from '../../channels/channel-names';
import * as E from '../../protocol/enums';
import type { OpenRequest, StreamOpener } from '../stream-opener';
import { UdpackClient, type UdpackClientOptions } from './client';
import { PRIORITY_DEFAULT, PRIORITY_INTERACTIVE } from './connection';
import { loadGatewayPublicKey } from './handshake';

const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Scheduling priority of each channel's stream: inputs never wait behind the display. */
export function priorityFor(channelType: number): number {
  switch (channelType) {
    case E.SPICE_CHANNEL_INPUTS:
      return PRIORITY_INTERACTIVE;
    case E.SPICE_CHANNEL_MAIN:
    case E.SPICE_CHANNEL_CURSOR:
    case E.SPICE_CHANNEL_PLAYBACK:
    case E.SPICE_CHANNEL_RECORD:
      return 1;
    case E.SPICE_CHANNEL_DISPLAY:
      return PRIORITY_DEFAULT;
    default:
      return 3;
  }
}

export interface UdpackOpenerDeps {
  logger: Logger;
  readTextFile?: (path: string) => Promise<string>;
  /** Overrides for tests (retries, limits, clock). */
  clientOptions?: Partial<UdpackClientOptions>;
}

export async function loadUdpackPublicKey(
  udpack: UdpackConfig,
  read: (path: string) => Promise<string>,
): Promise<KeyObject> {
  if (udpack.publicKeyPem !== undefined)
    return loadGatewayPublicKey(udpack.publicKeyPem, 'x-udpack-public-key');
  if (udpack.publicKeyFile === undefined)
    throw new SpiceError(
      'config',
      "a UDPack connection needs the gateway's public key — give --udpack-public-key FILE (the gateway-pub.pem " +
        "written by 'saffron gateway --generate-key') or x-udpack-public-key in the .vv file",
    );
  let text: string;
  try {
    text = await read(udpack.publicKeyFile);
  } catch (e) {
    throw new SpiceError(
      'config',
      `cannot read the UDPack public key '${udpack.publicKeyFile}': ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (text.length > MAX_KEY_FILE_BYTES)
    throw new SpiceError('config', `'${udpack.publicKeyFile}' is too large to be a public key`);
  return loadGatewayPublicKey(text, `'${udpack.publicKeyFile}'`);
}

export function createUdpackOpener(config: ConnectionConfig, deps: UdpackOpenerDeps): StreamOpener {
  const udpack = config.udpack;
  if (!udpack) throw new Error('createUdpackOpener needs config.udpack');
  const read = deps.readTextFile ?? ((path: string) => readFile(path, 'utf8'));
  let pending: Promise<UdpackClient> | undefined;

  const session = (): Promise<UdpackClient> => {
    if (pending) {
      const current = pending;
      return current.then((client) => {
        if (!client.isClosed) return client;
        if (pending === current) pending = undefined;
        return session();
      });
    }
    const started = (async () => {
      const publicKey = await loadUdpackPublicKey(udpack, read);
      return UdpackClient.connect({
        gatewayHost: udpack.gatewayHost,
        gatewayPort: udpack.gatewayPort,
        publicKey,
        token: udpack.token ?? '',
        logger: deps.logger,
        ...deps.clientOptions,
      });
    })();
    pending = started;
    // A failed handshake is retried by the next open (the next reconnect), not cached.
    started.catch(() => {
      if (pending === started) pending = undefined;
    });
    return started;
  };

  return {
    async open(request: OpenRequest): Promise<Duplex> {
      const what = `${channelTypeName(request.channelType)}:${request.channelId}`;
      if (request.secure)
        throw new SpiceError(
          'config',
          `the ${what} channel asks for TLS, but a UDPack connection has no TLS port: UDPack itself encrypts every ` +
            'channel up to the gateway — drop --secure-channels / secure-channels, and give the gateway a plain SPICE port',
        );
      const client = await session();
      if (request.signal?.aborted) throw new SpiceError('cancelled', `opening ${what} was cancelled`);
      deps.logger.debug(`opening ${what} over UDPack`);
      return client.openStream(priorityFor(request.channelType), `${what} channel`);
    },
    // secure-channels is honoured by refusing (open() above explains), never by silently going without TLS.
    prefersSecure: (channelType: number) =>
      config.secureChannels === 'all' || config.secureChannels.includes(channelType),
    hasSecurePort: false,
    hasPlainPort: true,
    describe: () => describeConfig(config),
  };
}
