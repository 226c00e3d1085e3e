// The production wiring of the session process: ConnectionConfig → SpiceSession with its features, over the real
// stream opener; the URI / .vv parsers and launch-target resolution with the app's capabilities and environment
// overrides; the bridges of session-wide features. A feature adds its SessionFeature to `createRealSession` and its
// bridge to `featureBridges` (docs/platform.md, "Adding a feature bridge").
import type { ConnectionConfig } from '../spice/connect/config';
import { applyOverrides, resolveTarget } from '../spice/connect/resolve';
import { parseSpiceUri } from '../spice/connect/uri';
import { checkVvVersion, parseVvFile } from '../spice/connect/vv-file';
import type { Logger } from '../spice/logger';
import { createOpusEncoder } from '../audio/opus-encoder-node';
import { displayFeature } from '../spice/channels/display-feature';
import { SpiceSession } from '../spice/session';
import type { SessionFeature } from '../spice/session-feature';
import { createStreamOpener } from '../spice/transport/opener';
import type { UsbBackend } from '../spice/usbredir/usb-device';
import { NodeUsbBackend } from '../usb/node-usb-backend';
import { UsbBridge } from './bridges/usb-bridge';
import { NO_USB_LAUNCH_OPTIONS, type UsbLaunchOptions } from './bridges/usb-launch-options';
import { UsbSessions } from './bridges/usb-sessions';
import { readdir, stat } from 'node:fs/promises';
import { ClipboardRelay } from './bridges/agent-bridges';
import { diskPathOpener, type PathOpener } from './bridges/transfer-bridge';
import { openFileSource } from '../spice/agent/file-source';
import type { ClipboardAdapter } from '../spice/agent/clipboard-adapter';
import { videoPreferenceOption } from '../spice/video/video-caps';
import { createForwardVideo, type ForwardVideo } from '../spice/video/forward-backend';
import type { SessionBridge, SessionContext } from './session-bridge';
import type { SessionServiceDeps } from './session-service';
import type { SessionLike } from './session-like';

/** What the app (window) can act on in a .vv file. */
const APP_CAPABILITIES = { window: true, hotkeys: true, usbredir: true };

export function createRealSession(
  config: ConnectionConfig,
  logger: Logger,
  clipboard: ClipboardAdapter | null = null,
  bridgeFeatures: SessionFeature[] = [],
  usb?: UsbSessions,
  forwardVideo?: ForwardVideo,
  maxMemoryBytes?: number,
): SessionLike {
  const features: SessionFeature[] = [
    displayFeature({
      logger,
      ...videoPreferenceOption(config),
      ...(forwardVideo ? { viewVideo: forwardVideo.backend } : {}),
    }),
    ...bridgeFeatures,
  ];
  const usbFeature = usb?.featureFor(config);
  if (usbFeature) features.push(usbFeature.feature);
  const session = new SpiceSession({
    agent: { clipboard },
    opener: createStreamOpener(config, { logger }),
    password: config.password ?? '',
    logger,
    disableChannels: config.disableChannels,
    features,
    ...(maxMemoryBytes !== undefined ? { maxMemoryBytes } : {}),
  });
  if (usb && usbFeature) usb.bind(session, usbFeature.feature.manager, usbFeature.filters);
  return session;
}

/** The bridges of session-wide features, after the built-in ones (audio is built in: session-service.ts). */
export function featureBridges(ctx: SessionContext, usb: UsbSessions): SessionBridge[] {
  return [new UsbBridge(ctx, { sessions: usb, launch: usb.options.launch })];
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
  usbLaunch: UsbLaunchOptions = NO_USB_LAUNCH_OPTIONS,
  /** The host's USB devices (tests give a scripted backend); default the `usb` package's. */
  usbBackend: UsbBackend = new NodeUsbBackend({ logger }),
  /** Each session's memory budget in bytes (default: the core's 512 MiB). */
  maxMemoryBytes?: number,
): Pick<
  SessionServiceDeps,
  'createSession' | 'parseUri' | 'parseVv' | 'resolveTarget' | 'bridges' | 'agent' | 'audio' | 'forwardVideo'
> {
  const clipboardRelay = new ClipboardRelay();
  // One host backend for every session of the process (it loads the native module once, on first use).
  const usb = new UsbSessions({ logger, launch: usbLaunch, backend: usbBackend });
  // One per session process: the views' decoder reports outlive each session.
  const forwardVideo = createForwardVideo();
  return {
    createSession: (config, features) =>
      createRealSession(config, logger, clipboardRelay, features, usb, forwardVideo, maxMemoryBytes),
    agent: { clipboardRelay, openPaths: diskPaths },
    parseUri: (uri) => applyOverrides(parseSpiceUri(uri), { env }),
    parseVv: (text) => {
      const config = parseVvFile(text, { capabilities: APP_CAPABILITIES });
      checkVvVersion(config);
      return applyOverrides(config, { env });
    },
    resolveTarget: (target) => resolveTarget(target, { env, capabilities: APP_CAPABILITIES }),
    bridges: (ctx) => featureBridges(ctx, usb),
    // The microphone is encoded in Node when Opus recording is on (opusscript; docs/audio.md).
    audio: { opusEncoder: createOpusEncoder },
    forwardVideo,
  };
}
