// A GuestAgent driven at the wire in unit tests: what it sends through its AgentPort is parsed back into agent
// messages, and agent messages are fed to it as MAIN_AGENT_DATA bodies (in 2040-byte pieces, as spice-server
// forwards an agent's chunks). Builders for the agent's side of every message the tests need.
import { encodeVdAgentMessageHeader } from '../../main/spice/agent/agent-messages';
import { GuestAgent, type GuestAgentOptions } from '../../main/spice/agent/guest-agent';
import * as V from '../../main/spice/agent/vd-agent';
import { SpiceWriter } from '../../main/spice/wire/writer';

export interface SentMessage {
  type: number;
  data: Uint8Array;
}

export interface AgentWire {
  agent: GuestAgent;
  /** AGENT_START budgets sent. */
  starts: number[];
  /** Every complete agent message sent so far. */
  sent(): SentMessage[];
  /** Sent messages of `type` since the last `take`, removed from the list. */
  take(type: number): SentMessage[];
  /** Delivers one agent message (split like spice-server's AGENT_DATA). */
  deliver(type: number, payload: Uint8Array): void;
  /** Attaches an agent with these capabilities (AGENT_CONNECTED_TOKENS + its announce). */
  connect(caps: readonly number[], tokens?: number): void;
}

export function capWords(caps: readonly number[]): number[] {
  const words = [0];
  for (const c of caps) words[c >> 5] = ((words[c >> 5] ?? 0) | (1 << (c & 31))) >>> 0;
  return words;
}

export function announce(request: boolean, caps: readonly number[]): Uint8Array {
  const w = new SpiceWriter().u32(request ? 1 : 0);
  for (const word of capWords(caps)) w.u32(word);
  return w.finish();
}

/** What spice-vdagent (Linux) announces. */
export const LINUX_AGENT_CAPS = [
  V.VD_AGENT_CAP_MOUSE_STATE,
  V.VD_AGENT_CAP_MONITORS_CONFIG,
  V.VD_AGENT_CAP_REPLY,
  V.VD_AGENT_CAP_CLIPBOARD_BY_DEMAND,
  V.VD_AGENT_CAP_CLIPBOARD_SELECTION,
  V.VD_AGENT_CAP_SPARSE_MONITORS_CONFIG,
  V.VD_AGENT_CAP_GUEST_LINEEND_LF,
  V.VD_AGENT_CAP_MAX_CLIPBOARD,
  V.VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB,
  V.VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL,
  V.VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS,
];

export function agentWire(options: GuestAgentOptions = {}): AgentWire {
  const agent = new GuestAgent(options);
  const chunks: Uint8Array[] = [];
  const starts: number[] = [];
  agent.attach({
    sendAgentStart: (n) => starts.push(n),
    sendAgentData: (c) => chunks.push(Uint8Array.from(c)),
  });
  let consumed = 0;
  let partial: Uint8Array = new Uint8Array(0);
  const messages: SentMessage[] = [];
  const parse = (): void => {
    for (; consumed < chunks.length; consumed++) {
      const joined = new Uint8Array(partial.length + chunks[consumed]!.length);
      joined.set(partial);
      joined.set(chunks[consumed]!, partial.length);
      partial = joined;
      for (;;) {
        if (partial.length < 20) break;
        const size = new DataView(partial.buffer, partial.byteOffset).getUint32(16, true);
        if (partial.length < 20 + size) break;
        const type = new DataView(partial.buffer, partial.byteOffset).getUint32(4, true);
        messages.push({ type, data: partial.slice(20, 20 + size) });
        partial = partial.slice(20 + size);
      }
    }
  };
  const wire: AgentWire = {
    agent,
    starts,
    sent: () => (parse(), messages),
    take: (type) => {
      parse();
      const out = messages.filter((m) => m.type === type);
      for (const m of out) messages.splice(messages.indexOf(m), 1);
      return out;
    },
    deliver: (type, payload) => {
      const header = encodeVdAgentMessageHeader(type, payload.length);
      const all = new Uint8Array(header.length + payload.length);
      all.set(header);
      all.set(payload, header.length);
      for (let at = 0; at < all.length; at += 2040) agent.agentData(all.subarray(at, at + 2040));
    },
    connect: (caps, tokens = 1000) => {
      agent.agentConnected(tokens);
      wire.deliver(V.VD_AGENT_ANNOUNCE_CAPABILITIES, announce(false, caps));
    },
  };
  return wire;
}

export const u32 = (...values: number[]): Uint8Array => {
  const w = new SpiceWriter();
  for (const v of values) w.u32(v);
  return w.finish();
};

/** Agent → client clipboard messages with the selection prefix (CLIPBOARD_SELECTION negotiated). */
export const guest = {
  grab: (selection: number, serial: number | null, types: number[]): Uint8Array =>
    new Uint8Array([selection, 0, 0, 0, ...(serial === null ? [] : u32(serial)), ...u32(...types)]),
  release: (selection: number): Uint8Array => new Uint8Array([selection, 0, 0, 0]),
  request: (selection: number, type: number): Uint8Array =>
    new Uint8Array([selection, 0, 0, 0, ...u32(type)]),
  data: (selection: number, type: number, data: Uint8Array): Uint8Array =>
    new Uint8Array([selection, 0, 0, 0, ...u32(type), ...data]),
};
