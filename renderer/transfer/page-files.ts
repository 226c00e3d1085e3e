// Files dropped on a view (or picked), sent to the guest through the session: the page announces them
// (transferFiles) and answers the session's block reads (transfer-read → transferData) from the File objects, so no
// file is ever loaded whole. Dropped folders are expanded (their files, recursively). Works in both shells: the
// desktop app's page reads its dropped files the same way.
import type { PageFile, PortMessage, RequestMap, RequestMethod } from '../../shared/contract';
import { AGENT_LIMITS } from '../../shared/contract';

export interface PageFilesDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  onMessage(listener: (message: PortMessage) => void): () => void;
  notice(level: 'info' | 'warning' | 'error', message: string): void;
}

/** Most files one drop sends (a huge folder is cut here, with a notice). */
export const MAX_DROPPED_FILES = 10_000;

export class PageFiles {
  private readonly files = new Map<number, File>();
  private nextFileId = 1;

  constructor(private readonly deps: PageFilesDeps) {
    deps.onMessage((m) => {
      if (m.kind === 'transfer-read') void this.read(m.fileId, m.readId, m.position, m.length);
      else if (m.kind === 'transfer-progress') this.forgetFinished(m);
    });
  }

  /** Sends these files to the guest. */
  send(files: readonly File[]): void {
    const announced: PageFile[] = [];
    for (const file of files.slice(0, MAX_DROPPED_FILES)) {
      const fileId = this.nextFileId++;
      this.files.set(fileId, file);
      announced.push({
        fileId,
        name: file.name.slice(0, AGENT_LIMITS.maxTransferNameLength),
        sizeBytes: file.size,
      });
    }
    for (let i = 0; i < announced.length; i += AGENT_LIMITS.maxFilesPerRequest)
      this.deps.request('transferFiles', { files: announced.slice(i, i + AGENT_LIMITS.maxFilesPerRequest) });
  }

  /** The files of a drop, folders expanded (Chromium's entries API; plain files where it is missing). */
  async filesOf(data: DataTransfer): Promise<File[]> {
    const entries = [...data.items]
      .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null))
      .filter((e): e is FileSystemEntry => e !== null && e !== undefined);
    if (entries.length === 0) return [...data.files];
    const out: File[] = [];
    const walk = async (entry: FileSystemEntry): Promise<void> => {
      if (out.length >= MAX_DROPPED_FILES) return;
      if (entry.isFile) {
        out.push(
          await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)),
        );
        return;
      }
      if (!entry.isDirectory) return;
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) return;
        for (const child of batch) await walk(child);
      }
    };
    for (const entry of entries) {
      try {
        await walk(entry);
      } catch {
        this.deps.notice('warning', `Could not read ${entry.name}.`);
      }
    }
    return out;
  }

  private async read(fileId: number, readId: number, position: number, length: number): Promise<void> {
    const file = this.files.get(fileId);
    if (!file) {
      this.deps.request('transferReadFailed', {
        fileId,
        readId,
        message: 'the page no longer has this file',
      });
      return;
    }
    try {
      const data = new Uint8Array(await file.slice(position, position + length).arrayBuffer());
      this.deps.request('transferData', { fileId, readId, data });
    } catch (e) {
      this.deps.request('transferReadFailed', {
        fileId,
        readId,
        message: (e instanceof Error ? e.name || e.message : String(e)).slice(0, 400),
      });
    }
  }

  /** When nothing is pending, the session will not read again: drop the File references. */
  private forgetFinished(m: Extract<PortMessage, { kind: 'transfer-progress' }>): void {
    if (m.totals.finished === m.totals.files) this.files.clear();
  }
}
