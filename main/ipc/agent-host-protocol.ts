// The guest agent's control messages between the desktop app's main process and its session process (joined into
// host-protocol.ts' unions): the OS clipboard (main owns Electron's `clipboard` module; the session process owns the
// agent), files the user dropped on a window or picked in a dialog (paths: main never reads them), and the agent
// settings the menu shows and changes. Guarded in both directions like every control message.
import type { AgentSettings, ClipboardFormat, ClipboardSelectionName } from '../../shared/contract';
import { AGENT_LIMITS, CLIPBOARD_FORMATS, CLIPBOARD_SELECTIONS } from '../../shared/contract';
import { hasExactKeys, isInt, isRecord, isString } from '../../shared/contract-guards';

/** What the OS clipboard holds, as main reads or writes it (text as a string, images as PNG). */
export interface OsClipboardContent {
  text?: string;
  png?: Uint8Array;
}

/** Host (Electron main) → session process. */
export type AgentHostMessage =
  /** The menu changed a setting. */
  | { t: 'agent-settings'; settings: Partial<AgentSettings> }
  /** The menu turned a display on or off. */
  | { t: 'display-enable'; display: number; enabled: boolean }
  /** The OS clipboard changed (seen on focus): it offers `formats`; `fingerprint` when it still holds exactly
   * what the session asked main to write (clipboard-write), so the guest's own data is not grabbed back. */
  | {
      t: 'clipboard-changed';
      selection: ClipboardSelectionName;
      formats: ClipboardFormat[];
      fingerprint?: string;
    }
  /** The answer to clipboard-read: the content, or null when the clipboard has none of that format. */
  | { t: 'clipboard-content'; requestId: number; content: OsClipboardContent | null }
  /** Files picked in main's dialog (the menu, or a view's transferPick). */
  | { t: 'send-files'; paths: string[] }
  /** Files dropped on the window of `monitor` (paths from the preload's webUtils.getPathForFile). */
  | { t: 'dropped'; monitor: number; paths: string[] };

/** Session process → host. */
export type AgentProcessMessage =
  /** The settings and display slots, for the menu's check marks. */
  | { t: 'agent-settings'; settings: AgentSettings; displays: boolean[]; connected: boolean }
  /** Write the guest's clipboard content to the OS clipboard; `fingerprint` identifies it (see clipboard-changed). */
  | {
      t: 'clipboard-write';
      selection: ClipboardSelectionName;
      content: OsClipboardContent;
      fingerprint: string;
    }
  /** The guest pastes: read the OS clipboard and answer with clipboard-content. */
  | { t: 'clipboard-read'; requestId: number; selection: ClipboardSelectionName; format: ClipboardFormat }
  /** A view asked for the file picker (transferPick). */
  | { t: 'pick-files' };

/** Largest clipboard carried between main and the session process (the agent's own cap is lower by default). */
export const MAX_OS_CLIPBOARD_BYTES = 512 * 1024 * 1024;
/** Most paths in one drop or pick (a folder counts once; it is expanded in the session process). */
export const MAX_DROPPED_PATHS = 4096;
const MAX_PATH_LENGTH = 4096;

const isSelection = (v: unknown): v is ClipboardSelectionName =>
  typeof v === 'string' && (CLIPBOARD_SELECTIONS as readonly string[]).includes(v);
const isFormat = (v: unknown): v is ClipboardFormat =>
  typeof v === 'string' && (CLIPBOARD_FORMATS as readonly string[]).includes(v);
const isFormats = (v: unknown): v is ClipboardFormat[] =>
  Array.isArray(v) && v.length <= 2 && v.every(isFormat) && new Set(v).size === v.length;
const isRequestId = (v: unknown): v is number => isInt(v, 0, 0xffffffff);
const isFingerprint = (v: unknown): v is string => isString(v, AGENT_LIMITS.maxFingerprintLength, 1);
const isPaths = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length >= 1 &&
  v.length <= MAX_DROPPED_PATHS &&
  v.every((p) => isString(p, MAX_PATH_LENGTH, 1));
const SETTING_KEYS = ['autoResize', 'clipboardToGuest', 'clipboardToHost'] as const;

function isSettings(v: unknown, partial: boolean): v is AgentSettings {
  return (
    isRecord(v) &&
    hasExactKeys(v, partial ? [] : SETTING_KEYS, partial ? SETTING_KEYS : []) &&
    SETTING_KEYS.every((k) => v[k] === undefined || typeof v[k] === 'boolean')
  );
}

export function isOsClipboardContent(v: unknown): v is OsClipboardContent {
  return (
    isRecord(v) &&
    hasExactKeys(v, [], ['text', 'png']) &&
    (v.text === undefined || isString(v.text, MAX_OS_CLIPBOARD_BYTES)) &&
    (v.png === undefined || (v.png instanceof Uint8Array && v.png.byteLength <= MAX_OS_CLIPBOARD_BYTES))
  );
}

/** The agent settings of an init message: the ones the shell's command line sets (--auto-resize), the rest default. */
export function isAgentSettings(v: unknown): v is Partial<AgentSettings> {
  return isSettings(v, true);
}

export function isAgentHostMessage(v: unknown): v is AgentHostMessage {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'agent-settings':
      return hasExactKeys(v, ['t', 'settings']) && isSettings(v.settings, true);
    case 'display-enable':
      return (
        hasExactKeys(v, ['t', 'display', 'enabled']) &&
        isInt(v.display, 0, AGENT_LIMITS.maxDisplays - 1) &&
        typeof v.enabled === 'boolean'
      );
    case 'clipboard-changed':
      return (
        hasExactKeys(v, ['t', 'selection', 'formats'], ['fingerprint']) &&
        isSelection(v.selection) &&
        isFormats(v.formats) &&
        (v.fingerprint === undefined || isFingerprint(v.fingerprint))
      );
    case 'clipboard-content':
      return (
        hasExactKeys(v, ['t', 'requestId', 'content']) &&
        isRequestId(v.requestId) &&
        (v.content === null || isOsClipboardContent(v.content))
      );
    case 'send-files':
      return hasExactKeys(v, ['t', 'paths']) && isPaths(v.paths);
    case 'dropped':
      return hasExactKeys(v, ['t', 'monitor', 'paths']) && isInt(v.monitor, 0, 1023) && isPaths(v.paths);
    default:
      return false;
  }
}

export function isAgentProcessMessage(v: unknown): v is AgentProcessMessage {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'agent-settings':
      return (
        hasExactKeys(v, ['t', 'settings', 'displays', 'connected']) &&
        isSettings(v.settings, false) &&
        Array.isArray(v.displays) &&
        v.displays.length <= AGENT_LIMITS.maxDisplays &&
        v.displays.every((d) => typeof d === 'boolean') &&
        typeof v.connected === 'boolean'
      );
    case 'clipboard-write':
      return (
        hasExactKeys(v, ['t', 'selection', 'content', 'fingerprint']) &&
        isSelection(v.selection) &&
        isOsClipboardContent(v.content) &&
        isFingerprint(v.fingerprint)
      );
    case 'clipboard-read':
      return (
        hasExactKeys(v, ['t', 'requestId', 'selection', 'format']) &&
        isRequestId(v.requestId) &&
        isSelection(v.selection) &&
        isFormat(v.format)
      );
    case 'pick-files':
      return hasExactKeys(v, ['t']);
    default:
      return false;
  }
}
