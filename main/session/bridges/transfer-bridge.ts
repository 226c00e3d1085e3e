// File transfers to the guest with progress and cancel, for every way a file arrives: files dropped on a page in
// `saffron web` (transferFiles; the session reads them block by block with transfer-read, so neither side holds a
// whole file), and paths dropped on an app window or picked in its dialog (read from disk in this process, folders
// expanded). Progress of every transfer goes to every view as transfer-progress (throttled), with the totals of the
// current batch of work and the agent's reason for each failure.
import type {
  PageFile,
  TransferItem,
  TransferProgressMessage,
  TransferStateName,
} from '../../../shared/contract';
import { AGENT_LIMITS } from '../../../shared/contract';
import type { FileSource } from '../../spice/agent/file-source';
import type { FileTransfer, TransferInfo, TransferResult } from '../../spice/agent/file-transfer';
import { errorMessage } from '../../spice/errors';
import type { RequestHandlers, SessionBridge, SessionContext, ViewPort } from '../session-bridge';
import type { AgentLike, SessionLike } from '../session-like';

/** Opens the files of dropped or picked paths (folders expanded); injected so tests and the shell choose. */
export type PathOpener = (paths: readonly string[]) => Promise<{ sources: FileSource[]; errors: string[] }>;

export interface TransferBridgeOptions {
  openPaths?: PathOpener;
  /** The desktop app's file picker (transferPick); absent in `saffron web`, whose pages pick files themselves. */
  pickFiles?: () => void;
  /** Least time between two progress messages. */
  progressIntervalMs?: number;
  /** How long a page may take to answer a block read. */
  readTimeoutMs?: number;
}

