// `saffron web` as a library: a SessionService wired to the real SPICE session, plus the HTTP/WebSocket server.
// The CLI command and the end-to-end tests both start it through here.
import type { ConnectionConfig } from '../spice/connect/config';
import type { Logger } from '../spice/logger';
import { memoryRecentStore } from '../session/bridges/recent-store';
import { SessionService, type SessionServiceDeps } from '../session/session-service';
import { realSessionDeps } from '../session/session-wiring';
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
  /** Test seam: replace the real session factory and parsers. */
  sessionDeps?: Pick<SessionServiceDeps, 'createSession' | 'parseUri' | 'parseVv'>;
}

export interface WebHarness {
  readonly url: string;
  readonly host: SessionService;
  readonly server: WebServer;
  close(): Promise<void>;
}

export async function startWebHarness(options: WebHarnessOptions): Promise<WebHarness> {
  const host = new SessionService({
    ...(options.sessionDeps ?? realSessionDeps(options.logger, options.env)),
    logger: options.logger,
    shell: 'web',
    recent: memoryRecentStore(),
  });
  const server = await startWebServer({
    host,
    rendererDir: options.rendererDir,
    listenHost: options.listenHost ?? '127.0.0.1',
    listenPort: options.listenPort ?? 0,
    logger: options.logger,
  });
  if (options.config) void host.connect(options.config);
  return {
    url: server.url,
    host,
    server,
    close: async () => {
      host.close();
      await server.close();
    },
  };
}
