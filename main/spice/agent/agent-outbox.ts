// Client → agent flow control: each VDAgentMessage (20-byte header + payload) goes out as consecutive
// MAIN_AGENT_DATA messages of at most VD_AGENT_MAX_DATA_SIZE bytes, one agent token each (REFERENCES G27-G28).
// Messages never interleave on the wire (the server rejects an AGENT_DATA that straddles two messages), so
// queueing is per message: small control messages (grabs, requests, statuses, monitors config) go before bulk
// ones (clipboard data, file data) at every message boundary. Payloads are kept as the caller's views and cut into
// chunks only when a token allows sending, so a queued 100 MB clipboard costs no copy until it moves.
import type { Logger } from '../logger';
import { encodeVdAgentMessageHeader } from './agent-messages';
import { VD_AGENT_MAX_DATA_SIZE } from './vd-agent';

export type AgentPriority = 'control' | 'bulk';

export interface OutgoingAgentMessage {
  type: number;
  /** Payload pieces sent back to back; views are fine (they are read only when their chunk is sent). */
  parts: readonly Uint8Array[];
  /** The last chunk went to the wire. */
  onSent?: () => void;
  /** The message will never be delivered (dropped before sending, or abandoned because the agent left). */
  onDropped?: () => void;
}

/** Where chunks go: the main channel's MAIN_AGENT_DATA. */
export interface AgentChunkSink {
  /** `chunk` may be a view of the sender's buffer, which is reused after the call: copy it to keep it. */
  sendAgentData(chunk: Uint8Array): void;
}

export interface OutboxTicket {
  /** Drops the message if none of it was sent yet; false when it is already (partly) on the wire. */
  cancel(): boolean;
}

interface Entry {
  message: OutgoingAgentMessage;
  parts: Uint8Array[];
  totalBytes: number;
  sentBytes: number;
  partIndex: number;
  partOffset: number;
  settled: boolean;
}

export interface OutboxStats {
  chunksSent: number;
  messagesSent: number;
  bytesSent: number;
}

/** Tokens are a u32 on the wire; a server adding without end cannot make the count lose precision. */
const MAX_TOKENS = 0xffffffff;

export class AgentOutbox {
  private tokenCount = 0;
  private readonly control: Entry[] = [];
  private readonly bulk: Entry[] = [];
  private current: Entry | null = null;
  private pumping = false;
  readonly stats: OutboxStats = { chunksSent: 0, messagesSent: 0, bytesSent: 0 };

  constructor(
    private readonly sink: AgentChunkSink,
    private readonly log: Logger,
  ) {}

  get tokens(): number {
    return this.tokenCount;
  }

  /** Messages waiting (including the one partly sent). */
  get pendingMessages(): number {
    return this.control.length + this.bulk.length + (this.current ? 1 : 0);
  }

  /** Payload bytes not yet on the wire. */
  get pendingBytes(): number {
    let n = this.current ? this.current.totalBytes - this.current.sentBytes : 0;
    for (const e of this.control) n += e.totalBytes;
    for (const e of this.bulk) n += e.totalBytes;
    return n;
  }

  /** MAIN_INIT.agent_tokens / AGENT_CONNECTED_TOKENS: the server's window restarts at this count. */
  setTokens(count: number): void {
    this.tokenCount = Math.min(Math.max(0, count), MAX_TOKENS);
    this.pump();
  }

  /** MAIN_AGENT_TOKEN. */
  addTokens(count: number): void {
    this.tokenCount = Math.min(this.tokenCount + Math.max(0, count), MAX_TOKENS);
    this.pump();
  }

