// The clipboard over the guest agent (by-demand protocol): GRAB announces what one side owns, REQUEST asks for one
// type, CLIPBOARD answers, RELEASE gives up. Per selection (CLIPBOARD, and PRIMARY with CLIPBOARD_SELECTION):
// - grab serials as spice-gtk and spice-vdagentd keep them: one counter per selection, reset when the agent starts;
//   our grab carries the counter and bumps it, a guest grab is taken only if it carries the counter (then bumps it),
//   so when both sides grab at once the client wins and the stale guest grab is dropped;
// - loop prevention: content the shell wrote to the host on the guest's behalf comes back through hostGrab with its
//   fingerprint and is not grabbed back;
// - a size cap (maxBytes) both ways, announced with MAX_CLIPBOARD, with a notice when it bites;
// - without CLIPBOARD_NO_RELEASE_ON_REGRAB a guest release is held back 500 ms (agents release between two grabs).
import type { Logger } from '../logger';
import type { AgentCaps } from './agent-caps';
import {
  decodeClipboard,
  decodeClipboardGrab,
  decodeClipboardRelease,
  decodeClipboardRequest,
  encodeClipboardGrab,
  encodeClipboardHeader,
  encodeClipboardRelease,
  encodeClipboardRequest,
  encodeMaxClipboard,
  type ClipboardWireOptions,
} from './agent-messages';
import type { AgentPriority, OutboxTicket, OutgoingAgentMessage } from './agent-outbox';
import {
  ClipboardError,
  type ClipboardAdapter,
  type ClipboardContent,
  type ClipboardKind,
  type ClipboardSelection,
} from './clipboard-adapter';
import {
  clipboardFingerprint,
  decodeGuestText,
  encodeGuestText,
  guestImageToPng,
  isPng,
} from './clipboard-content';
import {
  VD_AGENT_CLIPBOARD,
  VD_AGENT_CLIPBOARD_FILE_LIST,
  VD_AGENT_CLIPBOARD_GRAB,
  VD_AGENT_CLIPBOARD_IMAGE_BMP,
  VD_AGENT_CLIPBOARD_IMAGE_JPG,
  VD_AGENT_CLIPBOARD_IMAGE_PNG,
  VD_AGENT_CLIPBOARD_IMAGE_TIFF,
  VD_AGENT_CLIPBOARD_NONE,
  VD_AGENT_CLIPBOARD_RELEASE,
  VD_AGENT_CLIPBOARD_REQUEST,
  VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD,
  VD_AGENT_CLIPBOARD_SELECTION_PRIMARY,
  VD_AGENT_CLIPBOARD_UTF8_TEXT,
  VD_AGENT_MAX_CLIPBOARD,
} from './vd-agent';

export interface AgentClipboardOptions {
  adapter: ClipboardAdapter | null;
  /** Largest clipboard accepted or sent, each way (default 100 MB). */
  maxBytes: number;
  /** How long a request to the guest (or the shell's readHost) may take. */
  requestTimeoutMs: number;
  /** Largest image accepted from the guest, in pixels. */
  maxImagePixels: number;
  /** Delay before a guest release takes effect when the agent lacks NO_RELEASE_ON_REGRAB. */
  releaseDelayMs: number;
}

export const DEFAULT_MAX_CLIPBOARD_BYTES = 100 * 1024 * 1024;

/** What the clipboard needs from the agent it runs on. */
export interface AgentClipboardContext {
  send(message: OutgoingAgentMessage, priority: AgentPriority): OutboxTicket;
  log: Logger;
  notice(code: string, message: string): void;
}

/** Guest image types in order of preference (PNG needs no conversion). */
const IMAGE_TYPES = [
  VD_AGENT_CLIPBOARD_IMAGE_PNG,
  VD_AGENT_CLIPBOARD_IMAGE_BMP,
  VD_AGENT_CLIPBOARD_IMAGE_TIFF,
  VD_AGENT_CLIPBOARD_IMAGE_JPG,
];
/** Requests that timed out but may still be answered (their answer must not be taken by a later request). */
const MAX_ABANDONED_REQUESTS = 16;
/** Fingerprints remembered per selection of content handed to the shell. */
const MAX_DELIVERED = 4;

const SELECTIONS: readonly ClipboardSelection[] = ['clipboard', 'primary'];

