// Runtime guards of the agent families (agent-contract.ts): requests checked in the session process, messages in the
// page. Spread into contract-guards.ts' tables, which are typed by the whole contract, so a member added to
// agent-contract.ts without a guard here does not compile.
import type {
  AgentMessages,
  AgentRequestMap,
  ClipboardMessageMap,
  ClipboardRequests,
  TransferItem,
  TransferMessageMap,
  TransferRequests,
} from './agent-contract';
import { AGENT_LIMITS, CLIPBOARD_FORMATS, CLIPBOARD_SELECTIONS, TRANSFER_STATES } from './agent-contract';
import type { Guard } from './guard-primitives';
import { hasExactKeys, isInt, isOneOf, isRecord, isString } from './guard-primitives';

type Requests = AgentRequestMap & ClipboardRequests & TransferRequests;
type Messages = AgentMessages & ClipboardMessageMap & TransferMessageMap;

const MAX_ID = 0xffffffff;
const MAX_TEXT = 4096;

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isId = (v: unknown): v is number => isInt(v, 0, MAX_ID);
const isBytes = (v: unknown, max: number = AGENT_LIMITS.maxDataBytes): v is Uint8Array =>
  v instanceof Uint8Array && v.byteLength <= max;
const isSize = (v: unknown): v is number => isInt(v, 0, AGENT_LIMITS.maxFileBytes);
const isFormats = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.length <= CLIPBOARD_FORMATS.length &&
  v.every((f) => isOneOf(CLIPBOARD_FORMATS, f)) &&
  new Set(v).size === v.length;
const isFingerprint = (v: unknown): v is string => isString(v, AGENT_LIMITS.maxFingerprintLength, 1);

const SETTING_KEYS = ['autoResize', 'clipboardToGuest', 'clipboardToHost'] as const;

function isSettings(v: unknown, partial: boolean): boolean {
  if (!isRecord(v)) return false;
  if (!hasExactKeys(v, partial ? [] : SETTING_KEYS, partial ? SETTING_KEYS : [])) return false;
  return SETTING_KEYS.every((k) => v[k] === undefined || isBool(v[k]));
}

function isTransferItem(v: unknown): v is TransferItem {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['id', 'name', 'sizeBytes', 'sentBytes', 'state'], ['error']) &&
    isId(v.id) &&
    isString(v.name, AGENT_LIMITS.maxTransferNameLength) &&
    isSize(v.sizeBytes) &&
    isSize(v.sentBytes) &&
    isOneOf(TRANSFER_STATES, v.state) &&
    (v.error === undefined || isString(v.error, MAX_TEXT))
  );
}

function isPageFile(v: unknown): boolean {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['fileId', 'name', 'sizeBytes']) &&
    isId(v.fileId) &&
    isString(v.name, AGENT_LIMITS.maxTransferNameLength, 1) &&
    isSize(v.sizeBytes)
  );
}

