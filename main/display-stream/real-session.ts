// Production wiring of the session host's dependencies: ConnectionConfig → SpiceSession over the real stream
// opener, and the URI / .vv parsers with the app's capabilities and environment overrides applied.
import type { ConnectionConfig } from '../spice/connect/config';
import { applyOverrides } from '../spice/connect/resolve';
import { parseSpiceUri } from '../spice/connect/uri';
import { checkVvVersion, parseVvFile } from '../spice/connect/vv-file';
import type { Logger } from '../spice/logger';
import { displayFeature } from '../spice/channels/display-feature';
import { SpiceSession } from '../spice/session';
import { createStreamOpener } from '../spice/transport/opener';
import type { SessionHostDeps } from './session-host';
import type { SessionLike } from './session-like';

/** What the app (window) can act on in a .vv file. */
const APP_CAPABILITIES = { window: true, hotkeys: true };

export function createRealSession(config: ConnectionConfig, logger: Logger): SessionLike {
  const opener = createStreamOpener(config, { logger });
  const session = new SpiceSession({
    opener,
    password: config.password ?? '',
    logger,
    disableChannels: config.disableChannels,
    features: [displayFeature({ logger })],
  });
  return session;
}

export function realSessionDeps(
  logger: Logger,
  env: Record<string, string | undefined>,
): Pick<SessionHostDeps, 'createSession' | 'parseUri' | 'parseVv'> {
  return {
    createSession: (config) => createRealSession(config, logger),
    parseUri: (uri) => applyOverrides(parseSpiceUri(uri), { env }),
    parseVv: (text) => {
      const config = parseVvFile(text, { capabilities: APP_CAPABILITIES });
      checkVvVersion(config);
      return applyOverrides(config, { env });
    },
  };
}