function selectionIndex(selection: ClipboardSelection): number {
  return selection === 'clipboard'
    ? VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD
    : VD_AGENT_CLIPBOARD_SELECTION_PRIMARY;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

interface PendingRequest {
  selection: number;
  type: number;
  kind: ClipboardKind;
  resolve: (content: ClipboardContent | null) => void;
  reject: (error: ClipboardError) => void;
  timer: NodeJS.Timeout | null;
  /** Timed out: its answer is swallowed when it comes. */
  abandoned: boolean;
}

export class AgentClipboard {
  private caps: AgentCaps | null = null;
  private readonly serials = [0, 0];
  private readonly hostOffers: (readonly ClipboardKind[] | null)[] = [null, null];
  private readonly guestTypes: (readonly number[] | null)[] = [null, null];
  private readonly delivered: string[][] = [[], []];
  private readonly releaseTimers: (NodeJS.Timeout | null)[] = [null, null];
  private readonly answering: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  private pending: PendingRequest[] = [];
  /** Bumped when the agent starts or stops: async work of an older agent is dropped. */
  private generation = 0;

  constructor(
    private readonly ctx: AgentClipboardContext,
    private readonly options: AgentClipboardOptions,
  ) {}

  // ---- shell → core ----

  /** True once the agent announced the by-demand clipboard. */
  get ready(): boolean {
    return this.caps?.clipboardByDemand ?? false;
  }

  /** What the guest offers on `selection` (empty when it owns nothing). */
  guestOffers(selection: ClipboardSelection): ClipboardKind[] {
    return this.kindsOf(this.guestTypes[selectionIndex(selection)] ?? []);
  }

  /**
   * The host clipboard changed and now offers `kinds`. `fingerprint` (clipboardFingerprint of the content) lets
   * the core recognise a write the shell made with the guest's own data: that is not grabbed back. Returns true
   * when a grab went to the guest.
   */
  hostGrab(selection: ClipboardSelection, kinds: readonly ClipboardKind[], fingerprint?: string): boolean {
    const i = selectionIndex(selection);
    if (fingerprint !== undefined && this.delivered[i]!.includes(fingerprint)) {
      this.ctx.log.debug(`clipboard: ${selection} holds the guest's own data; not grabbing it back`);
      return false;
    }
    const offered = [...new Set(kinds)];
    if (offered.length === 0) {
      this.hostRelease(selection);
      return false;
    }
    this.hostOffers[i] = offered;
    this.guestTypes[i] = null;
    this.delivered[i] = [];
    this.cancelReleaseTimer(i);
    return this.sendGrab(i);
  }

  /** The host clipboard was emptied (or sharing host → guest was turned off). */
  hostRelease(selection: ClipboardSelection): void {
    const i = selectionIndex(selection);
    if (!this.hostOffers[i]) return;
    this.hostOffers[i] = null;
    const wire = this.wire(i);
    if (!wire) return;
    this.send(VD_AGENT_CLIPBOARD_RELEASE, [encodeClipboardRelease(wire, i)], 'control');
  }

  /**
   * The guest's clipboard content of `kind` (text, or an image as PNG), or null when the guest offers none.
   * Rejects with ClipboardError ('too-large', 'timeout', 'agent-gone', 'bad-data').
   */
  readGuest(selection: ClipboardSelection, kind: ClipboardKind): Promise<ClipboardContent | null> {
    const i = selectionIndex(selection);
    const types = this.guestTypes[i];
    const type =
      kind === 'text'
        ? types?.includes(VD_AGENT_CLIPBOARD_UTF8_TEXT)
          ? VD_AGENT_CLIPBOARD_UTF8_TEXT
          : undefined
        : IMAGE_TYPES.find((t) => types?.includes(t));
    const wire = this.wire(i);
    if (type === undefined || !wire) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const request: PendingRequest = {
        selection: i,
        type,
        kind,
        resolve,
        reject,
        timer: null,
        abandoned: false,
      };
      request.timer = setTimeout(() => {
        request.timer = null;
        request.abandoned = true;
        this.trimAbandoned();
        reject(
          new ClipboardError(
            'timeout',
            `the guest did not send its clipboard within ${Math.round(this.options.requestTimeoutMs / 1000)} s`,
          ),
        );
      }, this.options.requestTimeoutMs);
      this.pending.push(request);
      this.send(
        VD_AGENT_CLIPBOARD_REQUEST,
        [encodeClipboardRequest(wire, { selection: i, type })],
        'control',
      );
    });
  }

  // ---- agent lifecycle (from GuestAgent) ----

  /** AGENT_START: the grab serials restart (spice-vdagentd resets its own on our announce). */
  agentStarted(): void {
    this.generation++;
    this.serials.fill(0);
    this.caps = null;
  }

  /**
   * The guest announced its capabilities. On the first announce of an agent session the size cap is announced and
   * what the host offered before the agent (re)started is offered again, so copy-paste survives an agent restart.
   */
  setCaps(caps: AgentCaps, first: boolean): void {
    this.caps = caps;
    if (!first) return;
    if (!caps.clipboardByDemand) {
      this.ctx.log.warn('clipboard: the guest agent lacks clipboard-by-demand; clipboard sharing is off');
      return;
    }
    if (caps.maxClipboard) {
      this.send(
        VD_AGENT_MAX_CLIPBOARD,
        [encodeMaxClipboard(Math.min(this.options.maxBytes, 0x7fffffff))],
        'control',
      );
    }
    for (let i = 0; i < 2; i++) if (this.hostOffers[i]) this.sendGrab(i);
  }

  /** The agent left (or the session ended): pending requests fail, guest offers are withdrawn. */
  agentStopped(reason: string): void {
    this.generation++;
    this.caps = null;
    for (const request of this.pending.splice(0)) this.settleWithError(request, 'agent-gone', reason);
    for (let i = 0; i < 2; i++) {
      this.cancelReleaseTimer(i);
      this.delivered[i] = [];
      if (this.guestTypes[i]) {
        this.guestTypes[i] = null;
        this.adapterCall((a) => a.guestRelease(SELECTIONS[i]!));
      }
    }
  }

  // ---- agent → core ----

  onGrab(payload: Uint8Array): void {
    const wire = this.wire(0);
    if (!wire)
      return this.ctx.log.debug('clipboard: grab before the by-demand clipboard was negotiated; ignored');
    const grab = decodeClipboardGrab(payload, wire);
    const i = grab.selection;
    if (i > VD_AGENT_CLIPBOARD_SELECTION_PRIMARY) {
      return this.ctx.log.debug(`clipboard: grab of selection ${i} (SECONDARY is not shared); ignored`);
    }
    if (grab.serial !== null) {
      if (grab.serial !== this.serials[i]) {
        return this.ctx.log.debug(
          `clipboard: stale guest grab (serial ${grab.serial}, expected ${this.serials[i]})`,
        );
      }
      this.serials[i] = (grab.serial + 1) >>> 0;
    }
    if (grab.types.includes(VD_AGENT_CLIPBOARD_FILE_LIST)) {
      this.ctx.log.info('clipboard: the guest offers a file list (needs the WebDAV channel); not shared');
    }
    const kinds = this.kindsOf(grab.types);
    this.cancelReleaseTimer(i);
    this.hostOffers[i] = null; // the guest's grab replaces ours
    this.delivered[i] = [];
    const selection = SELECTIONS[i]!;
    if (kinds.length === 0) {
      this.ctx.log.info(
        `clipboard: the guest's ${selection} holds no text or image (types ${grab.types.join(',')})`,
      );
      const had = this.guestTypes[i] !== null;
      this.guestTypes[i] = null;
      if (had) this.adapterCall((a) => a.guestRelease(selection));
      return;
    }
    this.guestTypes[i] = grab.types;
    this.adapterCall((a) => a.guestGrab(selection, kinds));
  }

  onRelease(payload: Uint8Array): void {
    const wire = this.wire(0);
    if (!wire) return;
    const i = decodeClipboardRelease(payload, wire);
    if (i > VD_AGENT_CLIPBOARD_SELECTION_PRIMARY || !this.guestTypes[i]) return;
    const release = (): void => {
      this.releaseTimers[i] = null;
      this.guestTypes[i] = null;
      this.delivered[i] = [];
      this.adapterCall((a) => a.guestRelease(SELECTIONS[i]!));
    };
    this.cancelReleaseTimer(i);
    if (this.caps?.noReleaseOnRegrab) release();
    else this.releaseTimers[i] = setTimeout(release, this.options.releaseDelayMs);
  }

  /** The guest pastes: answer with the host's content, in order per selection. */
  onRequest(payload: Uint8Array): void {
    const wire = this.wire(0);
    if (!wire) return;
    const { selection: i, type } = decodeClipboardRequest(payload, wire);
    if (i > VD_AGENT_CLIPBOARD_SELECTION_PRIMARY) {
      this.send(VD_AGENT_CLIPBOARD, [encodeClipboardHeader(wire, i, VD_AGENT_CLIPBOARD_NONE)], 'control');
      return;
    }
    const generation = this.generation;
    this.answering[i] = this.answering[i]!.then(() => this.answer(i, type, generation)).catch((e: unknown) =>
      this.ctx.log.error(
        `clipboard: answering the guest failed: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  }

  /** VD_AGENT_CLIPBOARD: the answer to the oldest pending request of its selection. */
  onData(payload: Uint8Array): void {
    const wire = this.wire(0);
    if (!wire) return;
    const clip = decodeClipboard(payload, wire);
    const request = this.takePending(clip.selection);
    if (!request) {
      return this.ctx.log.debug(`clipboard: unrequested data for selection ${clip.selection}; dropped`);
    }
    if (request.abandoned) return;
    if (clip.type !== VD_AGENT_CLIPBOARD_NONE && clip.data.length === 0 && this.caps?.maxClipboard) {
      // spice-vdagentd answers a clipboard above our MAX_CLIPBOARD with its type and no data.
      const message = `the guest's clipboard is larger than the ${formatBytes(this.options.maxBytes)} limit; not copied`;
      this.ctx.notice('clipboard-too-large', message);
      return this.settleWithError(request, 'too-large', message);
    }
    if (clip.type === VD_AGENT_CLIPBOARD_NONE || clip.data.length === 0) {
      this.ctx.log.debug('clipboard: the guest answered with no data');
      return request.resolve(null);
    }
    const matches =
      request.kind === 'text' ? clip.type === VD_AGENT_CLIPBOARD_UTF8_TEXT : IMAGE_TYPES.includes(clip.type);
    if (!matches) {
      this.ctx.log.warn(`clipboard: asked the guest for ${request.kind}, got type ${clip.type}; ignored`);
      return request.resolve(null);
    }
    void this.convert(request, clip.type, clip.data);
  }

  /** A CLIPBOARD message declared larger than the cap: its bytes are skipped, its request fails. */
  onOversized(sizeBytes: number, head: Uint8Array): void {
    const wire = this.wire(0);
    const selection = wire?.selectionPrefix && head.length >= 1 ? head[0]! : 0;
    const request = this.takePending(selection);
    const message = `the guest's clipboard (${formatBytes(sizeBytes)}) is larger than the ${formatBytes(this.options.maxBytes)} limit; not copied`;
    this.ctx.notice('clipboard-too-large', message);
    if (request && !request.abandoned) this.settleWithError(request, 'too-large', message);
  }

  // ---- internals ----

  private wire(selection: number): ClipboardWireOptions | null {
    const caps = this.caps;
    if (!caps?.clipboardByDemand) return null;
    if (selection !== VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD && !caps.selectionPrefix) return null;
    return { selectionPrefix: caps.selectionPrefix, grabSerial: caps.grabSerial };
  }

  private send(type: number, parts: Uint8Array[], priority: AgentPriority): void {
    this.ctx.send({ type, parts }, priority);
  }

  private sendGrab(i: number): boolean {
    const wire = this.wire(i);
    const kinds = this.hostOffers[i];
    if (!wire || !kinds) return false;
    const types = kinds.map((k) =>
      k === 'text' ? VD_AGENT_CLIPBOARD_UTF8_TEXT : VD_AGENT_CLIPBOARD_IMAGE_PNG,
    );
    const serial = wire.grabSerial ? this.serials[i]! : null;
    if (wire.grabSerial) this.serials[i] = (this.serials[i]! + 1) >>> 0;
    this.send(
      VD_AGENT_CLIPBOARD_GRAB,
      [encodeClipboardGrab(wire, { selection: i, serial, types })],
      'control',
    );
    return true;
  }

  private kindsOf(types: readonly number[]): ClipboardKind[] {
    const kinds: ClipboardKind[] = [];
    if (types.includes(VD_AGENT_CLIPBOARD_UTF8_TEXT)) kinds.push('text');
    if (IMAGE_TYPES.some((t) => types.includes(t))) kinds.push('image');
    return kinds;
  }

  private async answer(i: number, type: number, generation: number): Promise<void> {
    const selection = SELECTIONS[i]!;
    const kind: ClipboardKind | null =
      type === VD_AGENT_CLIPBOARD_UTF8_TEXT ? 'text' : type === VD_AGENT_CLIPBOARD_IMAGE_PNG ? 'image' : null;
    const offered = this.hostOffers[i];
    let parts: Uint8Array[] | null = null;
    if (kind && offered?.includes(kind) && this.options.adapter) {
      const content = await this.readHostWithTimeout(selection, kind);
      if (generation !== this.generation) return;
      if (content && content.kind === kind) parts = await this.encodeForGuest(content);
      if (generation !== this.generation) return;
    }
    const wire = this.wire(i);
    if (!wire) return;
    let total = 0;
    for (const p of parts ?? []) total += p.length;
    if (total > this.options.maxBytes) {
      this.ctx.notice(
        'clipboard-too-large',
        `the host clipboard (${formatBytes(total)}) is larger than the ${formatBytes(this.options.maxBytes)} limit; not pasted into the guest`,
      );
      parts = null;
    }
    if (!parts || total === 0) {
      this.send(VD_AGENT_CLIPBOARD, [encodeClipboardHeader(wire, i, VD_AGENT_CLIPBOARD_NONE)], 'control');
      return;
    }
    this.send(VD_AGENT_CLIPBOARD, [encodeClipboardHeader(wire, i, type), ...parts], 'bulk');
  }

  private async readHostWithTimeout(
    selection: ClipboardSelection,
    kind: ClipboardKind,
  ): Promise<ClipboardContent | null> {
    const adapter = this.options.adapter!;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        adapter.readHost(selection, kind),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => {
            this.ctx.log.warn(
              `clipboard: the host clipboard did not answer within ${this.options.requestTimeoutMs} ms`,
            );
            resolve(null);
          }, this.options.requestTimeoutMs);
        }),
      ]);
    } catch (e) {
      this.ctx.log.warn(
        `clipboard: reading the host clipboard failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private async encodeForGuest(content: ClipboardContent): Promise<Uint8Array[] | null> {
    if (content.kind === 'text') return encodeGuestText(content.text, this.caps?.lineEnding ?? 'lf');
    if (!isPng(content.png)) {
      this.ctx.log.warn('clipboard: the host image is not a PNG; not sent');
      return null;
    }
    return [content.png];
  }

  private async convert(request: PendingRequest, type: number, data: Uint8Array): Promise<void> {
    try {
      let content: ClipboardContent;
      if (request.kind === 'text') {
        content = { kind: 'text', text: await decodeGuestText(data, this.caps?.lineEnding ?? 'lf') };
      } else {
        content = { kind: 'image', png: await guestImageToPng(type, data, this.options.maxImagePixels) };
      }
      const list = this.delivered[request.selection]!;
      list.push(clipboardFingerprint(content));
      if (list.length > MAX_DELIVERED) list.shift();
      request.resolve(content);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.ctx.log.warn(`clipboard: the guest's ${request.kind} could not be read: ${reason}`);
      this.settleWithError(
        request,
        'bad-data',
        `the guest's clipboard ${request.kind} could not be read (${reason})`,
      );
    }
  }

  private takePending(selection: number): PendingRequest | undefined {
    const index = this.pending.findIndex((r) => r.selection === selection);
    if (index < 0) return undefined;
    const [request] = this.pending.splice(index, 1);
    if (request!.timer) clearTimeout(request!.timer);
    return request;
  }

  private trimAbandoned(): void {
    const abandoned = this.pending.filter((r) => r.abandoned);
    if (abandoned.length > MAX_ABANDONED_REQUESTS) {
      const drop = new Set(abandoned.slice(0, abandoned.length - MAX_ABANDONED_REQUESTS));
      this.pending = this.pending.filter((r) => !drop.has(r));
    }
  }

  private settleWithError(request: PendingRequest, code: ClipboardError['code'], message: string): void {
    if (request.timer) clearTimeout(request.timer);
    request.timer = null;
    if (!request.abandoned) request.reject(new ClipboardError(code, message));
    request.abandoned = true;
  }

  private cancelReleaseTimer(i: number): void {
    const t = this.releaseTimers[i];
    if (t) clearTimeout(t);
    this.releaseTimers[i] = null;
  }

  private adapterCall(call: (adapter: ClipboardAdapter) => void): void {
    const adapter = this.options.adapter;
    if (!adapter) return;
    try {
      call(adapter);
    } catch (e) {
      this.ctx.log.error(`clipboard adapter failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
