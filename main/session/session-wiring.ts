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
import { videoPreferenceOption } from '../spice/video/video-caps';
import { createForwardVideo, type ForwardVideo } from '../spice/video/forward-backend';
import type { SessionBridge, SessionContext } from './session-bridge';
import type { SessionServiceDeps } from './session-service';
import type { SessionLike } from './session-like';

/** What the app (window) can act on in a .vv file. */
const APP_CAPABILITIES = { window: true, hotkeys: true };

export function createRealSession(
  config: ConnectionConfig,
  logger: Logger,
  forwardVideo?: ForwardVideo,
): SessionLike {
  return new SpiceSession({
    opener: createStreamOpener(config, { logger }),
    password: config.password ?? '',
    logger,
    disableChannels: config.disableChannels,
    features: [
      displayFeature({
        logger,
        ...videoPreferenceOption(config),
        ...(forwardVideo ? { viewVideo: forwardVideo.backend } : {}),
      }),
    ],
  });
}

/** The bridges of session-wide features, after the built-in ones (none yet: clipboard, audio, USB). */
export function featureBridges(_ctx: SessionContext): SessionBridge[] {
  return [];
}

export function realSessionDeps(
  logger: Logger,
  env: Record<string, string | undefined>,
): Pick<
  SessionServiceDeps,
  'createSession' | 'parseUri' | 'parseVv' | 'resolveTarget' | 'bridges' | 'forwardVideo'
> {
  // One per session process: the views' decoder reports outlive each session.
  const forwardVideo = createForwardVideo();
  return {
    createSession: (config) => createRealSession(config, logger, forwardVideo),
    parseUri: (uri) => applyOverrides(parseSpiceUri(uri), { env }),
    parseVv: (text) => {
      const config = parseVvFile(text, { capabilities: APP_CAPABILITIES });
      checkVvVersion(config);
      return applyOverrides(config, { env });
    },
    resolveTarget: (target) => resolveTarget(target, { env, capabilities: APP_CAPABILITIES }),
    bridges: featureBridges,
    forwardVideo,
  };
}
