// Host → guest file transfer over the agent (REFERENCES G29): FILE_XFER_START names the file, the agent answers
// CAN_SEND_DATA, FILE_XFER_DATA messages carry the bytes, and a final FILE_XFER_STATUS says SUCCESS or why not.
// Flow control: each transfer keeps at most `readAheadMessages` data messages in the outbox (read from its source
// only when one has gone out), so memory stays at a few 64 KB blocks per file whatever the file size, and the
// outbox never runs dry while tokens arrive. Data messages fill whole 2048-byte AGENT_DATA chunks (one token each).
// Several transfers run at once (maxActive); the rest wait their turn.
import type { Logger } from '../logger';
import type { AgentCaps } from './agent-caps';
import {
  decodeFileXferStatus,
  encodeFileXferDataHeader,
  encodeFileXferStart,
  encodeFileXferStatus,
  FILE_XFER_DATA_HEADER_BYTES,
  type VDAgentFileXferStatus,
} from './agent-messages';
import type { AgentPriority, OutboxTicket, OutgoingAgentMessage } from './agent-outbox';
import type { FileSource } from './file-source';
import {
  G_IO_ERROR_FILENAME_TOO_LONG,
  G_IO_ERROR_INVALID_FILENAME,
  G_IO_ERROR_IS_DIRECTORY,
  G_IO_ERROR_NO_SPACE,
  G_IO_ERROR_NOT_SUPPORTED,
  G_IO_ERROR_PERMISSION_DENIED,
  G_IO_ERROR_READ_ONLY,
  G_IO_ERROR_TOO_MANY_OPEN_FILES,
  VD_AGENT_FILE_XFER_DATA,
  VD_AGENT_FILE_XFER_START,
  VD_AGENT_FILE_XFER_STATUS,
  VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA,
  VD_AGENT_FILE_XFER_STATUS_CANCELLED,
  VD_AGENT_FILE_XFER_STATUS_DISABLED,
  VD_AGENT_FILE_XFER_STATUS_ERROR,
  VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE,
  VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED,
  VD_AGENT_FILE_XFER_STATUS_SUCCESS,
  VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED,
  VD_AGENT_MAX_DATA_SIZE,
  VD_AGENT_MESSAGE_HEADER_BYTES,
} from './vd-agent';

export type TransferState =
  'queued' | 'starting' | 'sending' | 'confirming' | 'done' | 'failed' | 'cancelled';

export type TransferFailureCode =
  /** Cancelled on this side. */
  | 'cancelled'
  /** No agent runs in the guest (or the session ended). */
  | 'no-agent'
  /** The agent disconnected during the transfer. */
  | 'agent-gone'
  /** The guest does not accept file transfers (FILE_XFER_DISABLED, or status DISABLED). */
  | 'disabled'
  /** The agent's daemon runs but no user session agent does (status VDAGENT_NOT_CONNECTED). */
  | 'no-session-agent'
  | 'session-locked'
  | 'no-space'
  /** The agent reported an error (detail in ioErrorCode when the agent sends detailed errors). */
  | 'agent-error'
  | 'agent-cancelled'
  /** The local file could not be read. */
  | 'read-error'
  /** The agent answered something this client does not know. */
  | 'protocol';

export type TransferResult =
  | { ok: true }
  | { ok: false; code: TransferFailureCode; message: string; freeBytes?: number; ioErrorCode?: number };

export interface TransferInfo {
  id: number;
  name: string;
  sizeBytes: number;
  sentBytes: number;
  state: TransferState;
}

export interface FileTransferEvents {
  'transfer-progress': TransferInfo;
  'transfer-finished': TransferInfo & { result: TransferResult };
}

/** What transfers need from the agent they run on. */
export interface FileTransferContext {
  send(message: OutgoingAgentMessage, priority: AgentPriority): OutboxTicket;
  log: Logger;
  /** The guest's capabilities, null while the agent is not ready. */
  caps(): AgentCaps | null;
  emit<K extends keyof FileTransferEvents>(name: K, payload: FileTransferEvents[K]): void;
}

export interface FileTransferOptions {
  /** Transfers running at once; later ones wait (spice-vdagentd refuses more than 128). */
  maxActive: number;
  /** Data messages a transfer keeps queued ahead of the wire. */
  readAheadMessages: number;
}

