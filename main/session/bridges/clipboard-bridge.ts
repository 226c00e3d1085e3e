// The clipboard between the guest agent and the user's clipboard: the agent's ClipboardAdapter for the session.
// Two hosts: in `saffron web` the page is the clipboard (it reads the browser's clipboard on focus/paste and grabs
// with clipboardHostGrab; it fetches what the guest offers with clipboardFetch and writes it); in the desktop app the
// main process owns the OS clipboard (host-protocol: clipboard-write / clipboard-read / clipboard-changed). Each
// direction obeys its setting: with clipboardToGuest off the guest is never offered the host's clipboard (and is
// released); with clipboardToHost off the guest's offers never reach the host. Bulk content is bounded by maxBytes.
import type {
  ClipboardFormat,
  ClipboardHostDataRequest,
  ClipboardSelectionName,
} from '../../../shared/contract';
import { clipboardFingerprint } from '../../spice/agent/clipboard-content';
import type { ClipboardAdapter, ClipboardContent } from '../../spice/agent/clipboard-adapter';
import { DEFAULT_MAX_CLIPBOARD_BYTES } from '../../spice/agent/agent-clipboard';
import { errorMessage } from '../../spice/errors';
import type { RequestHandlers, SessionBridge, SessionContext, ViewPort } from '../session-bridge';
import type { AgentLike, SessionLike } from '../session-like';
import type { AgentSettingsStore } from './agent-settings';

/** The desktop app's OS clipboard, reached through its main process (host-protocol.ts' agent messages). */
export interface OsClipboardHost {
  /** Write the guest's content to the OS clipboard; main reports it back with `fingerprint` (no echo). */
  write(selection: ClipboardSelectionName, content: ClipboardContent, fingerprint: string): void;
  /** Read the OS clipboard; the answer comes back through ClipboardBridge.osContent(requestId, …). */
  read(requestId: number, selection: ClipboardSelectionName, format: ClipboardFormat): void;
}

export interface ClipboardBridgeOptions {
  /** The desktop app's clipboard; absent in `saffron web`, where the page is the clipboard. */
  os?: OsClipboardHost;
  /** Largest content carried each way (default: the agent's own 100 MB cap). */
  maxBytes?: number;
}