export const AGENT_REQUEST_GUARDS: { [M in keyof Requests]: Guard<Requests[M]> } = {
  agentSettings: (v): v is Requests['agentSettings'] => isSettings(v, true),
  viewSize: (v): v is Requests['viewSize'] =>
    isRecord(v) &&
    hasExactKeys(v, ['width', 'height', 'x', 'y']) &&
    isInt(v.width, 1, 65535) &&
    isInt(v.height, 1, 65535) &&
    isInt(v.x, -(2 ** 31), 2 ** 31 - 1) &&
    isInt(v.y, -(2 ** 31), 2 ** 31 - 1),
  displayEnable: (v): v is Requests['displayEnable'] =>
    isRecord(v) &&
    hasExactKeys(v, ['display', 'enabled']) &&
    isInt(v.display, 0, AGENT_LIMITS.maxDisplays - 1) &&
    isBool(v.enabled),
  clipboardFetch: (v): v is Requests['clipboardFetch'] =>
    isRecord(v) &&
    hasExactKeys(v, ['requestId', 'selection', 'format']) &&
    isId(v.requestId) &&
    isOneOf(CLIPBOARD_SELECTIONS, v.selection) &&
    isOneOf(CLIPBOARD_FORMATS, v.format),
  clipboardHostGrab: (v): v is Requests['clipboardHostGrab'] =>
    isRecord(v) &&
    hasExactKeys(v, ['selection', 'formats'], ['fingerprint']) &&
    isOneOf(CLIPBOARD_SELECTIONS, v.selection) &&
    isFormats(v.formats) &&
    (v.fingerprint === undefined || isFingerprint(v.fingerprint)),
  clipboardHostData: (v): v is Requests['clipboardHostData'] =>
    isRecord(v) &&
    hasExactKeys(v, ['requestId', 'totalBytes', 'offset', 'data']) &&
    isId(v.requestId) &&
    isInt(v.totalBytes, 0, AGENT_LIMITS.maxClipboardBytes) &&
    isInt(v.offset, 0, v.totalBytes) &&
    isBytes(v.data) &&
    v.offset + v.data.byteLength <= v.totalBytes,
  transferFiles: (v): v is Requests['transferFiles'] =>
    isRecord(v) &&
    hasExactKeys(v, ['files']) &&
    Array.isArray(v.files) &&
    v.files.length >= 1 &&
    v.files.length <= AGENT_LIMITS.maxFilesPerRequest &&
    v.files.every(isPageFile),
  transferData: (v): v is Requests['transferData'] =>
    isRecord(v) &&
    hasExactKeys(v, ['fileId', 'readId', 'data']) &&
    isId(v.fileId) &&
    isId(v.readId) &&
    isBytes(v.data),
  transferReadFailed: (v): v is Requests['transferReadFailed'] =>
    isRecord(v) &&
    hasExactKeys(v, ['fileId', 'readId', 'message']) &&
    isId(v.fileId) &&
    isId(v.readId) &&
    isString(v.message, MAX_TEXT),
  transferCancel: (v): v is Requests['transferCancel'] =>
    isRecord(v) && hasExactKeys(v, [], ['id']) && (v.id === undefined || isId(v.id)),
  transferPick: (v): v is Requests['transferPick'] => isRecord(v) && hasExactKeys(v, []),
};

export const AGENT_MESSAGE_GUARDS: { [K in keyof Messages]: Guard<Messages[K]> } = {
  'agent-state': (v): v is Messages['agent-state'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'connected', 'clipboard', 'fileTransfer', 'settings', 'displays']) &&
    isBool(v.connected) &&
    isBool(v.clipboard) &&
    isBool(v.fileTransfer) &&
    isSettings(v.settings, false) &&
    Array.isArray(v.displays) &&
    v.displays.length <= AGENT_LIMITS.maxDisplays &&
    v.displays.every(isBool),
  'clipboard-offer': (v): v is Messages['clipboard-offer'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'selection', 'formats']) &&
    isOneOf(CLIPBOARD_SELECTIONS, v.selection) &&
    isFormats(v.formats),
  'clipboard-data': (v): v is Messages['clipboard-data'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'requestId', 'format', 'fingerprint', 'data']) &&
    isId(v.requestId) &&
    isOneOf(CLIPBOARD_FORMATS, v.format) &&
    isFingerprint(v.fingerprint) &&
    isBytes(v.data, AGENT_LIMITS.maxClipboardBytes),
  'clipboard-fetch-failed': (v): v is Messages['clipboard-fetch-failed'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'requestId', 'message']) &&
    isId(v.requestId) &&
    isString(v.message, MAX_TEXT),
  'clipboard-host-request': (v): v is Messages['clipboard-host-request'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'requestId', 'format']) &&
    isId(v.requestId) &&
    isOneOf(CLIPBOARD_FORMATS, v.format),
  'transfer-read': (v): v is Messages['transfer-read'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'fileId', 'readId', 'position', 'length']) &&
    isId(v.fileId) &&
    isId(v.readId) &&
    isSize(v.position) &&
    isInt(v.length, 1, AGENT_LIMITS.maxDataBytes),
  'transfer-progress': (v): v is Messages['transfer-progress'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'items', 'totals']) &&
    Array.isArray(v.items) &&
    v.items.length <= AGENT_LIMITS.maxProgressItems &&
    v.items.every(isTransferItem) &&
    isRecord(v.totals) &&
    hasExactKeys(v.totals, ['files', 'finished', 'failed', 'totalBytes', 'sentBytes']) &&
    isSize(v.totals.files) &&
    isSize(v.totals.finished) &&
    isSize(v.totals.failed) &&
    isSize(v.totals.totalBytes) &&
    isSize(v.totals.sentBytes),
};
