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
import { WorkerUdpackClient, locateTransportWorker } from './worker-transport';

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
  /**
   * Where the transport runs: 'worker' (default) keeps its packets and timers in a worker thread, away from decoding
   * on this one; 'inline' runs it on this thread (tests with a virtual clock, or when the worker file is missing).
   */
  thread?: 'worker' | 'inline';
}

/** What the opener needs of a session, whichever thread runs it. */
interface SessionClient {
  readonly isClosed: boolean;
  openStream(priority: number, what: string): Duplex;
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
  let pending: Promise<SessionClient> | undefined;

  const connect = async (): Promise<SessionClient> => {
    const publicKey = await loadUdpackPublicKey(udpack, read);
    const common = {
      gatewayHost: udpack.gatewayHost,
      gatewayPort: udpack.gatewayPort,
      token: udpack.token ?? '',
      logger: deps.logger,
    };
    const workerPath = deps.thread === 'inline' ? undefined : locateTransportWorker();
    if (workerPath === undefined) {
      if (deps.thread !== 'inline')
        deps.logger.warn('the UDPack transport worker is missing; running the transport on this thread');
      return UdpackClient.connect({ ...common, publicKey, ...deps.clientOptions });
    }
    const { handshakeRetries, handshakeTimeoutMs } = deps.clientOptions ?? {};
    return WorkerUdpackClient.connect({
      ...common,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      workerPath,
      verbose: true,
      ...(handshakeRetries !== undefined ? { handshakeRetries } : {}),
      ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}),
    });
  };

  const session = (): Promise<SessionClient> => {
    if (pending) {
      const current = pending;
      return current.then((client) => {
        if (!client.isClosed) return client;
        if (pending === current) pending = undefined;
        return session();
      });
    }
    const started = connect();
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
