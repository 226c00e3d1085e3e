// The guest agent as seen from the client: composes the transport (outbox: chunking and tokens; inbox:
// reassembly with size caps), the capability exchange, and the feature modules (clipboard, file transfer, monitors
// config). The main channel feeds it AGENT_* messages and carries its chunks; shells reach the features through
// `clipboard`, `sendFiles` and `setMonitors`, and listen to its events.
//
// Lifecycle (REFERENCES G28): when the server says an agent is attached (MAIN_INIT.agent_connected,
// AGENT_CONNECTED[_TOKENS]) we send MAIN_AGENT_START and ANNOUNCE_CAPABILITIES{request=1}; features come alive with
// the guest's announce. AGENT_DISCONNECTED (or the session ending) resets everything: the partly sent message is
// completed (the server expects its tail), queued ones are dropped, pending clipboard requests and transfers fail
// with the reason. The agent may come and go any number of times.
import { errorMessage } from '../errors';
import type { Logger } from '../logger';
import { TypedEmitter } from '../typed-emitter';
import { AgentCaps, clientAgentCapWords } from './agent-caps';
import { AgentClipboard, DEFAULT_MAX_CLIPBOARD_BYTES } from './agent-clipboard';
import { AgentInbox } from './agent-inbox';
import {
  decodeAnnounceCapabilities,
  decodeReply,
  encodeAnnounceCapabilities,
  encodeFileXferStatus,
} from './agent-messages';
import {
  AgentOutbox,
  type AgentPriority,
  type OutboxTicket,
  type OutgoingAgentMessage,
} from './agent-outbox';
import type { ClipboardAdapter } from './clipboard-adapter';
import type { FileSource } from './file-source';
import {
  FileTransfers,
  type FileTransfer,
  type FileTransferEvents,
  type TransferBatch,
} from './file-transfer';
import { encodeMonitorsConfig, type GuestMonitor } from './monitors-config';
import { MonitorsScheduler } from './monitors-scheduler';
import {
  VD_AGENT_ANNOUNCE_CAPABILITIES,
  VD_AGENT_AUDIO_VOLUME_SYNC,
  VD_AGENT_CLIENT_DISCONNECTED,
  VD_AGENT_CLIPBOARD,
  VD_AGENT_CLIPBOARD_GRAB,
  VD_AGENT_CLIPBOARD_RELEASE,
  VD_AGENT_CLIPBOARD_REQUEST,
  VD_AGENT_DISPLAY_CONFIG,
  VD_AGENT_FILE_XFER_DATA,
  VD_AGENT_FILE_XFER_START,
  VD_AGENT_FILE_XFER_STATUS,
  VD_AGENT_FILE_XFER_STATUS_DISABLED,
  VD_AGENT_GRAPHICS_DEVICE_INFO,
  VD_AGENT_MAX_CLIPBOARD,
  VD_AGENT_MESSAGE_NAMES,
  VD_AGENT_MONITORS_CONFIG,
  VD_AGENT_MOUSE_STATE,
  VD_AGENT_REPLY,
  VD_AGENT_SUCCESS,
  isVdAgentMessageType,
  type VdAgentMessageType,
} from './vd-agent';

/** What the main channel provides to the agent. */
export interface AgentPort {
  /** MSGC_MAIN_AGENT_START{num_tokens}: our budget for agent → client data. */
  sendAgentStart(numTokens: number): void;
  /** One MSGC_MAIN_AGENT_DATA (≤ 2048 bytes); `chunk` is valid only during the call (the channel frames a copy). */
  sendAgentData(chunk: Uint8Array): void;
}

/** What the main channel tells the agent (one call per AGENT_* message). */
export interface MainChannelAgentSink {
  mainInit(agentConnected: boolean, tokens: number): void;
  /** AGENT_CONNECTED (tokens null: keep the count) or AGENT_CONNECTED_TOKENS. */
  agentConnected(tokens: number | null): void;
  agentDisconnected(errorCode: number): void;
  agentTokens(count: number): void;
  agentData(body: Uint8Array): void;
  /** The main channel closed. */
  channelClosed(): void;
}

export interface GuestAgentOptions {
  logger?: Logger;
  /** The shell's clipboard; null/absent: the guest's clipboard is still readable, the host's is never offered. */
  clipboard?: ClipboardAdapter | null;
  /** Clipboard size cap, each way (default 100 MB). */
  maxClipboardBytes?: number;
  clipboardRequestTimeoutMs?: number;
  /** Largest guest image accepted, in pixels (default 64 Mpx). */
  maxClipboardImagePixels?: number;
  /** Transfers running at once (default 4). */
  maxActiveTransfers?: number;
  /** Debounce of monitor layout requests (default 300 ms). */
  monitorsDebounceMs?: number;
}

