// The page as the host's clipboard in `saffron web`: the browser's async Clipboard API, read when the page gains focus
// or becomes visible (and from a paste event's data when reading is not permitted), and written when the guest
// copies something (at once if the page has focus, else on the next focus: browsers write only for a focused page).
// What this page wrote is remembered with the session's fingerprint, so reading it back is reported as the guest's
// own data and never grabbed back (no loops). Only the CLIPBOARD selection exists in a browser.
import type {
  AgentSettings,
  ClipboardFormat,
  ClipboardHostRequestMessage,
  PortMessage,
  RequestMap,
  RequestMethod,
} from '../../shared/contract';
import { AGENT_LIMITS } from '../../shared/contract';
import { clipboardText } from './strings';

/** The slice of navigator.clipboard used here (a fake in tests is not needed: Chromium runs the real one). */
export interface AsyncClipboard {
  read(): Promise<ClipboardItems>;
  write(items: ClipboardItems): Promise<void>;
}

export interface BrowserClipboardDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  onMessage(listener: (message: PortMessage) => void): () => void;
  clipboard: AsyncClipboard | undefined;
  notice(level: 'info' | 'warning' | 'error', message: string): void;
  /** Largest content read from or written to the browser's clipboard. */
  maxBytes?: number;
}

interface Content {
  text?: string;
  png?: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

const sameContent = (a: Content | undefined, b: Content): boolean =>
  a !== undefined && a.text === b.text && sameBytes(a.png, b.png);

export class BrowserClipboard {
  private settings: AgentSettings | undefined;
  private agentClipboard = false;
  /** The host content last seen (what the guest gets when it pastes). */
  private seen: Content | undefined;
  /** What this page last wrote for the guest, and its fingerprint. */
  private written: { content: Content; fingerprint: string } | undefined;
  /** The guest offers these formats and the page has not fetched them yet. */
  private pendingOffer: ClipboardFormat[] | undefined;
  private nextRequestId = 1;
  private readonly fetching = new Set<number>();
  private readonly maxBytes: number;
  private enabled = false;
  private warnedRead = false;

  constructor(private readonly deps: BrowserClipboardDeps) {
    this.maxBytes = deps.maxBytes ?? 100 * 1024 * 1024;
  }

  /** Starts listening (the page's shell is `saffron web`; the desktop app's clipboard lives in its main process). */
  attach(target: Window = window): void {
    this.enabled = true;
    this.deps.onMessage((m) => this.onMessage(m));
    target.addEventListener('focus', () => this.onFocus());
    target.document.addEventListener('visibilitychange', () => {
      if (target.document.visibilityState === 'visible') this.onFocus();
    });
    target.document.addEventListener('paste', (e) => this.onPaste(e));
  }

  private get toGuest(): boolean {
    return this.enabled && this.agentClipboard && (this.settings?.clipboardToGuest ?? false);
  }
  private get toHost(): boolean {
    return this.enabled && this.agentClipboard && (this.settings?.clipboardToHost ?? false);
  }

  private onMessage(m: PortMessage): void {
    switch (m.kind) {
      case 'view':
        if (m.shell === 'electron') this.enabled = false;
        return;
      case 'agent-state': {
        const wasSharing = this.toGuest;
        this.settings = m.settings;
        this.agentClipboard = m.connected && m.clipboard;
        if (this.toGuest && !wasSharing && document.hasFocus()) void this.readHost();
        return;
      }
      case 'clipboard-offer':
        if (m.selection !== 'clipboard') return;
        this.pendingOffer = m.formats.length > 0 ? m.formats : undefined;
        if (this.pendingOffer && this.toHost && document.hasFocus()) this.fetchOffer();
        return;
      case 'clipboard-data':
        if (this.fetching.delete(m.requestId)) void this.writeGuestData(m.format, m.data, m.fingerprint);
        return;
      case 'clipboard-fetch-failed':
        if (this.fetching.delete(m.requestId))
          this.deps.notice('warning', clipboardText('clipboard.fetch-failed', { reason: m.message }));
        return;
      case 'clipboard-host-request':
        this.answerGuest(m);
        return;
      default:
        return;
    }
  }

  private onFocus(): void {
    if (this.pendingOffer && this.toHost) this.fetchOffer();
    else if (this.toGuest) void this.readHost();
  }