interface PendingRead {
  into: Uint8Array;
  resolve(count: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Tracked {
  item: TransferItem;
  transfer: FileTransfer;
}

export class TransferBridge implements SessionBridge {
  readonly name = 'transfer';
  private agent: AgentLike | undefined;
  private readonly reads = new Map<string, PendingRead>();
  private nextReadId = 1;
  private readonly tracked = new Map<number, Tracked>();
  private readonly changed = new Set<number>();
  private totals = { files: 0, finished: 0, failed: 0, totalBytes: 0, sentBytes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private offAgent: (() => void)[] = [];
  private readonly intervalMs: number;
  private readonly readTimeoutMs: number;

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: TransferBridgeOptions = {},
  ) {
    this.intervalMs = options.progressIntervalMs ?? 100;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
  }

  readonly handlers: Pick<
    RequestHandlers,
    'transferFiles' | 'transferData' | 'transferReadFailed' | 'transferCancel' | 'transferPick'
  > = {
    transferFiles: (r, view) => this.send(r.files.map((f) => this.pageSource(f, view))),
    transferData: (r, view) => {
      const read = this.takeRead(view, r.fileId, r.readId);
      if (!read) return;
      if (r.data.byteLength > read.into.byteLength)
        read.reject(new Error('the page sent more than was asked'));
      else {
        read.into.set(r.data);
        read.resolve(r.data.byteLength);
      }
    },
    transferReadFailed: (r, view) =>
      this.takeRead(view, r.fileId, r.readId)?.reject(
        new Error(`the browser could not read the file: ${r.message}`),
      ),
    transferCancel: (r) => {
      for (const { transfer } of this.tracked.values())
        if ((r.id === undefined || r.id === transfer.id) && !transfer.finished) transfer.cancel();
    },
    transferPick: () => {
      if (this.options.pickFiles) this.options.pickFiles();
      else this.ctx.logger.info('transferPick: this shell has no file dialog (the page picks files itself)');
    },
  };

  /** Paths dropped on an app window or picked in its dialog. */
  async sendPaths(paths: readonly string[]): Promise<void> {
    if (!this.options.openPaths) {
      this.ctx.logger.warn('file paths arrived, but this shell cannot open files');
      return;
    }
    const { sources, errors } = await this.options.openPaths(paths);
    for (const message of errors)
      this.ctx.broadcast({ kind: 'notice', level: 'warning', message: message.slice(0, 400) });
    if (sources.length > 0) this.send(sources);
  }

  sessionStarted(session: SessionLike): void {
    this.agent = session.agent;
    const agent = session.agent;
    if (!agent) return;
    this.offAgent = [
      agent.on('transfer-progress', (info) => this.update(info)),
      agent.on('transfer-finished', (info) => this.update(info, info.result)),
    ];
  }

  viewAttached(view: ViewPort): void {
    if (this.tracked.size > 0) view.send(this.progress([...this.tracked.keys()]));
  }

  viewDetached(view: ViewPort): void {
    for (const [key, read] of this.reads)
      if (key.startsWith(`${view.id}:`)) {
        this.reads.delete(key);
        clearTimeout(read.timer);
        read.reject(new Error('the browser tab holding the file closed'));
      }
  }

  sessionEnded(): void {
    for (const off of this.offAgent) off();
    this.offAgent = [];
    this.agent = undefined;
  }

  private send(sources: FileSource[]): void {
    if (!this.agent) {
      this.ctx.broadcast({
        kind: 'notice',
        level: 'warning',
        message: 'Files cannot be sent: not connected.',
      });
      for (const s of sources) void s.close().catch(() => {});
      return;
    }
    if (this.tracked.size > 0 && [...this.tracked.values()].every((t) => t.transfer.finished)) this.reset();
    const batch = this.agent.sendFiles(sources);
    for (const transfer of batch.transfers) {
      this.tracked.set(transfer.id, {
        transfer,
        item: {
          id: transfer.id,
          name: transfer.name.slice(0, AGENT_LIMITS.maxTransferNameLength),
          sizeBytes: transfer.sizeBytes,
          sentBytes: transfer.sentBytes,
          state: transfer.state,
        },
      });
      this.totals.files++;
      this.totals.totalBytes += transfer.sizeBytes;
      this.changed.add(transfer.id);
      // The result also arrives as transfer-finished; this covers a batch refused before any event.
      void transfer.done.then((result) => this.update(transfer.info(), result));
    }
    this.schedule();
  }

  private update(info: TransferInfo, result?: TransferResult): void {
    const t = this.tracked.get(info.id);
    if (!t || (t.item.state !== info.state && isFinal(t.item.state))) return;
    this.totals.sentBytes += info.sentBytes - t.item.sentBytes;
    const wasFinal = isFinal(t.item.state);
    t.item = { ...t.item, sentBytes: info.sentBytes, state: info.state };
    if (result && !result.ok) t.item.error = result.message.slice(0, 4000);
    if (!wasFinal && isFinal(info.state)) {
      this.totals.finished++;
      if (info.state !== 'done') this.totals.failed++;
    }
    this.changed.add(info.id);
    this.schedule(isFinal(info.state));
  }

  private schedule(now = false): void {
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  private flush(): void {
    if (this.changed.size === 0) return;
    const ids = [...this.changed];
    this.changed.clear();
    for (let i = 0; i < ids.length; i += AGENT_LIMITS.maxProgressItems)
      this.ctx.broadcast(this.progress(ids.slice(i, i + AGENT_LIMITS.maxProgressItems)));
  }

  private progress(ids: number[]): TransferProgressMessage {
    const items = ids.slice(-AGENT_LIMITS.maxProgressItems).flatMap((id) => {
      const t = this.tracked.get(id);
      return t ? [t.item] : [];
    });
    return { kind: 'transfer-progress', items, totals: { ...this.totals } };
  }

  private reset(): void {
    this.tracked.clear();
    this.totals = { files: 0, finished: 0, failed: 0, totalBytes: 0, sentBytes: 0 };
  }

  private pageSource(file: PageFile, view: ViewPort): FileSource {
    let closed = false;
    return {
      name: file.name,
      sizeBytes: file.sizeBytes,
      read: (into, position) => {
        if (closed) return Promise.reject(new Error(`${file.name} is closed`));
        if (!this.ctx.views.has(view))
          return Promise.reject(new Error('the browser tab holding the file closed'));
        const length = Math.min(into.byteLength, AGENT_LIMITS.maxDataBytes, file.sizeBytes - position);
        if (length <= 0) return Promise.resolve(0);
        const readId = this.nextReadId++;
        return new Promise<number>((resolve, reject) => {
          const key = `${view.id}:${file.fileId}:${readId}`;
          const timer = setTimeout(() => {
            this.reads.delete(key);
            reject(new Error('the browser did not send the file in time'));
          }, this.readTimeoutMs);
          this.reads.set(key, { into: into.subarray(0, length), resolve, reject, timer });
          view.send({ kind: 'transfer-read', fileId: file.fileId, readId, position, length });
        });
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
  }

  private takeRead(view: ViewPort, fileId: number, readId: number): PendingRead | undefined {
    const key = `${view.id}:${fileId}:${readId}`;
    const read = this.reads.get(key);
    if (!read) return undefined;
    this.reads.delete(key);
    clearTimeout(read.timer);
    return read;
  }
}

function isFinal(state: TransferStateName): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}

/** Expands dropped or picked paths into file sources (folders recursively, up to `maxFiles`). */
export function diskPathOpener(
  open: (path: string) => Promise<FileSource>,
  list: (path: string) => Promise<{ name: string; dir: boolean }[] | null>,
  maxFiles = 4096,
): PathOpener {
  return async (paths) => {
    const sources: FileSource[] = [];
    const errors: string[] = [];
    const queue = [...paths];
    while (queue.length > 0 && sources.length < maxFiles) {
      const path = queue.shift()!;
      try {
        const entries = await list(path);
        if (entries) {
          for (const e of entries) queue.push(`${path}/${e.name}`);
          continue;
        }
        sources.push(await open(path));
      } catch (e) {
        errors.push(errorMessage(e));
      }
    }
    if (queue.length > 0) errors.push(`Only the first ${maxFiles} files are sent.`);
    return { sources, errors };
  };
}