/** File bytes per FILE_XFER_DATA: the whole message is exactly 32 AGENT_DATA chunks of 2048 bytes. */
export const FILE_XFER_BLOCK_BYTES =
  32 * VD_AGENT_MAX_DATA_SIZE - VD_AGENT_MESSAGE_HEADER_BYTES - FILE_XFER_DATA_HEADER_BYTES;

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.ceil(n / 1024)} KB`;
}

const IO_ERROR_TEXT: Readonly<Record<number, string>> = {
  [G_IO_ERROR_NO_SPACE]: "there is no space left on the guest's disk",
  [G_IO_ERROR_PERMISSION_DENIED]: "the guest's agent may not write there (permission denied)",
  [G_IO_ERROR_READ_ONLY]: "the guest's transfer directory is read-only",
  [G_IO_ERROR_INVALID_FILENAME]: 'the guest refused the file name',
  [G_IO_ERROR_FILENAME_TOO_LONG]: 'the file name is too long for the guest',
  [G_IO_ERROR_IS_DIRECTORY]: 'a directory of that name exists in the guest',
  [G_IO_ERROR_TOO_MANY_OPEN_FILES]: 'the guest has too many transfers open; try fewer files at once',
  [G_IO_ERROR_NOT_SUPPORTED]: 'the guest does not support this transfer',
};

/** The user-facing failure for an agent status other than CAN_SEND_DATA/SUCCESS. */
export function describeXferStatus(
  status: VDAgentFileXferStatus,
  sizeBytes: number,
): TransferResult & { ok: false } {
  switch (status.result) {
    case VD_AGENT_FILE_XFER_STATUS_CANCELLED:
      return { ok: false, code: 'agent-cancelled', message: 'the guest agent cancelled the transfer' };
    case VD_AGENT_FILE_XFER_STATUS_ERROR: {
      const code = status.ioErrorCode;
      if (code === null)
        return { ok: false, code: 'agent-error', message: 'the guest agent reported an error' };
      const text = IO_ERROR_TEXT[code] ?? `the guest agent reported an error (GIO error ${code})`;
      return { ok: false, code: 'agent-error', message: text, ioErrorCode: code };
    }
    case VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE:
      return status.freeBytes === null
        ? { ok: false, code: 'no-space', message: 'not enough free space in the guest' }
        : {
            ok: false,
            code: 'no-space',
            message: `not enough free space in the guest (${formatBytes(status.freeBytes)} free, ${formatBytes(sizeBytes)} needed)`,
            freeBytes: status.freeBytes,
          };
    case VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED:
      return {
        ok: false,
        code: 'session-locked',
        message: "the guest's session is locked: unlock it and try again",
      };
    case VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED:
      return {
        ok: false,
        code: 'no-session-agent',
        message: 'no user session agent runs in the guest (log in to the guest desktop)',
      };
    case VD_AGENT_FILE_XFER_STATUS_DISABLED:
      return { ok: false, code: 'disabled', message: 'file transfer is disabled in the guest' };
    default:
      return {
        ok: false,
        code: 'protocol',
        message: `the guest agent answered with unknown status ${status.result}`,
      };
  }
}

/** One file on its way to the guest. Settles through `done`, which never rejects. */
export class FileTransfer {
  state: TransferState = 'queued';
  /** Bytes the server accepted (their AGENT_DATA went out). */
  sentBytes = 0;
  /** @internal Bytes read from the source (sent or queued). */
  readBytes = 0;
  readonly done: Promise<TransferResult>;
  /** Set by FileTransfers; cancels the transfer. */
  cancel: () => void = () => {};
  private settleDone!: (result: TransferResult) => void;
  /** @internal Outbox tickets of this transfer's queued messages. */
  tickets: OutboxTicket[] = [];
  /** @internal Data messages queued and not yet on the wire. */
  queuedMessages = 0;
  /** @internal A read from the source is in progress. */
  reading = false;
  /** @internal The single empty data message of an empty file was queued. */
  emptySent = false;
  /** @internal Read buffers whose message has gone out, ready for the next block. */
  spareBlocks: Uint8Array[] = [];

  constructor(
    readonly id: number,
    readonly source: FileSource,
  ) {
    this.done = new Promise((resolve) => (this.settleDone = resolve));
  }

  get name(): string {
    return this.source.name;
  }
  get sizeBytes(): number {
    return this.source.sizeBytes;
  }
  get finished(): boolean {
    return this.state === 'done' || this.state === 'failed' || this.state === 'cancelled';
  }

  info(): TransferInfo {
    return {
      id: this.id,
      name: this.name,
      sizeBytes: this.sizeBytes,
      sentBytes: this.sentBytes,
      state: this.state,
    };
  }

  /** @internal Records the outcome. */
  settle(result: TransferResult): void {
    this.settleDone(result);
  }
}

/** A group of files sent together, for totals. */
export interface TransferBatch {
  readonly transfers: readonly FileTransfer[];
  readonly totalBytes: number;
  /** Bytes of the batch accepted by the server so far. */
  sentBytes(): number;
  /** Settles when every file has; results in the order of `transfers`. */
  readonly done: Promise<TransferResult[]>;
  cancel(): void;
}

export class FileTransfers {
  private readonly transfers = new Map<number, FileTransfer>();
  private readonly waiting: FileTransfer[] = [];
  private nextId = 1;
  private activeCount = 0;

  constructor(
    private readonly ctx: FileTransferContext,
    private readonly options: FileTransferOptions,
  ) {}

  /** Transfers not finished yet (waiting or running). */
  get pending(): FileTransfer[] {
    return [...this.transfers.values()];
  }

  /**
   * Starts sending `sources` (each is closed when its transfer ends). Without a ready agent, or when the guest
   * announced FILE_XFER_DISABLED, every file fails at once (still through `done` and the events).
   */
  send(sources: readonly FileSource[]): TransferBatch {
    const transfers = sources.map((source) => {
      const t = new FileTransfer(this.allocateId(), source);
      t.cancel = () => this.cancel(t);
      this.transfers.set(t.id, t);
      return t;
    });
    // Events of a batch never fire before send() returns, so callers can subscribe with the batch in hand.
    const refusal = this.refusal();
    if (!refusal) this.waiting.push(...transfers);
    queueMicrotask(() => {
      if (refusal) for (const t of transfers) this.finish(t, refusal);
      this.startWaiting();
    });
    const totalBytes = transfers.reduce((n, t) => n + t.sizeBytes, 0);
    return {
      transfers,
      totalBytes,
      sentBytes: () => transfers.reduce((n, t) => n + t.sentBytes, 0),
      done: Promise.all(transfers.map((t) => t.done)),
      cancel: () => transfers.forEach((t) => t.cancel()),
    };
  }

  /** FILE_XFER_STATUS from the agent. */
  onStatus(payload: Uint8Array): void {
    const status = decodeFileXferStatus(payload, this.ctx.caps()?.detailedXferErrors ?? false);
    const t = this.transfers.get(status.id);
    if (!t || t.finished) {
      this.ctx.log.debug(`file transfer: status ${status.result} for unknown transfer ${status.id}`);
      return;
    }
    switch (status.result) {
      case VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA:
        if (t.state !== 'starting') return;
        t.state = 'sending';
        this.pump(t);
        return;
      case VD_AGENT_FILE_XFER_STATUS_SUCCESS:
        if (t.readBytes < t.sizeBytes) {
          this.ctx.log.warn(
            `file transfer ${t.id}: the agent confirmed ${t.name} before all its data was sent`,
          );
        }
        this.finish(t, { ok: true });
        return;
      default:
        this.finish(t, describeXferStatus(status, t.sizeBytes));
    }
  }

  /** The agent left: every transfer fails (the server drops what was queued for the old agent). */
  agentStopped(reason: string): void {
    this.waiting.length = 0;
    for (const t of this.transfers.values()) {
      this.finish(t, { ok: false, code: t.state === 'queued' ? 'no-agent' : 'agent-gone', message: reason });
    }
  }

  private refusal(): (TransferResult & { ok: false }) | null {
    const caps = this.ctx.caps();
    if (!caps) return { ok: false, code: 'no-agent', message: 'the guest agent is not connected' };
    if (caps.fileTransferDisabled) {
      return { ok: false, code: 'disabled', message: 'file transfer is disabled in the guest' };
    }
    return null;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
      if (!this.transfers.has(id)) return id;
    }
  }

  private startWaiting(): void {
    while (this.activeCount < this.options.maxActive && this.waiting.length > 0) {
      const t = this.waiting.shift()!;
      if (t.finished) continue;
      this.activeCount++;
      t.state = 'starting';
      t.tickets.push(
        this.ctx.send(
          { type: VD_AGENT_FILE_XFER_START, parts: [encodeFileXferStart(t.id, t.name, t.sizeBytes)] },
          'control',
        ),
      );
      this.ctx.emit('transfer-progress', t.info());
    }
  }

  /** Keeps up to readAheadMessages data messages queued for `t`. */
  private pump(t: FileTransfer): void {
    if (t.state !== 'sending' || t.reading || t.queuedMessages >= this.options.readAheadMessages) return;
    if (t.sizeBytes === 0) {
      // An empty file still needs one (empty) data message; a non-empty one never gets a trailing empty one.
      if (!t.emptySent) {
        t.emptySent = true;
        this.queueData(t, new Uint8Array(0));
      }
      return;
    }
    if (t.readBytes >= t.sizeBytes) return;
    t.reading = true;
    // Blocks are reused once their message is on the wire (the channel has copied it into its frames), so a
    // transfer allocates readAheadMessages + 1 blocks whatever the file size.
    const block = t.spareBlocks.pop() ?? new Uint8Array(FILE_XFER_BLOCK_BYTES);
    const want = Math.min(FILE_XFER_BLOCK_BYTES, t.sizeBytes - t.readBytes);
    t.source.read(block.subarray(0, want), t.readBytes).then(
      (n) => {
        t.reading = false;
        if (t.state !== 'sending') return;
        if (n <= 0) {
          this.failRead(
            t,
            `${t.name} ended after ${t.readBytes} of its ${t.sizeBytes} bytes (changed while sending?)`,
          );
          return;
        }
        this.queueData(t, block.subarray(0, Math.min(n, want)), block);
        this.pump(t);
      },
      (e: unknown) => {
        t.reading = false;
        this.failRead(t, `cannot read ${t.name}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private queueData(t: FileTransfer, data: Uint8Array, block?: Uint8Array): void {
    t.readBytes += data.length;
    t.queuedMessages++;
    // onSent may run inside send() (tokens at hand), before the ticket is returned.
    let ticket: OutboxTicket | null = null;
    let sent = false;
    ticket = this.ctx.send(
      {
        type: VD_AGENT_FILE_XFER_DATA,
        parts: [encodeFileXferDataHeader(t.id, data.length), data],
        onSent: () => {
          sent = true;
          t.queuedMessages--;
          t.sentBytes += data.length;
          if (block) t.spareBlocks.push(block);
          if (ticket) t.tickets = t.tickets.filter((x) => x !== ticket);
          if (t.sentBytes >= t.sizeBytes && t.state === 'sending') t.state = 'confirming';
          this.ctx.emit('transfer-progress', t.info());
          this.pump(t);
        },
      },
      'bulk',
    );
    if (!sent) t.tickets.push(ticket);
  }

  private failRead(t: FileTransfer, message: string): void {
    this.ctx.log.warn(`file transfer ${t.id}: ${message}`);
    this.abortOnAgent(t, VD_AGENT_FILE_XFER_STATUS_ERROR);
    this.finish(t, { ok: false, code: 'read-error', message });
  }

  private cancel(t: FileTransfer): void {
    if (t.finished) return;
    this.abortOnAgent(t, VD_AGENT_FILE_XFER_STATUS_CANCELLED);
    this.finish(t, { ok: false, code: 'cancelled', message: 'cancelled' });
  }

  /** Drops queued data and, if the agent knows the transfer, tells it to stop (it deletes the partial file). */
  private abortOnAgent(t: FileTransfer, result: number): void {
    const startNotSent = t.state === 'starting' && t.tickets[0]?.cancel() === true;
    for (const ticket of t.tickets) ticket.cancel();
    t.tickets = [];
    if (t.state === 'queued' || startNotSent) return;
    this.ctx.send(
      { type: VD_AGENT_FILE_XFER_STATUS, parts: [encodeFileXferStatus(t.id, result)] },
      'control',
    );
  }

  private finish(t: FileTransfer, result: TransferResult): void {
    if (t.finished) return;
    const wasActive = t.state !== 'queued';
    for (const ticket of t.tickets) ticket.cancel();
    t.tickets = [];
    t.state = result.ok ? 'done' : result.code === 'cancelled' ? 'cancelled' : 'failed';
    this.transfers.delete(t.id);
    const waitingAt = this.waiting.indexOf(t);
    if (waitingAt >= 0) this.waiting.splice(waitingAt, 1);
    if (wasActive) this.activeCount--;
    t.source
      .close()
      .catch((e: unknown) =>
        this.ctx.log.warn(`closing ${t.name} failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    if (!result.ok) this.ctx.log.info(`file transfer of ${t.name} failed: ${result.message}`);
    t.settle(result);
    this.ctx.emit('transfer-finished', { ...t.info(), result });
    this.startWaiting();
  }
}
