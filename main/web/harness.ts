// `saffron web` as a library: the HTTP/WebSocket server in this process, the SPICE session in a session process
// (a Node child; WebViews restarts it if it dies). The CLI command and the end-to-end tests both start it here.
import type { ConnectionConfig } from '../spice/connect/config';
import type { Logger } from '../spice/logger';
import { spawnSessionProcess, type SocketProcessLink } from '../ipc/socket-process-link';
import type { SessionProcessOptions } from '../session/process/run';
import { inProcessSessionLauncher } from '../session/process/in-process';
import type { UsbLaunchOptions } from '../session/bridges/usb-launch-options';
import type { AgentSettings } from '../../shared/contract';
import { WebViews } from './web-views';
import { startWebServer } from './web-server';
import type { WebServer } from './web-server';

export interface WebHarnessOptions {
  rendererDir: string;
  listenHost?: string;
  listenPort?: number;
  logger: Logger;
  env: Record<string, string | undefined>;
  /** Connect at once (otherwise the page shows the connect form). */
  config?: ConnectionConfig;
  /** Forward the session process's debug log records. */
  debug?: boolean;
  /** Test seam: run the session process in this process with a scripted session (tests that reach into it). */
  sessionDeps?: SessionProcessOptions['sessionDeps'];
  /** Test seam: start the session process some other way. */
  launch?: () => SocketProcessLink;
  /** A tab whose socket buffers more than this is too slow and is disconnected. */
  maxBufferedBytes?: number;
  /** Where the user's settings are kept (`saffron web`: the user's config directory); memory when absent. */
  settingsFile?: string;
  /** USB images and filters (`--share-cd`, `--usb-auto-redirect`, …); typed image paths need a loopback listen. */
  usb?: UsbLaunchOptions;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Reconnect by itself when a connection drops (default true). */
  autoReconnect?: boolean;
  /** The sessions' memory budget in bytes (`saffron web --max-memory`). */
  maxMemoryBytes?: number;
  /** Agent settings set by the command line for this run (`--auto-resize`). */
  agent?: Partial<AgentSettings>;
}

export interface WebHarness {
  readonly url: string;
  readonly server: WebServer;
  readonly views: WebViews;
  close(): Promise<void>;
}

export async function startWebHarness(options: WebHarnessOptions): Promise<WebHarness> {
  const launch =
    options.launch ??
    (options.sessionDeps
      ? inProcessSessionLauncher({ sessionDeps: options.sessionDeps })
      : () => spawnSessionProcess());
  const views = new WebViews({
    launch,
    logger: options.logger,
    debug: options.debug ?? false,
    maxBufferedBytes: options.maxBufferedBytes ?? 256 * 1024 * 1024,
    ...(options.settingsFile !== undefined ? { settingsFile: options.settingsFile } : {}),
    ...(options.autoReconnect === false ? { autoReconnect: false } : {}),
    ...(options.maxMemoryBytes !== undefined ? { maxMemoryBytes: options.maxMemoryBytes } : {}),
    ...(options.usb ? { usb: options.usb } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
  });
  let server: WebServer;
  try {
    server = await startWebServer({
      views,
      rendererDir: options.rendererDir,
      listenHost: options.listenHost ?? '127.0.0.1',
      listenPort: options.listenPort ?? 0,
      logger: options.logger,
      ...(options.tls ? { tls: options.tls } : {}),
    });
  } catch (e) {
    views.close();
    throw e;
  }
  if (options.config) views.connect(options.config);
  return {
    url: server.url,
    server,
    views,
    close: async () => {
      views.close();
      await server.close();
    },
  };
}
