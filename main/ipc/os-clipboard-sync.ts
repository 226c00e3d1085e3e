// The desktop app's half of the clipboard bridge, as plain logic over an injected OS clipboard (Electron's
// `clipboard` module in main/app; a fake in tests): writes the guest's content when the session process asks
// (clipboard-write), answers the guest's pastes (clipboard-read), and tells the session when the OS clipboard changed
// — checked when a window gains focus, and polled cheaply while one has focus (Electron has no clipboard-change event
// on any OS; a password manager's global copy shortcut changes the clipboard while the viewer has focus) — with
// the fingerprint of what it wrote
// itself, so the guest's own data is never grabbed back. PRIMARY exists only on Linux (X11/Wayland selection).
import type { ClipboardFormat, ClipboardSelectionName } from '../../shared/contract';
import type { AgentHostMessage, OsClipboardContent } from './agent-host-protocol';
import { MAX_OS_CLIPBOARD_BYTES } from './agent-host-protocol';

/** What the OS clipboard offers (Electron's async clipboard: read/readText/write/writeText, `.selection` on Linux). */
export interface OsClipboard {
  readText(selection: ClipboardSelectionName): Promise<string>;
  /** PNG bytes of the image on the clipboard, or empty when it holds none. */
  readPng(selection: ClipboardSelectionName): Promise<Uint8Array>;
  writeText(selection: ClipboardSelectionName, text: string): Promise<void>;
  writePng(selection: ClipboardSelectionName, png: Uint8Array): Promise<void>;
  /** True where the selection exists (PRIMARY: Linux only). */
  has(selection: ClipboardSelectionName): boolean;
  /**
   * A cheap stamp of what the clipboard holds (formats and text), for polling without reading images; absent
   * where the shell cannot give one (then only focus triggers a check).
   */
  stamp?(selection: ClipboardSelectionName): Promise<string>;
}

interface Snapshot {
  text: string;
  pngBytes: number;
  pngHead: string;
}

const snapshotOf = (text: string, png: Uint8Array): Snapshot => ({
  text,
  pngBytes: png.byteLength,
  pngHead: Array.from(png.subarray(Math.max(0, png.byteLength - 64))).join(','),
});

const same = (a: Snapshot | undefined, b: Snapshot): boolean =>
  a !== undefined && a.text === b.text && a.pngBytes === b.pngBytes && a.pngHead === b.pngHead;

export class OsClipboardSync {
  /** What each selection held when last seen (a change is a difference from this). */
  private readonly seen = new Map<ClipboardSelectionName, Snapshot>();
  /** What we last wrote for the guest, with its fingerprint. */
  private readonly written = new Map<ClipboardSelectionName, { snapshot: Snapshot; fingerprint: string }>();

  /** The last stamp a poll saw (see OsClipboard.stamp). */
  private lastStamp: string | undefined;
  /** A poll is queued or running (polls never pile up behind a slow clipboard). */
  private polling = false;

  /** Clipboard work runs one call at a time, so a check never sees half of a write. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly clipboard: OsClipboard,
    private readonly send: (message: AgentHostMessage) => void,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** Settles when the queued clipboard work is done (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** The session process asks to write the guest's content. */
  write(selection: ClipboardSelectionName, content: OsClipboardContent, fingerprint: string): void {
    this.serial(async () => {
      if (!this.clipboard.has(selection)) return;
      if (content.text !== undefined) await this.clipboard.writeText(selection, content.text);
      else if (content.png) await this.clipboard.writePng(selection, content.png);
      else return;
      const snapshot = await this.read(selection);
      this.seen.set(selection, snapshot);
      this.written.set(selection, { snapshot, fingerprint });
    });
  }

  /** The guest pastes: answer with the OS clipboard's content of `format` (null on any failure). */
  answer(requestId: number, selection: ClipboardSelectionName, format: ClipboardFormat): void {
    let content: OsClipboardContent | null = null;
    this.serial(
      async () => {
        if (!this.clipboard.has(selection)) return;
        if (format === 'text') {
          const text = await this.clipboard.readText(selection);
          if (text.length > 0 && text.length <= MAX_OS_CLIPBOARD_BYTES) content = { text };
        } else {
          const png = await this.clipboard.readPng(selection);
          if (png.byteLength > 0 && png.byteLength <= MAX_OS_CLIPBOARD_BYTES) content = { png };
        }
      },
      () => this.send({ t: 'clipboard-content', requestId, content }),
    );
  }

  /** Looks at the OS clipboard (a window gained focus) and reports a change. */
  check(): void {
    this.serial(() => this.checkNow());
  }

  /**
   * The periodic look while a window has focus: only the CLIPBOARD selection (PRIMARY changes only in another
   * window), and only its stamp unless that changed.
   */
  poll(): void {
    const clipboard = this.clipboard;
    if (!clipboard.stamp || !clipboard.has('clipboard') || this.polling) return;
    this.polling = true;
    this.serial(
      async () => {
        const now = await clipboard.stamp?.('clipboard');
        if (now === this.lastStamp) return;
        this.lastStamp = now;
        await this.checkNow(['clipboard']);
      },
      () => (this.polling = false),
    );
  }

  private serial(work: () => Promise<void>, always: () => void = () => {}): void {
    this.chain = this.chain
      .then(work)
      .catch((e: unknown) => this.onError(`clipboard: ${e instanceof Error ? e.message : String(e)}`))
      .finally(always);
  }

  private async checkNow(
    selections: readonly ClipboardSelectionName[] = ['clipboard', 'primary'],
  ): Promise<void> {
    for (const selection of selections) {
      if (!this.clipboard.has(selection)) continue;
      const now = await this.read(selection);
      if (same(this.seen.get(selection), now)) continue;
      this.seen.set(selection, now);
      const formats: ClipboardFormat[] = [];
      if (now.text.length > 0) formats.push('text');
      if (now.pngBytes > 0) formats.push('image');
      const mine = this.written.get(selection);
      this.send({
        t: 'clipboard-changed',
        selection,
        formats,
        ...(mine && same(mine.snapshot, now) ? { fingerprint: mine.fingerprint } : {}),
      });
    }
  }

  private async read(selection: ClipboardSelectionName): Promise<Snapshot> {
    return snapshotOf(await this.clipboard.readText(selection), await this.clipboard.readPng(selection));
  }
}
