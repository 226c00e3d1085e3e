// The control messages between a shell (Electron main, the `saffron web` server) and its session process. The
// views' own traffic (the contract of shared/contract.ts) does not pass here: in Electron it rides each window's
// MessagePort straight to the page; in `saffron web` it shares the child's socket as separate frames (mux.ts).
// Both directions are guarded on arrival, although both ends are Saffron's own code: a version skew or a bug must
// be a logged refusal, not a crash.
import type { SendKeyCombo, SessionState, ViewCommand } from '../../shared/contract';
import { SEND_KEY_COMBOS, VIEW_COMMANDS } from '../../shared/contract';
import { hasExactKeys, isInt, isRecord, isSessionState, isString } from '../../shared/contract-guards';
import type { AgentSettings } from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import type { Settings } from '../../shared/settings';
import { isSettings } from '../../shared/settings';
import {
  isAgentHostMessage,
  isAgentProcessMessage,
  isAgentSettings,
  type AgentHostMessage,
  type AgentProcessMessage,
} from './agent-host-protocol';

/** The first message to a new session process. */
export interface InitMessage {
  t: 'init';
  shell: 'electron' | 'web';
  /** Where recent connections are kept (the desktop app's user-data file); memory when absent. */
  recentFile?: string;
  /** Where the user's settings are kept (shared/settings.ts); memory when absent. */
  settingsFile?: string;
  /** Send debug-level log records too. */
  debug: boolean;
  /** The previous session process stopped: start in an error state whose Reconnect connects to `config`. */
  crashed?: { message: string; config?: ConnectionConfig };
  /** The guest agent's settings to start with (--auto-resize, the menu's last choices). */
  agent?: AgentSettings;
}

export type HostMessage =
  | InitMessage
  /** A view of `monitor` (Electron: its MessagePort is transferred with this message). */
  | { t: 'attach'; viewId: number; monitor: number }
  | { t: 'detach'; viewId: number }
  /** Connect to a resolved config (`saffron web URI`). */
  | { t: 'connect'; config: ConnectionConfig }
  /** Open a launch target: a spice:// URI or a .vv path (the desktop app's command line and OS associations). */
  | { t: 'open'; target: string }
  | { t: 'disconnect' }
  | { t: 'reconnect' }
  /** A menu command for the views of `monitor` (all views when absent). */
  | { t: 'command'; command: ViewCommand; monitor?: number }
  | { t: 'send-keys'; combo: SendKeyCombo }
  | { t: 'shutdown' }
  | AgentHostMessage;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type ProcessMessage =
  | { t: 'log'; level: LogLevel; message: string; fields?: Record<string, unknown> }
  | { t: 'monitor-count'; count: number }
  /** A view asked its shell to run a command (Electron: window fullscreen); `on` forces a state. */
  | { t: 'command'; monitor: number; command: ViewCommand; on?: boolean }
  | { t: 'open-failed'; message: string }
  /** A connection attempt started with this config: kept by the shell to restore after a crash. */
  | { t: 'connecting'; config: ConnectionConfig }
  /** The session's state changed. */
  | { t: 'state'; state: SessionState }
  /** The user changed the settings (Electron rebuilds its menus: language, shortcuts). */
  | { t: 'settings'; settings: Settings }
  | AgentProcessMessage;

const isViewId = (v: unknown): v is number => isInt(v, 1, Number.MAX_SAFE_INTEGER);
const isMonitor = (v: unknown): v is number => isInt(v, 0, 1023);
const isCommand = (v: unknown): v is ViewCommand =>
  typeof v === 'string' && (VIEW_COMMANDS as readonly string[]).includes(v);

/** A shallow check of a ConnectionConfig (it comes from the shell, which built it with the same code). */
export function isConnectionConfig(v: unknown): v is ConnectionConfig {
  return (
    isRecord(v) &&
    typeof v.host === 'string' &&
    (v.secureChannels === 'all' || Array.isArray(v.secureChannels)) &&
    Array.isArray(v.disableChannels) &&
    Array.isArray(v.unsupported) &&
    Array.isArray(v.notes) &&
    isRecord(v.hotkeys) &&
    isRecord(v.usb) &&
    typeof v.deleteThisFile === 'boolean'
  );
}

export function isHostMessage(v: unknown): v is HostMessage {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'init':
      return (
        hasExactKeys(v, ['t', 'shell', 'debug'], ['recentFile', 'settingsFile', 'crashed', 'agent']) &&
        (v.agent === undefined || isAgentSettings(v.agent)) &&
        (v.shell === 'electron' || v.shell === 'web') &&
        typeof v.debug === 'boolean' &&
        (v.recentFile === undefined || isString(v.recentFile, 4096, 1)) &&
        (v.settingsFile === undefined || isString(v.settingsFile, 4096, 1)) &&
        (v.crashed === undefined ||
          (isRecord(v.crashed) &&
            hasExactKeys(v.crashed, ['message'], ['config']) &&
            isString(v.crashed.message, 4096) &&
            (v.crashed.config === undefined || isConnectionConfig(v.crashed.config))))
      );
    case 'attach':
      return hasExactKeys(v, ['t', 'viewId', 'monitor']) && isViewId(v.viewId) && isMonitor(v.monitor);
    case 'detach':
      return hasExactKeys(v, ['t', 'viewId']) && isViewId(v.viewId);
    case 'connect':
      return hasExactKeys(v, ['t', 'config']) && isConnectionConfig(v.config);
    case 'open':
      return hasExactKeys(v, ['t', 'target']) && isString(v.target, 8192, 1);
    case 'disconnect':
    case 'reconnect':
    case 'shutdown':
      return hasExactKeys(v, ['t']);
    case 'command':
      return (
        hasExactKeys(v, ['t', 'command'], ['monitor']) &&
        isCommand(v.command) &&
        (v.monitor === undefined || isMonitor(v.monitor))
      );
    case 'send-keys':
      return (
        hasExactKeys(v, ['t', 'combo']) &&
        typeof v.combo === 'string' &&
        (SEND_KEY_COMBOS as readonly string[]).includes(v.combo)
      );
    default:
      return isAgentHostMessage(v);
  }
}

export function isProcessMessage(v: unknown): v is ProcessMessage {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'log':
      return (
        hasExactKeys(v, ['t', 'level', 'message'], ['fields']) &&
        (v.level === 'debug' || v.level === 'info' || v.level === 'warn' || v.level === 'error') &&
        typeof v.message === 'string' &&
        (v.fields === undefined || isRecord(v.fields))
      );
    case 'monitor-count':
      return hasExactKeys(v, ['t', 'count']) && isInt(v.count, 0, 1024);
    case 'command':
      return (
        hasExactKeys(v, ['t', 'monitor', 'command'], ['on']) &&
        isMonitor(v.monitor) &&
        isCommand(v.command) &&
        (v.on === undefined || typeof v.on === 'boolean')
      );
    case 'open-failed':
      return hasExactKeys(v, ['t', 'message']) && typeof v.message === 'string';
    case 'connecting':
      return hasExactKeys(v, ['t', 'config']) && isConnectionConfig(v.config);
    case 'state':
      return hasExactKeys(v, ['t', 'state']) && isSessionState(v.state);
    case 'settings':
      return hasExactKeys(v, ['t', 'settings']) && isSettings(v.settings);
    default:
      return isAgentProcessMessage(v);
  }
}