  enqueue(message: OutgoingAgentMessage, priority: AgentPriority): OutboxTicket {
    let payloadBytes = 0;
    for (const p of message.parts) payloadBytes += p.length;
    const header = encodeVdAgentMessageHeader(message.type, payloadBytes);
    const entry: Entry = {
      message,
      parts: [header, ...message.parts.filter((p) => p.length > 0)],
      totalBytes: header.length + payloadBytes,
      sentBytes: 0,
      partIndex: 0,
      partOffset: 0,
      settled: false,
    };
    (priority === 'control' ? this.control : this.bulk).push(entry);
    this.pump();
    return {
      cancel: () => {
        if (entry.sentBytes > 0 || entry.settled) return false;
        this.remove(entry);
        this.settle(entry, false);
        return true;
      },
    };
  }

  /**
   * The agent left. A message already partly on the wire is finished at once, tokens or not: spice-server keeps
   * counting its remaining bytes and discards them (without spending tokens while no agent is attached), and a
   * new message sent before that remainder would be read as its tail. Everything not started is dropped.
   */
  abandon(): void {
    const current = this.current;
    this.current = null;
    if (current) {
      while (current.sentBytes < current.totalBytes) this.sink.sendAgentData(this.nextChunk(current));
      this.settle(current, false);
    }
    this.dropQueued();
    // Tokens are kept, as spice-gtk does: AGENT_CONNECTED_TOKENS resets them when an agent attaches again.
  }

  /** The channel is gone: nothing more can be sent. */
  clear(): void {
    const current = this.current;
    this.current = null;
    if (current) this.settle(current, false);
    this.dropQueued();
    this.tokenCount = 0;
  }

  private dropQueued(): void {
    const dropped = [...this.control.splice(0), ...this.bulk.splice(0)];
    if (dropped.length) this.log.debug(`dropped ${dropped.length} queued agent messages`);
    for (const e of dropped) this.settle(e, false);
  }

  private remove(entry: Entry): void {
    for (const queue of [this.control, this.bulk]) {
      const i = queue.indexOf(entry);
      if (i >= 0) queue.splice(i, 1);
    }
  }

  private settle(entry: Entry, sent: boolean): void {
    if (entry.settled) return;
    entry.settled = true;
    const callback = sent ? entry.message.onSent : entry.message.onDropped;
    try {
      callback?.();
    } catch (e) {
      this.log.error(`agent message callback failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Sends chunks while tokens last. Re-entrant calls (from onSent callbacks) only extend the running loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.tokenCount > 0) {
        if (!this.current) {
          this.current = this.control.shift() ?? this.bulk.shift() ?? null;
          if (!this.current) break;
        }
        const entry = this.current;
        const chunk = this.nextChunk(entry);
        this.tokenCount--;
        this.stats.chunksSent++;
        this.stats.bytesSent += chunk.length;
        this.sink.sendAgentData(chunk);
        if (entry.sentBytes === entry.totalBytes) {
          this.current = null;
          this.stats.messagesSent++;
          this.settle(entry, true);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The next ≤ 2048-byte piece of `entry`: a view when it lies in one part, else a copy of the pieces. */
  private nextChunk(entry: Entry): Uint8Array {
    const length = Math.min(VD_AGENT_MAX_DATA_SIZE, entry.totalBytes - entry.sentBytes);
    const first = entry.parts[entry.partIndex]!;
    let chunk: Uint8Array;
    if (first.length - entry.partOffset >= length) {
      chunk = first.subarray(entry.partOffset, entry.partOffset + length);
      entry.partOffset += length;
    } else {
      chunk = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const part = entry.parts[entry.partIndex]!;
        const take = Math.min(part.length - entry.partOffset, length - filled);
        chunk.set(part.subarray(entry.partOffset, entry.partOffset + take), filled);
        filled += take;
        entry.partOffset += take;
        if (entry.partOffset === part.length) {
          entry.partIndex++;
          entry.partOffset = 0;
        }
      }
    }
    if (entry.partIndex < entry.parts.length && entry.partOffset === entry.parts[entry.partIndex]!.length) {
      entry.partIndex++;
      entry.partOffset = 0;
    }
    entry.sentBytes += length;
    return chunk;
  }
}
