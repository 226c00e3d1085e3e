// The production wiring of the session process: ConnectionConfig → SpiceSession with its features, over the real
// stream opener; the URI / .vv parsers and launch-target resolution with the app's capabilities and environment
// overrides; the bridges of session-wide features. A feature adds its SessionFeature to `createRealSession` and its
// bridge to `featureBridges` (docs/platform.md, "Adding a feature bridge").
import type { ConnectionConfig } from '../spice/connect/config';
import { applyOverrides, resolveTarget } from '../spice/connect/resolve';
import { parseSpiceUri } from '../spice/connect/uri';
import { checkVvVersion, parseVvFile } from '../spice/connect/vv-file';
import type { Logger } from '../spice/logger';
import { displayFeature } from '../spice/channels/display-feature';
import { SpiceSession } from '../spice/session';
import { createStreamOpener } from '../spice/transport/opener';
import { readdir, stat } from 'node:fs/promises';
import { ClipboardRelay } from './bridges/agent-bridges';
import { diskPathOpener, type PathOpener } from './bridges/transfer-bridge';
import { openFileSource } from '../spice/agent/file-source';
import type { ClipboardAdapter } from '../spice/agent/clipboard-adapter';
import type { SessionBridge, SessionContext } from './session-bridge';
import type { SessionServiceDeps } from './session-service';
import type { SessionLike } from './session-like';

/** What the app (window) can act on in a .vv file. */
const APP_CAPABILITIES = { window: true, hotkeys: true };

export function createRealSession(
  config: ConnectionConfig,
  logger: Logger,
  clipboard: ClipboardAdapter | null = null,
): SessionLike {
  return new SpiceSession({
    agent: { clipboard },
    opener: createStreamOpener(config, { logger }),
    password: config.password ?? '',
    logger,
    disableChannels: config.disableChannels,
    features: [displayFeature({ logger })],
  });
}

/** The bridges of session-wide features, after the built-in ones (none yet: clipboard, audio, USB, video). */
export function featureBridges(_ctx: SessionContext): SessionBridge[] {
  return [];
}

/** Dropped or picked paths on this machine's disk, folders expanded. */
export const diskPaths: PathOpener = diskPathOpener(
  (path) => openFileSource(path),
  async (path) => {
    if (!(await stat(path)).isDirectory()) return null;
    return (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => ({ name: e.name, dir: e.isDirectory() }));
  },
);

export function realSessionDeps(
  logger: Logger,
  env: Record<string, string | undefined>,
): Pick<
  SessionServiceDeps,
  'createSession' | 'parseUri' | 'parseVv' | 'resolveTarget' | 'bridges' | 'agent'
> {
  const clipboardRelay = new ClipboardRelay();
  return {
    createSession: (config) => createRealSession(config, logger, clipboardRelay),
    agent: { clipboardRelay, openPaths: diskPaths },
    parseUri: (uri) => applyOverrides(parseSpiceUri(uri), { env }),
    parseVv: (text) => {
      const config = parseVvFile(text, { capabilities: APP_CAPABILITIES });
      checkVvVersion(config);
      return applyOverrides(config, { env });
    },
    resolveTarget: (target) => resolveTarget(target, { env, capabilities: APP_CAPABILITIES }),
    bridges: featureBridges,
  };
}
