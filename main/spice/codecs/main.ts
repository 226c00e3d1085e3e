// Main channel messages (spice.proto "channel MainChannel"): server messages → typed structs, client messages → bytes.
import { ProtocolError } from '../errors';
import type { SpiceReader } from '../wire/reader';
import { SpiceWriter } from '../wire/writer';

export interface SpiceMsgMainInit {
  session_id: number;
  display_channels_hint: number;
  supported_mouse_modes: number;
  current_mouse_mode: number;
  agent_connected: number;
  agent_tokens: number;
  multi_media_time: number;
  ram_hint: number;
}

export function decodeSpiceMsgMainInit(r: SpiceReader): SpiceMsgMainInit {
  return {
    session_id: r.u32(),
    display_channels_hint: r.u32(),
    supported_mouse_modes: r.u32(),
    current_mouse_mode: r.u32(),
    agent_connected: r.u32(),
    agent_tokens: r.u32(),
    multi_media_time: r.u32(),
    ram_hint: r.u32(),
  };
}

export interface SpiceChannelId {
  type: number;
  id: number;
}

/** SPICE_MSG_MAIN_CHANNELS_LIST, duplicates dropped (at most 65536 distinct type/id pairs, whatever the count). */
export function decodeSpiceMsgChannels(r: SpiceReader): SpiceChannelId[] {
  const count = r.count(r.u32(), 2, 'channel list');
  const seen = new Uint8Array(65536);
  const out: SpiceChannelId[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8();
    const id = r.u8();
    if (seen[(type << 8) | id]) continue;
    seen[(type << 8) | id] = 1;
    out.push({ type, id });
  }
  return out;
}

export interface SpiceMsgMainMouseMode {
  supported_modes: number;
  current_mode: number;
}

export function decodeSpiceMsgMainMouseMode(r: SpiceReader): SpiceMsgMainMouseMode {
  return { supported_modes: r.u16(), current_mode: r.u16() };
}

/** SPICE_MSG_MAIN_NAME: u32 name_len, then name_len bytes (NUL-terminated by the server). */
export function decodeSpiceMsgMainName(r: SpiceReader): string {
  const length = r.u32();
  if (length > r.remaining) throw new ProtocolError(`VM name of ${length} bytes, ${r.remaining} left`);
  return r.cstring(length);
}

/** SPICE_MSG_MAIN_UUID: 16 bytes, formatted as the canonical 8-4-4-4-12 string. */
export function decodeSpiceMsgMainUuid(r: SpiceReader): string {
  const hex = Array.from(r.bytesView(16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface SpiceMsgMainMigrationSwitchHost {
  port: number;
  sport: number;
  host: string;
  cert_subject: string;
}

export function decodeSpiceMsgMainMigrationSwitchHost(r: SpiceReader): SpiceMsgMainMigrationSwitchHost {
  const port = r.u16();
  const sport = r.u16();
  const hostSize = r.u32();
  const hostPtr = r.u32();
  const subjectSize = r.u32();
  const subjectPtr = r.u32();
  const host = hostSize ? r.fork(hostPtr).cstring(hostSize) : '';
  const cert_subject = subjectSize ? r.fork(subjectPtr).cstring(subjectSize) : '';
  return { port, sport, host, cert_subject };
}

export function encodeSpiceMsgcMainMouseModeRequest(mode: number): SpiceWriter {
  return new SpiceWriter(2).u16(mode);
}

// ---- agent (REFERENCES G27-G28) ----

/** SPICE_MSGC_MAIN_AGENT_START: u32 num_tokens, the client's budget for agent → client AGENT_DATA. */
export function encodeSpiceMsgcMainAgentStart(numTokens: number): SpiceWriter {
  return new SpiceWriter(4).u32(numTokens);
}

/** SPICE_MSG_MAIN_AGENT_TOKEN / AGENT_CONNECTED_TOKENS: u32 num_tokens. */
export function decodeSpiceMsgMainAgentTokens(r: SpiceReader): number {
  return r.u32();
}

/** SPICE_MSG_MAIN_AGENT_DISCONNECTED: u32 error_code (a SPICE_LINK_ERR_*). */
export function decodeSpiceMsgMainAgentDisconnect(r: SpiceReader): number {
  return r.u32();
}