interface HostRead {
  resolve(content: ClipboardContent | null): void;
  format: ClipboardFormat;
  /** Pieces of a page's answer so far. */
  buffer?: Uint8Array;
  received: number;
  view?: ViewPort;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export class ClipboardBridge implements SessionBridge, ClipboardAdapter {
  readonly name = 'clipboard';
  private agent: AgentLike | undefined;
  /** The view whose page grabbed a selection last (it answers the guest's pastes) — `saffron web`. */
  private readonly owners = new Map<ClipboardSelectionName, ViewPort>();
  private readonly reads = new Map<number, HostRead>();
  private nextReadId = 1;
  private readonly maxBytes: number;

  constructor(
    private readonly ctx: SessionContext,
    private readonly settings: AgentSettingsStore,
    private readonly options: ClipboardBridgeOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES;
    settings.onChange((now, before) => {
      if (before.clipboardToGuest && !now.clipboardToGuest) {
        this.agent?.clipboard.hostRelease('clipboard');
        this.agent?.clipboard.hostRelease('primary');
      }
      if (now.clipboardToHost && !before.clipboardToHost) {
        for (const selection of ['clipboard', 'primary'] as const) {
          const formats = this.agent?.clipboard.guestOffers(selection) ?? [];
          if (formats.length > 0) this.guestGrab(selection, formats);
        }
      }
    });
  }

  readonly handlers: Pick<RequestHandlers, 'clipboardFetch' | 'clipboardHostGrab' | 'clipboardHostData'> = {
    clipboardFetch: (r, view) => void this.fetchForPage(r.requestId, r.selection, r.format, view),
    clipboardHostGrab: (r, view) => {
      if (r.formats.length > 0) this.owners.set(r.selection, view);
      this.hostChanged(r.selection, r.formats, r.fingerprint);
    },
    clipboardHostData: (r, view) => this.pageData(r, view),
  };

  // ---- the agent's adapter (guest → host) ----

  guestGrab(selection: ClipboardSelectionName, kinds: readonly ClipboardFormat[]): void {
    if (!this.settings.current.clipboardToHost) return;
    if (this.options.os) {
      void this.copyToOs(selection, kinds);
      return;
    }
    this.ctx.broadcast({ kind: 'clipboard-offer', selection, formats: [...kinds] });
  }

  guestRelease(selection: ClipboardSelectionName): void {
    if (!this.options.os) this.ctx.broadcast({ kind: 'clipboard-offer', selection, formats: [] });
  }

  readHost(selection: ClipboardSelectionName, kind: ClipboardFormat): Promise<ClipboardContent | null> {
    if (!this.settings.current.clipboardToGuest) return Promise.resolve(null);
    const os = this.options.os;
    const view = this.owners.get(selection);
    if (!os && (!view || !this.ctx.views.has(view))) return Promise.resolve(null);
    const requestId = this.nextReadId++;
    return new Promise((resolve) => {
      // The core times the request out; a late answer finds no entry and is dropped.
      this.reads.set(requestId, {
        format: kind,
        received: 0,
        ...(view ? { view } : {}),
        resolve: (content) => {
          this.reads.delete(requestId);
          resolve(content);
        },
      });
      if (os) os.read(requestId, selection, kind);
      else view!.send({ kind: 'clipboard-host-request', requestId, format: kind });
    });
  }

  // ---- the desktop app's main process (host-protocol) ----

  /** The OS clipboard changed (main saw it on focus or by its change notification). */
  hostChanged(
    selection: ClipboardSelectionName,
    formats: readonly ClipboardFormat[],
    fingerprint?: string,
  ): void {
    if (!this.settings.current.clipboardToGuest || !this.agent) return;
    if (formats.length === 0) this.agent.clipboard.hostRelease(selection);
    else this.agent.clipboard.hostGrab(selection, formats, fingerprint);
  }

  /** main's answer to a read: text or PNG, or null when the clipboard holds none of that format. */
  osContent(requestId: number, content: { text?: string; png?: Uint8Array } | null): void {
    const read = this.reads.get(requestId);
    if (!read) return;
    if (read.format === 'text' && content?.text !== undefined && content.text.length <= this.maxBytes)
      read.resolve({ kind: 'text', text: content.text });
    else if (read.format === 'image' && content?.png && content.png.byteLength <= this.maxBytes)
      read.resolve({ kind: 'image', png: content.png });
    else read.resolve(null);
  }

  // ---- session lifecycle ----

  sessionStarted(session: SessionLike): void {
    this.agent = session.agent;
  }

  viewDetached(view: ViewPort): void {
    for (const [selection, owner] of this.owners) if (owner === view) this.owners.delete(selection);
    for (const read of this.reads.values()) if (read.view === view) read.resolve(null);
  }

  sessionEnded(): void {
    this.agent = undefined;
    for (const read of [...this.reads.values()]) read.resolve(null);
    this.ctx.broadcast({ kind: 'clipboard-offer', selection: 'clipboard', formats: [] });
    this.ctx.broadcast({ kind: 'clipboard-offer', selection: 'primary', formats: [] });
  }

  // ---- internals ----

  private async fetchForPage(
    requestId: number,
    selection: ClipboardSelectionName,
    format: ClipboardFormat,
    view: ViewPort,
  ): Promise<void> {
    const fail = (message: string): void => view.send({ kind: 'clipboard-fetch-failed', requestId, message });
    if (!this.settings.current.clipboardToHost) return fail('sharing the guest clipboard is turned off');
    if (!this.agent) return fail('no guest agent is running');
    try {
      const content = await this.agent.clipboard.readGuest(selection, format);
      if (!content) return fail(`the guest clipboard holds no ${format}`);
      const data = content.kind === 'text' ? encoder.encode(content.text) : content.png;
      if (data.byteLength > this.maxBytes) return fail('the guest clipboard is larger than the size cap');
      view.send({
        kind: 'clipboard-data',
        requestId,
        format,
        fingerprint: clipboardFingerprint(content),
        data,
      });
    } catch (e) {
      fail(errorMessage(e));
    }
  }

  private async copyToOs(
    selection: ClipboardSelectionName,
    kinds: readonly ClipboardFormat[],
  ): Promise<void> {
    const agent = this.agent;
    const os = this.options.os;
    if (!agent || !os) return;
    // The OS clipboard cannot be lazy across processes: fetch at once, text first (what most pastes want).
    const format: ClipboardFormat = kinds.includes('text') ? 'text' : 'image';
    try {
      const content = await agent.clipboard.readGuest(selection, format);
      if (content && this.settings.current.clipboardToHost)
        os.write(selection, content, clipboardFingerprint(content));
    } catch (e) {
      this.ctx.logger.warn(`clipboard: the guest's ${selection} could not be copied: ${errorMessage(e)}`);
    }
  }

  private pageData(r: ClipboardHostDataRequest, view: ViewPort): void {
    const read = this.reads.get(r.requestId);
    if (!read || read.view !== view) return;
    if (r.totalBytes === 0) return read.resolve(null);
    if (r.totalBytes > this.maxBytes) {
      this.ctx.logger.warn('clipboard: the page offered more than the clipboard size cap');
      return read.resolve(null);
    }
    if (r.offset !== read.received || (read.buffer && read.buffer.byteLength !== r.totalBytes))
      return read.resolve(null);
    read.buffer ??= new Uint8Array(r.totalBytes);
    read.buffer.set(r.data, r.offset);
    read.received += r.data.byteLength;
    if (read.received < r.totalBytes) return;
    const bytes = read.buffer;
    read.resolve(
      read.format === 'text' ? { kind: 'text', text: decoder.decode(bytes) } : { kind: 'image', png: bytes },
    );
  }
}
