// The guest agent's part of the per-session contract (session-contract.ts joins it in): the agent's presence and the
// user's agent settings (share clipboard each way, auto-resize, which displays are on), the per-view display size
// that auto-resize turns into the guest's resolution, the clipboard family (the page as the host clipboard in
// `saffron web`) and the transfer family (files sent to the guest: progress, cancel, and a page's dropped files read
// block by block). Guards: agent-guards.ts. Plain data only.

export type ClipboardSelectionName = 'clipboard' | 'primary';
/** What a clipboard holds: UTF-8 text or a PNG image. (`format`, since `kind` is the messages' discriminator.) */
export type ClipboardFormat = 'text' | 'image';

export const CLIPBOARD_SELECTIONS = ['clipboard', 'primary'] as const;
export const CLIPBOARD_FORMATS = ['text', 'image'] as const;

/** Limits of the agent families, shared by guards and producers. */
export const AGENT_LIMITS = {
  /** Largest piece of bulk data in one request or message frame (file block, clipboard piece). */
  maxDataBytes: 1024 * 1024,
  /** Largest clipboard announced in a clipboardHostData request (the core caps it lower). */
  maxClipboardBytes: 2 ** 31 - 1,
  /** Files in one transferFiles request (a dropped folder is sent in several). */
  maxFilesPerRequest: 1024,
  /** Largest file size a page may announce (2^53 - 1: what a JS number holds exactly). */
  maxFileBytes: Number.MAX_SAFE_INTEGER,
  /** Transfer items in one transfer-progress message. */
  maxProgressItems: 64,
  /** Display slots (the app opens at most 16 windows). */
  maxDisplays: 16,
  maxFingerprintLength: 128,
  maxTransferNameLength: 1024,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Agent state, settings, displays

/** The user's agent settings; every view shows them, any view or the app's menu changes them. */
export interface AgentSettings {
  /** Resize the guest to the windows (remote-viewer's resize-guest / --auto-resize). */
  autoResize: boolean;
  /** Share the host's clipboard with the guest. */
  clipboardToGuest: boolean;
  /** Share the guest's clipboard with the host. */
  clipboardToHost: boolean;
}

export interface AgentStateMessage {
  kind: 'agent-state';
  /** A guest agent is attached and announced its capabilities. */
  connected: boolean;
  /** The agent shares the clipboard (CLIPBOARD_BY_DEMAND). */
  clipboard: boolean;
  /** The agent accepts files (not FILE_XFER_DISABLED). */
  fileTransfer: boolean;
  settings: AgentSettings;
  /** Display slots the guest can show (index = display number - 1): true = on. */
  displays: boolean[];
}

/** A view's drawable size in device pixels (its guest resolution under auto-resize) and its place on the host. */
export interface ViewSizeRequest {
  width: number;
  height: number;
  /** The window's position on the host's screens (device pixels): orders the displays left to right. */
  x: number;
  y: number;
}

export interface DisplayEnableRequest {
  /** 0-based display slot. */
  display: number;
  enabled: boolean;
}

export interface AgentRequestMap {
  agentSettings: Partial<AgentSettings>;
  viewSize: ViewSizeRequest;
  displayEnable: DisplayEnableRequest;
}

export interface AgentMessages {
  'agent-state': AgentStateMessage;
}

// ---------------------------------------------------------------------------------------------------------
// Clipboard (`saffron web`: the page is the host's clipboard; the app uses the OS clipboard in its main process)

/** The guest owns `selection` and offers these formats (empty: it released it). */
export interface ClipboardOfferMessage {
  kind: 'clipboard-offer';
  selection: ClipboardSelectionName;
  formats: ClipboardFormat[];
}

/** The page asks for the guest's content (to write it to the browser's clipboard). */
export interface ClipboardFetchRequest {
  requestId: number;
  selection: ClipboardSelectionName;
  format: ClipboardFormat;
}

/** The guest's content for a clipboardFetch (binary frame: UTF-8 text or PNG bytes in `data`). */
export interface ClipboardDataMessage {
  kind: 'clipboard-data';
  requestId: number;
  format: ClipboardFormat;
  /** What the page reports back with clipboardHostGrab once it wrote this content (no echo to the guest). */
  fingerprint: string;
  data: Uint8Array;
}

/** A clipboardFetch that cannot be answered (too large, timed out, the agent left), with the reason. */
export interface ClipboardFetchFailedMessage {
  kind: 'clipboard-fetch-failed';
  requestId: number;
  message: string;
}

/** The host's clipboard changed: it now offers `formats` (empty: nothing shareable). */
export interface ClipboardHostGrabRequest {
  selection: ClipboardSelectionName;
  formats: ClipboardFormat[];
  /** The fingerprint of a clipboard-data this page wrote, when the clipboard still holds exactly that. */
  fingerprint?: string;
}

/** The guest pastes: the page that grabbed sends its content with clipboardHostData. */
export interface ClipboardHostRequestMessage {
  kind: 'clipboard-host-request';
  requestId: number;
  format: ClipboardFormat;
}

/** One piece of the host's content for a clipboard-host-request; totalBytes 0 = none. Pieces come in order. */
export interface ClipboardHostDataRequest {
  requestId: number;
  totalBytes: number;
  offset: number;
  data: Uint8Array;
}

export interface ClipboardRequests {
  clipboardFetch: ClipboardFetchRequest;
  clipboardHostGrab: ClipboardHostGrabRequest;
  clipboardHostData: ClipboardHostDataRequest;
}

export interface ClipboardMessageMap {
  'clipboard-offer': ClipboardOfferMessage;
  'clipboard-data': ClipboardDataMessage;
  'clipboard-fetch-failed': ClipboardFetchFailedMessage;
  'clipboard-host-request': ClipboardHostRequestMessage;
}

// ---------------------------------------------------------------------------------------------------------
// File transfers (host → guest)

export const TRANSFER_STATES = [
  'queued',
  'starting',
  'sending',
  'confirming',
  'done',
  'failed',
  'cancelled',
] as const;
export type TransferStateName = (typeof TRANSFER_STATES)[number];

/** A file the page holds (dropped or picked in the browser): its bytes are read with transfer-read. */
export interface PageFile {
  /** Chosen by the page, unique among its files. */
  fileId: number;
  name: string;
  sizeBytes: number;
}

export interface TransferFilesRequest {
  files: PageFile[];
}

/** The session reads a block of a page's file: answer with transferData (or transferReadFailed). */
export interface TransferReadMessage {
  kind: 'transfer-read';
  fileId: number;
  readId: number;
  position: number;
  length: number;
}

export interface TransferDataRequest {
  fileId: number;
  readId: number;
  /** At most the length asked for; fewer bytes only at the end of the file. */
  data: Uint8Array;
}

export interface TransferReadFailedRequest {
  fileId: number;
  readId: number;
  message: string;
}

export interface TransferCancelRequest {
  /** A transfer's id; absent: every transfer not finished. */
  id?: number;
}

export interface TransferItem {
  id: number;
  name: string;
  sizeBytes: number;
  sentBytes: number;
  state: TransferStateName;
  /** Why it failed (the guest's reason, a read error, …). */
  error?: string;
}

/** Transfers that changed since the last message, and the totals since the last time none was pending. */
export interface TransferProgressMessage {
  kind: 'transfer-progress';
  items: TransferItem[];
  totals: {
    files: number;
    finished: number;
    failed: number;
    totalBytes: number;
    sentBytes: number;
  };
}

export interface TransferRequests {
  transferFiles: TransferFilesRequest;
  transferData: TransferDataRequest;
  transferReadFailed: TransferReadFailedRequest;
  transferCancel: TransferCancelRequest;
  /** Ask the shell for a file picker (the app's dialog); `saffron web` pages pick files themselves. */
  transferPick: Record<string, never>;
}

export interface TransferMessageMap {
  'transfer-read': TransferReadMessage;
  'transfer-progress': TransferProgressMessage;
}

/** Request methods of the agent families (the guards and the request table are checked against these). */
export const AGENT_REQUEST_METHODS = [
  'agentSettings',
  'viewSize',
  'displayEnable',
  'clipboardFetch',
  'clipboardHostGrab',
  'clipboardHostData',
  'transferFiles',
  'transferData',
  'transferReadFailed',
  'transferCancel',
  'transferPick',
] as const satisfies readonly (keyof (AgentRequestMap & ClipboardRequests & TransferRequests))[];

/** Requests whose payload carries bulk bytes in `data` (a binary frame on a WebSocket). */
export const DATA_REQUEST_METHODS = ['transferData', 'clipboardHostData'] as const;
