// The control messages between a shell (Electron main, the `saffron web` server) and its session process. The
// views' own traffic (the contract of shared/contract.ts) does not pass here: in Electron it rides each window's
// MessagePort straight to the page; in `saffron web` it shares the child's socket as separate frames (mux.ts).
// Both directions are guarded on arrival, although both ends are Saffron's own code: a version skew or a bug must
// be a logged refusal, not a crash.
import type { SendKeyCombo, SessionState, UsbImageKind, ViewCommand } from '../../shared/contract';
import { SEND_KEY_COMBOS, USB_IMAGE_KINDS, USB_LIMITS, VIEW_COMMANDS } from '../../shared/contract';
import { hasExactKeys, isInt, isRecord, isSessionState, isString } from '../../shared/contract-guards';
import type { AgentSettings } from '../../shared/contract';
import type { ConnectionConfig } from '../spice/connect/config';
import type { Settings } from '../../shared/settings';
import { isSettings } from '../../shared/settings';
import {
  isUsbLaunchOptions,
  type UsbImageSpec,
  type UsbLaunchOptions,
} from '../session/bridges/usb-launch-options';
import type { ShellInput } from '../session/shell-events';
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
  /** USB images and filters from the shell's command line (docs/usb.md); none when absent. */
  usb?: UsbLaunchOptions;
  /** The guest agent's settings the shell's command line sets for this run (--auto-resize); the rest default. */
  agent?: Partial<AgentSettings>;
  /** Reconnect by itself when a connection drops (default true). */
  autoReconnect?: boolean;
  /** The sessions' memory budget in bytes (`saffron web --max-memory`; default 512 MiB). */
  maxMemoryBytes?: number;
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
  /** The shell's answer to a USB request (an image chosen in the file dialog, the udev rule installed or not). */
  | { t: 'usb-input'; input: ShellInput }
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
  /** The desktop app: open a file dialog for an image to share (answer: 'usb-input' usb-share-image). */
  | { t: 'usb-choose-image'; imageKind: UsbImageKind; writable: boolean }
  /** The desktop app on Linux: install the udev rule for this device model (answer: 'usb-input' usb-udev-result). */
  | { t: 'usb-install-udev-rule'; vendorId: number; productId: number }
  | AgentProcessMessage;

const isViewId = (v: unknown): v is number => isInt(v, 1, Number.MAX_SAFE_INTEGER);
const isMonitor = (v: unknown): v is number => isInt(v, 0, 1023);
const isCommand = (v: unknown): v is ViewCommand =>
  typeof v === 'string' && (VIEW_COMMANDS as readonly string[]).includes(v);

const isImageKind = (v: unknown): v is UsbImageKind =>
  typeof v === 'string' && (USB_IMAGE_KINDS as readonly string[]).includes(v);

function isImageSpec(v: unknown): v is UsbImageSpec {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['path', 'imageKind', 'writable']) &&
    isString(v.path, USB_LIMITS.maxPathLength, 1) &&
    isImageKind(v.imageKind) &&
    typeof v.writable === 'boolean'
  );
}

function isShellInput(v: unknown): v is ShellInput {
  if (!isRecord(v)) return false;
  if (v.t === 'usb-share-image') return hasExactKeys(v, ['t', 'image']) && isImageSpec(v.image);
  if (v.t === 'usb-udev-result')
    return hasExactKeys(v, ['t', 'ok', 'message']) && typeof v.ok === 'boolean' && isString(v.message, 4096);
  return false;
}

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
        hasExactKeys(
          v,
          ['t', 'shell', 'debug'],
          ['recentFile', 'settingsFile', 'crashed', 'agent', 'usb', 'autoReconnect', 'maxMemoryBytes'],
        ) &&
        (v.maxMemoryBytes === undefined ||
          isInt(v.maxMemoryBytes, 16 * 1024 * 1024, Number.MAX_SAFE_INTEGER)) &&
        (v.usb === undefined || isUsbLaunchOptions(v.usb)) &&
        (v.agent === undefined || isAgentSettings(v.agent)) &&
        (v.shell === 'electron' || v.shell === 'web') &&
        typeof v.debug === 'boolean' &&
        (v.autoReconnect === undefined || typeof v.autoReconnect === 'boolean') &&
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
    case 'usb-input':
      return hasExactKeys(v, ['t', 'input']) && isShellInput(v.input);
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
    case 'usb-choose-image':
      return (
        hasExactKeys(v, ['t', 'imageKind', 'writable']) &&
        isImageKind(v.imageKind) &&
        typeof v.writable === 'boolean'
      );
    case 'usb-install-udev-rule':
      return (
        hasExactKeys(v, ['t', 'vendorId', 'productId']) &&
        isInt(v.vendorId, 0, 0xffff) &&
        isInt(v.productId, 0, 0xffff)
      );
    default:
      return isAgentProcessMessage(v);
  }
}