  private fetchOffer(): void {
    const formats = this.pendingOffer;
    this.pendingOffer = undefined;
    if (!formats) return;
    const requestId = this.nextRequestId++;
    this.fetching.add(requestId);
    this.deps.request('clipboardFetch', {
      requestId,
      selection: 'clipboard',
      format: formats.includes('text') ? 'text' : 'image',
    });
  }

  private async writeGuestData(
    format: ClipboardFormat,
    data: Uint8Array,
    fingerprint: string,
  ): Promise<void> {
    const clipboard = this.deps.clipboard;
    if (!clipboard) {
      this.deps.notice('warning', clipboardText('clipboard.insecure'));
      return;
    }
    const content: Content = format === 'text' ? { text: decoder.decode(data) } : { png: data.slice() };
    const blob =
      format === 'text'
        ? new Blob([content.text!], { type: 'text/plain' })
        : new Blob([content.png! as Uint8Array<ArrayBuffer>], { type: 'image/png' });
    try {
      await clipboard.write([new ClipboardItem({ [blob.type]: blob })]);
      this.written = { content, fingerprint };
      this.seen = content;
    } catch (e) {
      this.deps.notice('warning', clipboardText('clipboard.write-failed', { reason: reasonOf(e) }));
    }
  }

  /** Reads the browser's clipboard and offers it to the guest if it changed. */
  private async readHost(): Promise<void> {
    const clipboard = this.deps.clipboard;
    if (!clipboard) return;
    let content: Content;
    try {
      content = await this.readItems(await clipboard.read());
    } catch (e) {
      if (!this.warnedRead) {
        this.warnedRead = true;
        this.deps.notice('info', clipboardText('clipboard.read-denied', { reason: reasonOf(e) }));
      }
      return;
    }
    this.hostContent(content);
  }

  private onPaste(e: ClipboardEvent): void {
    if (!this.toGuest || !e.clipboardData) return;
    const text = e.clipboardData.getData('text/plain');
    if (text && text.length <= this.maxBytes) this.hostContent({ text });
  }

  private async readItems(items: ClipboardItems): Promise<Content> {
    const content: Content = {};
    for (const item of items) {
      if (content.text === undefined && item.types.includes('text/plain')) {
        const blob = await item.getType('text/plain');
        if (blob.size <= this.maxBytes) content.text = await blob.text();
      }
      if (content.png === undefined && item.types.includes('image/png')) {
        const blob = await item.getType('image/png');
        if (blob.size <= this.maxBytes) content.png = new Uint8Array(await blob.arrayBuffer());
      }
    }
    return content;
  }

  private hostContent(content: Content): void {
    if (!this.toGuest || sameContent(this.seen, content)) return;
    this.seen = content;
    const formats: ClipboardFormat[] = [];
    if (content.text !== undefined && content.text.length > 0) formats.push('text');
    if (content.png !== undefined && content.png.byteLength > 0) formats.push('image');
    const mine =
      this.written && sameContent(this.written.content, content) ? this.written.fingerprint : undefined;
    this.deps.request('clipboardHostGrab', {
      selection: 'clipboard',
      formats,
      ...(mine !== undefined ? { fingerprint: mine } : {}),
    });
  }

  /** The guest pastes: send what was seen, in pieces the contract allows. */
  private answerGuest(m: ClipboardHostRequestMessage): void {
    const bytes =
      m.format === 'text'
        ? this.seen?.text !== undefined
          ? encoder.encode(this.seen.text)
          : undefined
        : this.seen?.png;
    if (!bytes || bytes.byteLength === 0 || !this.toGuest) {
      this.deps.request('clipboardHostData', {
        requestId: m.requestId,
        totalBytes: 0,
        offset: 0,
        data: new Uint8Array(0),
      });
      return;
    }
    for (let offset = 0; offset < bytes.byteLength; offset += AGENT_LIMITS.maxDataBytes)
      this.deps.request('clipboardHostData', {
        requestId: m.requestId,
        totalBytes: bytes.byteLength,
        offset,
        data: bytes.subarray(offset, offset + AGENT_LIMITS.maxDataBytes),
      });
  }
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.name || e.message : String(e);
}
