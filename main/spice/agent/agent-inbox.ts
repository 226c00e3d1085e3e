// Agent → client reassembly: MAIN_AGENT_DATA bodies are a byte stream of VDAgentMessages (20-byte header, then
// `size` payload bytes), split anywhere (REFERENCES G27). The server is untrusted, so every declared size is checked
// against a per-type limit before anything is stored: an oversized message is skipped byte by byte (only its first
// 8 payload bytes are kept, so the caller can tell which clipboard request it answered). Payloads handed out are
// owned by the receiver (a message inside one AGENT_DATA is copied once; a longer one is assembled once).
import { VD_AGENT_MESSAGE_HEADER_BYTES, VD_AGENT_PROTOCOL } from './vd-agent';

export interface AgentInboxHandlers {
  /** A complete message; `payload` belongs to the receiver (it may keep it). */
  message(type: number, payload: Uint8Array): void;
  /** A message declared larger than `limitBytes`: skipped. `head` holds its first payload bytes (≤ 8). */
  oversized(type: number, sizeBytes: number, limitBytes: number, head: Uint8Array): void;
  /** A header with a wrong protocol number: the rest of that AGENT_DATA is dropped and reading restarts. */
  malformed(reason: string): void;
}

/** Payload bytes kept from an oversized message (selection prefix + clipboard type). */
const OVERSIZED_HEAD_BYTES = 8;
/** First allocation for a multi-chunk message; grown by doubling up to its declared size. */
const INITIAL_BUFFER_BYTES = 64 * 1024;

export class AgentInbox {
  private readonly header = new Uint8Array(VD_AGENT_MESSAGE_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private headerFilled = 0;
  /** Current message (after its header): type, declared size, bytes seen so far. */
  private type = 0;
  private size = 0;
  private received = 0;
  private body: Uint8Array | null = null;
  /** Oversized message being skipped: its limit and the head bytes collected so far. */
  private skipping: { limit: number; head: Uint8Array; reported: boolean } | null = null;

  constructor(
    private readonly limitFor: (type: number) => number,
    private readonly handlers: AgentInboxHandlers,
  ) {}

  /** Bytes held for the message being reassembled. */
  get bufferedBytes(): number {
    return this.body?.length ?? 0;
  }

  /** Drops any partial message (the agent left, or the channel closed). */
  reset(): void {
    this.headerFilled = 0;
    this.received = 0;
    this.size = 0;
    this.body = null;
    this.skipping = null;
  }

  /** One MAIN_AGENT_DATA body. */
  push(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.headerFilled < VD_AGENT_MESSAGE_HEADER_BYTES) {
        // Fast path: a whole message at a boundary in this buffer is handed over in one copy.
        if (this.headerFilled === 0 && data.length - at >= VD_AGENT_MESSAGE_HEADER_BYTES) {
          const view = new DataView(data.buffer, data.byteOffset + at, VD_AGENT_MESSAGE_HEADER_BYTES);
          const size = view.getUint32(16, true);
          const whole = VD_AGENT_MESSAGE_HEADER_BYTES + size;
          if (
            view.getUint32(0, true) === VD_AGENT_PROTOCOL &&
            data.length - at >= whole &&
            size <= this.limitFor(view.getUint32(4, true))
          ) {
            this.handlers.message(
              view.getUint32(4, true),
              data.slice(at + VD_AGENT_MESSAGE_HEADER_BYTES, at + whole),
            );
            at += whole;
            continue;
          }
        }
        const take = Math.min(VD_AGENT_MESSAGE_HEADER_BYTES - this.headerFilled, data.length - at);
        this.header.set(data.subarray(at, at + take), this.headerFilled);
        this.headerFilled += take;
        at += take;
        if (this.headerFilled < VD_AGENT_MESSAGE_HEADER_BYTES) return;
        if (!this.startMessage()) return;
        if (this.size === 0) this.finishMessage();
        continue;
      }
      const take = Math.min(this.size - this.received, data.length - at);
      const piece = data.subarray(at, at + take);
      at += take;
      if (this.skipping) this.skip(piece);
      else this.store(piece);
      this.received += take;
      if (this.received === this.size) this.finishMessage();
    }
  }

  /** Header complete: checks it and sets up storing or skipping. False when the header was rejected. */
  private startMessage(): boolean {
    const protocol = this.headerView.getUint32(0, true);
    this.type = this.headerView.getUint32(4, true);
    this.size = this.headerView.getUint32(16, true);
    this.received = 0;
    if (protocol !== VD_AGENT_PROTOCOL) {
      this.reset();
      this.handlers.malformed(`agent message with protocol ${protocol} (expected ${VD_AGENT_PROTOCOL})`);
      return false;
    }
    const limit = this.limitFor(this.type);
    if (this.size > limit) {
      this.skipping = {
        limit,
        head: new Uint8Array(Math.min(OVERSIZED_HEAD_BYTES, this.size)),
        reported: false,
      };
    } else {
      this.body = new Uint8Array(Math.min(this.size, INITIAL_BUFFER_BYTES));
    }
    return true;
  }

  private store(piece: Uint8Array): void {
    let body = this.body!;
    const need = this.received + piece.length;
    if (need > body.length) {
      let capacity = body.length * 2 || INITIAL_BUFFER_BYTES;
      while (capacity < need) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, this.size));
      grown.set(body.subarray(0, this.received));
      this.body = body = grown;
    }
    body.set(piece, this.received);
  }

  private skip(piece: Uint8Array): void {
    const s = this.skipping!;
    if (this.received < s.head.length) {
      const take = Math.min(s.head.length - this.received, piece.length);
      s.head.set(piece.subarray(0, take), this.received);
    }
    if (!s.reported && this.received + piece.length >= s.head.length) {
      s.reported = true;
      this.handlers.oversized(this.type, this.size, s.limit, s.head);
    }
  }

  private finishMessage(): void {
    const { type, body, skipping } = this;
    this.headerFilled = 0;
    this.body = null;
    this.skipping = null;
    if (skipping) {
      if (!skipping.reported) this.handlers.oversized(type, this.size, skipping.limit, skipping.head);
      return;
    }
    this.handlers.message(type, body ?? new Uint8Array(0));
  }
}
