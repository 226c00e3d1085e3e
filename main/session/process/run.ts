// The session process's main loop: waits for its shell's init, builds the SessionService (real SPICE sessions unless
// a test gives its own), and carries out the shell's control messages (attach/detach views, connect, open a launch
// target, menu actions). Log records and shell events go back over the link. Plain Node: entry.ts runs it as a
// process; tests and `saffron web --in-process` style harnesses run it in-process over a socket pair.
import { errorMessage } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import { redact } from '../../spice/logger';
import { isHostMessage, type LogLevel } from '../../ipc/host-protocol';
import type { AgentBridgesOptions } from '../bridges/agent-bridges';
import { fileRecentStore, memoryRecentStore } from '../bridges/recent-store';
import { SessionService, type SessionServiceDeps, type ViewHandle } from '../session-service';
import { realSessionDeps } from '../session-wiring';
import { fileSettingsStore, memorySettingsStore } from '../settings/settings-store';
import type { ParentLink } from './parent-link';

export interface SessionProcessOptions {
  env: Record<string, string | undefined>;
  /** Test seam: replace the real session factory and parsers. */
  sessionDeps?: Pick<SessionServiceDeps, 'createSession' | 'parseUri' | 'parseVv'> &
    Partial<Pick<SessionServiceDeps, 'resolveTarget' | 'bridges' | 'agent' | 'audio'>>;
  /** The shell asked to shut down, or went away. */
  onExit(): void;
}

/** JSON-safe log fields (bigints as strings, errors as their messages), with secrets redacted. */
function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  try {
    return JSON.parse(
      JSON.stringify(redact(fields), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v,
      ),
    ) as Record<string, unknown>;
  } catch {
    return { fields: 'unprintable' };
  }
}

function linkLogger(link: ParentLink, debug: () => boolean): Logger {
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (level === 'debug' && !debug()) return;
    const clean = safeFields(fields);
    link.send({ t: 'log', level, message, ...(clean ? { fields: clean } : {}) });
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The desktop app's main process as the agent's OS clipboard, file picker and menu (host-protocol messages). */
function desktopAgentHooks(link: ParentLink): AgentBridgesOptions {
  return {
    osClipboard: {
      write: (selection, content, fingerprint) =>
        link.send({
          t: 'clipboard-write',
          selection,
          content: content.kind === 'text' ? { text: content.text } : { png: content.png },
          fingerprint,
        }),
      read: (requestId, selection, format) =>
        link.send({ t: 'clipboard-read', requestId, selection, format }),
    },
    pickFiles: () => link.send({ t: 'pick-files' }),
    onState: (state) => link.send({ t: 'agent-settings', ...state }),
  };
}

export function runSessionProcess(
  link: ParentLink,
  options: SessionProcessOptions,
): { readonly logger: Logger } {
  let debug = false;
  const logger = linkLogger(link, () => debug);
  let service: SessionService | undefined;
  const views = new Map<number, ViewHandle>();
  let exited = false;
  const exit = (): void => {
    if (exited) return;
    exited = true;
    for (const view of views.values()) view.detach();
    views.clear();
    service?.close();
    link.close();
    options.onExit();
  };
  link.onClose(exit);

  link.onMessage((m, ports) => {
    if (!isHostMessage(m)) {
      logger.warn('ignored an invalid control message from the shell');
      return;
    }
    if (m.t === 'init') {
      if (service) return;
      debug = m.debug;
      const deps =
        options.sessionDeps ?? realSessionDeps(logger, options.env, m.usb, undefined, m.maxMemoryBytes);
      service = new SessionService({
        ...deps,
        agent: {
          ...deps.agent,
          ...(m.agent ? { settings: m.agent } : {}),
          ...(m.shell === 'electron' ? desktopAgentHooks(link) : {}),
        },
        logger,
        shell: m.shell,
        ...(m.autoReconnect === false ? { autoReconnect: { enabled: false } } : {}),
        recent: m.recentFile !== undefined ? fileRecentStore(m.recentFile) : memoryRecentStore(),
        settings: m.settingsFile !== undefined ? fileSettingsStore(m.settingsFile) : memorySettingsStore(),
        events: {
          monitorCount: (count) => link.send({ t: 'monitor-count', count }),
          command: (monitor, command, on) =>
            link.send({ t: 'command', monitor, command, ...(on !== undefined ? { on } : {}) }),
          openFailed: (message) => link.send({ t: 'open-failed', message }),
          connecting: (config) => link.send({ t: 'connecting', config }),
          state: (state) => link.send({ t: 'state', state }),
          settings: (settings) => link.send({ t: 'settings', settings }),
          usbChooseImage: (imageKind, writable) => link.send({ t: 'usb-choose-image', imageKind, writable }),
          usbInstallUdevRule: ({ vendorId, productId }) =>
            link.send({ t: 'usb-install-udev-rule', vendorId, productId }),
        },
      });
      if (m.crashed) service.showError(m.crashed.message, 'session-process', m.crashed.config);
      return;
    }
    if (!service) {
      logger.warn(`'${m.t}' arrived before init; ignored`);
      return;
    }
    try {
      switch (m.t) {
        case 'attach': {
          views.get(m.viewId)?.detach();
          const view = link.attachView(service, m.viewId, m.monitor, ports);
          if (view) views.set(m.viewId, view);
          else logger.warn(`view ${m.viewId} attached without a port`);
          return;
        }
        case 'detach':
          views.get(m.viewId)?.detach();
          views.delete(m.viewId);
          return;
        case 'connect':
          void service.connect(m.config);
          return;
        case 'open':
          void service.open(m.target);
          return;
        case 'disconnect':
          service.disconnect();
          return;
        case 'reconnect':
          service.reconnect();
          return;
        case 'command':
          service.command(m.command, m.monitor);
          return;
        case 'send-keys':
          service.sendKeys(m.combo);
          return;
        case 'usb-input':
          service.shellInput(m.input);
          return;
        case 'shutdown':
          exit();
          return;
        default:
          service.agent.hostMessage(m);
          return;
      }
    } catch (e) {
      logger.error(`control message '${m.t}' failed: ${errorMessage(e)}`);
    }
  });
  return { logger };
}