export interface AgentState {
  /** The server reports an agent and we started talking to it. */
  connected: boolean;
  /** The guest announced its capabilities: features are usable. */
  ready: boolean;
  /** The guest's capability names. */
  caps: string[];
  clipboard: boolean;
  fileTransfer: boolean;
  lineEnding: 'lf' | 'crlf';
}

export interface GuestAgentEvents extends FileTransferEvents {
  state: AgentState;
  /** Something the user should know (clipboard too large, a malformed agent message, …). */
  notice: { code: string; message: string };
  /** The agent's answer to a monitors config (spice-server answers for QXL guests itself, without a reply). */
  'monitors-reply': { ok: boolean };
  /** An agent message this client does not handle (reported once per kind). */
  unsupported: { what: string };
}

/** Non-clipboard agent messages larger than this are refused (the largest legitimate one is a few hundred bytes). */
const MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;
/** MAIN_AGENT_START budget for agent → client data: unlimited, as spice-gtk (sizes are capped on arrival). */
const AGENT_START_TOKENS = 0xffffffff;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class GuestAgent extends TypedEmitter<GuestAgentEvents> implements MainChannelAgentSink {
  readonly clipboard: AgentClipboard;
  private readonly log: Logger;
  private readonly outbox: AgentOutbox;
  private readonly inbox: AgentInbox;
  private readonly transfers: FileTransfers;
  private readonly monitors: MonitorsScheduler;
  private readonly maxClipboardBytes: number;
  private port: AgentPort | null = null;
  private started = false;
  private caps: AgentCaps | null = null;
  private readonly reported = new Set<string>();

  constructor(options: GuestAgentOptions = {}) {
    const log = options.logger ?? silent;
    super((e) => log.error(`agent event listener failed: ${errorMessage(e)}`));
    this.log = log;
    this.maxClipboardBytes = options.maxClipboardBytes ?? DEFAULT_MAX_CLIPBOARD_BYTES;
    this.outbox = new AgentOutbox({ sendAgentData: (chunk) => this.port?.sendAgentData(chunk) }, log);
    this.inbox = new AgentInbox((type) => this.limitFor(type), {
      message: (type, payload) => this.dispatch(type, payload),
      oversized: (type, size, limit, head) => this.oversized(type, size, limit, head),
      malformed: (reason) => this.report('agent-malformed', `malformed data from the guest agent: ${reason}`),
    });
    const send = (message: OutgoingAgentMessage, priority: AgentPriority): OutboxTicket =>
      this.send(message, priority);
    this.clipboard = new AgentClipboard(
      { send, log, notice: (code, message) => this.notice(code, message) },
      {
        adapter: options.clipboard ?? null,
        maxBytes: this.maxClipboardBytes,
        requestTimeoutMs: options.clipboardRequestTimeoutMs ?? 30_000,
        maxImagePixels: options.maxClipboardImagePixels ?? 64 * 1024 * 1024,
        releaseDelayMs: 500,
      },
    );
    this.transfers = new FileTransfers(
      {
        send,
        log,
        caps: () => this.caps,
        emit: (name, payload) => (this as TypedEmitter<FileTransferEvents>).emit(name, payload),
      },
      { maxActive: options.maxActiveTransfers ?? 4, readAheadMessages: 8 },
    );
    this.monitors = new MonitorsScheduler((m) => this.sendMonitors(m), options.monitorsDebounceMs ?? 300);
  }

  // ---- shell-facing ----

  get state(): AgentState {
    const caps = this.caps;
    return {
      connected: this.started,
      ready: caps !== null,
      caps: caps?.names() ?? [],
      clipboard: caps?.clipboardByDemand ?? false,
      fileTransfer: caps !== null && !caps.fileTransferDisabled,
      lineEnding: caps?.lineEnding ?? 'lf',
    };
  }

  /** The guest's capabilities (null until it announced them). */
  get guestCaps(): AgentCaps | null {
    return this.caps;
  }

  /** Sends files to the guest (see FileTransfers.send). Fails each file at once when no agent is ready. */
  sendFiles(sources: readonly FileSource[]): TransferBatch {
    return this.transfers.send(sources);
  }

  /** Transfers not finished yet. */
  get pendingTransfers(): FileTransfer[] {
    return this.transfers.pending;
  }

  /** Asks the guest for this monitor layout (debounced; re-sent when an agent attaches). */
  setMonitors(monitors: readonly GuestMonitor[]): void {
    this.monitors.request(monitors);
  }

  /** Sends a pending monitor layout without waiting for the debounce. */
  flushMonitors(): void {
    this.monitors.flush();
  }

  /** Transport figures (for benchmarks and diagnostics). */
  get transport(): { tokens: number; pendingMessages: number; pendingBytes: number; chunksSent: number } {
    return {
      tokens: this.outbox.tokens,
      pendingMessages: this.outbox.pendingMessages,
      pendingBytes: this.outbox.pendingBytes,
      chunksSent: this.outbox.stats.chunksSent,
    };
  }

  // ---- main channel ----

  /** The main channel is linked: chunks go to `port`. */
  attach(port: AgentPort): void {
    this.port = port;
  }

  mainInit(agentConnected: boolean, tokens: number): void {
    this.outbox.setTokens(tokens);
    if (agentConnected) this.start();
  }

  agentConnected(tokens: number | null): void {
    if (this.started) this.stop('the guest agent restarted');
    if (tokens !== null) this.outbox.setTokens(tokens);
    this.start();
  }

  agentDisconnected(errorCode: number): void {
    this.log.info('the guest agent disconnected', { error: errorCode });
    this.stop('the guest agent disconnected');
  }

  agentTokens(count: number): void {
    this.outbox.addTokens(count);
  }

  agentData(body: Uint8Array): void {
    if (!this.started) {
      this.log.debug(`agent data (${body.length} bytes) while no agent is started; dropped`);
      return;
    }
    this.inbox.push(body);
  }

  channelClosed(): void {
    this.stop('the session ended');
    this.outbox.clear();
    this.monitors.dispose();
    this.port = null;
  }

  // ---- lifecycle ----

  private start(): void {
    this.started = true;
    this.caps = null;
    this.inbox.reset();
    this.clipboard.agentStarted();
    this.port?.sendAgentStart(AGENT_START_TOKENS);
    this.send(
      {
        type: VD_AGENT_ANNOUNCE_CAPABILITIES,
        parts: [encodeAnnounceCapabilities(true, clientAgentCapWords())],
      },
      'control',
    );
    this.log.info('guest agent attached');
    this.emit('state', this.state);
  }

  private stop(reason: string): void {
    if (!this.started) return;
    this.started = false;
    this.caps = null;
    this.outbox.abandon();
    this.inbox.reset();
    this.monitors.setReady(false);
    this.clipboard.agentStopped(reason);
    this.transfers.agentStopped(reason);
    this.emit('state', this.state);
  }

  private send(message: OutgoingAgentMessage, priority: AgentPriority): OutboxTicket {
    if (!this.started) {
      message.onDropped?.();
      return { cancel: () => false };
    }
    return this.outbox.enqueue(message, priority);
  }

  // ---- agent → client ----

  private limitFor(type: number): number {
    return type === VD_AGENT_CLIPBOARD ? this.maxClipboardBytes + 8 : MAX_CONTROL_MESSAGE_BYTES;
  }

  private readonly handlers: Record<VdAgentMessageType, (payload: Uint8Array) => void> = {
    [VD_AGENT_ANNOUNCE_CAPABILITIES]: (p) => this.onAnnounce(p),
    [VD_AGENT_CLIPBOARD_GRAB]: (p) => this.clipboard.onGrab(p),
    [VD_AGENT_CLIPBOARD_REQUEST]: (p) => this.clipboard.onRequest(p),
    [VD_AGENT_CLIPBOARD]: (p) => this.clipboard.onData(p),
    [VD_AGENT_CLIPBOARD_RELEASE]: (p) => this.clipboard.onRelease(p),
    [VD_AGENT_FILE_XFER_STATUS]: (p) => this.transfers.onStatus(p),
    [VD_AGENT_REPLY]: (p) => this.onReply(p),
    // Guest → host transfers are not part of the protocol's agents; refuse one so a guest never waits for us.
    [VD_AGENT_FILE_XFER_START]: (p) => this.onGuestFileXferStart(p),
    // Client → agent (or server → agent) messages: an agent has no reason to send them.
    [VD_AGENT_MOUSE_STATE]: () => this.unexpected(VD_AGENT_MOUSE_STATE),
    [VD_AGENT_MONITORS_CONFIG]: () => this.unexpected(VD_AGENT_MONITORS_CONFIG),
    [VD_AGENT_DISPLAY_CONFIG]: () => this.unexpected(VD_AGENT_DISPLAY_CONFIG),
    [VD_AGENT_FILE_XFER_DATA]: () => this.unexpected(VD_AGENT_FILE_XFER_DATA),
    [VD_AGENT_CLIENT_DISCONNECTED]: () => this.unexpected(VD_AGENT_CLIENT_DISCONNECTED),
    [VD_AGENT_MAX_CLIPBOARD]: () => this.unexpected(VD_AGENT_MAX_CLIPBOARD),
    [VD_AGENT_AUDIO_VOLUME_SYNC]: () => this.unexpected(VD_AGENT_AUDIO_VOLUME_SYNC),
    [VD_AGENT_GRAPHICS_DEVICE_INFO]: () => this.unexpected(VD_AGENT_GRAPHICS_DEVICE_INFO),
  };

  private dispatch(type: number, payload: Uint8Array): void {
    if (!isVdAgentMessageType(type)) {
      this.unsupported(`guest agent message type ${type}`);
      return;
    }
    try {
      this.handlers[type](payload);
    } catch (e) {
      this.report(
        'agent-malformed',
        `malformed ${VD_AGENT_MESSAGE_NAMES[type]} from the guest agent: ${errorMessage(e)}`,
      );
    }
  }

  private onAnnounce(payload: Uint8Array): void {
    const { request, caps } = decodeAnnounceCapabilities(payload);
    const first = this.caps === null;
    this.caps = new AgentCaps(caps);
    this.log.info(`guest agent capabilities: ${this.caps.names().join(', ') || 'none'}`);
    if (request) {
      this.send(
        {
          type: VD_AGENT_ANNOUNCE_CAPABILITIES,
          parts: [encodeAnnounceCapabilities(false, clientAgentCapWords())],
        },
        'control',
      );
    }
    this.clipboard.setCaps(this.caps, first);
    if (first) this.monitors.setReady(true);
    this.emit('state', this.state);
  }

  private onReply(payload: Uint8Array): void {
    const reply = decodeReply(payload);
    if (reply.type === VD_AGENT_MONITORS_CONFIG) {
      const ok = reply.error === VD_AGENT_SUCCESS;
      if (!ok) this.log.warn('the guest agent refused the monitors config');
      this.emit('monitors-reply', { ok });
      return;
    }
    this.log.debug(
      `agent reply to message ${reply.type}: ${reply.error === VD_AGENT_SUCCESS ? 'success' : 'error'}`,
    );
  }

  private onGuestFileXferStart(payload: Uint8Array): void {
    this.unsupported('guest-to-host file transfer (FILE_XFER_START from the guest agent)');
    if (payload.length < 4) return;
    const id = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
    this.send(
      {
        type: VD_AGENT_FILE_XFER_STATUS,
        parts: [encodeFileXferStatus(id, VD_AGENT_FILE_XFER_STATUS_DISABLED)],
      },
      'control',
    );
  }

  private unexpected(type: VdAgentMessageType): void {
    this.unsupported(
      `${VD_AGENT_MESSAGE_NAMES[type]} from the guest agent (a message that only goes to the agent)`,
    );
  }

  private oversized(type: number, size: number, limit: number, head: Uint8Array): void {
    if (type === VD_AGENT_CLIPBOARD) {
      this.clipboard.onOversized(size, head);
      return;
    }
    const name = isVdAgentMessageType(type) ? VD_AGENT_MESSAGE_NAMES[type] : `type ${type}`;
    this.report(
      'agent-oversized',
      `the guest agent sent a ${name} message of ${size} bytes (limit ${limit}); skipped`,
    );
  }

  private sendMonitors(monitors: readonly GuestMonitor[]): boolean {
    const caps = this.caps;
    if (!this.started || !caps) return false;
    let payload: Uint8Array;
    try {
      payload = encodeMonitorsConfig(monitors, { sparse: caps.sparseMonitors, usePositions: true });
    } catch (e) {
      this.log.warn(`monitors config not sent: ${errorMessage(e)}`);
      return false;
    }
    this.send({ type: VD_AGENT_MONITORS_CONFIG, parts: [payload] }, 'control');
    return true;
  }

  private notice(code: string, message: string): void {
    this.emit('notice', { code, message });
  }

  /** A problem with the agent's data: logged each time, surfaced to the user once per kind. */
  private report(code: string, message: string): void {
    this.log.warn(message);
    if (this.reported.has(code)) return;
    this.reported.add(code);
    this.notice(code, message);
  }

  private unsupported(what: string): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    this.log.warn(`unsupported: ${what}`);
    this.emit('unsupported', { what });
  }
}
