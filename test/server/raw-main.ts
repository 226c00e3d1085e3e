// A bare main channel for tests: MAIN_INIT, and the agent path (AGENT_START, token-limited AGENT_DATA in
// chunks of at most 2048 bytes, reassembly of the agent's messages). See REFERENCES G27-G29.
import * as E from '../../main/spice/protocol/enums';
import { RawChannel } from './raw-channel';

export const VD_AGENT_MAX_DATA_SIZE = 2048;
const AGENT_HEADER_BYTES = 20;

export interface MainInit {
  sessionId: number;
  supportedMouseModes: number;
  currentMouseMode: number;
  agentConnected: boolean;
  agentTokens: number;
}

export interface AgentMessage {
  type: number;
  data: Buffer;
}

export class RawMain {
  private tokens: number;
  private pending = Buffer.alloc(0);
  private readonly messages: AgentMessage[] = [];

  private constructor(
    readonly channel: RawChannel,
    readonly init: MainInit,
  ) {
    this.tokens = init.agentTokens;
  }

  static async open(port: number, password?: string): Promise<RawMain> {
    const channel = await RawChannel.open({
      port,
      channelType: E.SPICE_CHANNEL_MAIN,
      ...(password !== undefined ? { password } : {}),
    });
    const m = await channel.nextOfType(E.SPICE_MSG_MAIN_INIT);
    const init: MainInit = {
      sessionId: m.body.readUInt32LE(0),
      supportedMouseModes: m.body.readUInt32LE(8),
      currentMouseMode: m.body.readUInt32LE(12),
      agentConnected: m.body.readUInt32LE(16) !== 0,
      agentTokens: m.body.readUInt32LE(20),
    };
    return new RawMain(channel, init);
  }

  /** MSGC_MAIN_AGENT_START with an unlimited budget for server → client agent data. */
  startAgent(): void {
    const body = Buffer.alloc(4);
    body.writeUInt32LE(0xffffffff, 0);
    this.channel.send(E.SPICE_MSGC_MAIN_AGENT_START, body);
  }

  /** Sends one agent message, split into AGENT_DATA messages of at most 2048 bytes, spending tokens. */
  async sendAgent(type: number, payload: Uint8Array): Promise<void> {
    const message = Buffer.alloc(AGENT_HEADER_BYTES + payload.length);
    message.writeUInt32LE(1, 0); // VD_AGENT_PROTOCOL
    message.writeUInt32LE(type, 4);
    message.writeBigUInt64LE(0n, 8);
    message.writeUInt32LE(payload.length, 16);
    message.set(payload, AGENT_HEADER_BYTES);
    for (let offset = 0; offset < message.length; offset += VD_AGENT_MAX_DATA_SIZE) {
      while (this.tokens === 0) {
        const t = await this.channel.nextOfType(E.SPICE_MSG_MAIN_AGENT_TOKEN);
        this.tokens += t.body.readUInt32LE(0);
      }
      this.tokens--;
      this.channel.send(
        E.SPICE_MSGC_MAIN_AGENT_DATA,
        message.subarray(offset, Math.min(offset + VD_AGENT_MAX_DATA_SIZE, message.length)),
      );
    }
  }

  /** The next agent message matching the predicate (reassembled across AGENT_DATA messages). */
  async nextAgent(predicate: (m: AgentMessage) => boolean, timeoutMs = 10000): Promise<AgentMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(predicate);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('agent message not received in time');
      const data = await this.channel.nextOfType(E.SPICE_MSG_MAIN_AGENT_DATA, left);
      this.pending = Buffer.concat([this.pending, data.body]);
      while (this.pending.length >= AGENT_HEADER_BYTES) {
        const size = this.pending.readUInt32LE(16);
        if (this.pending.length < AGENT_HEADER_BYTES + size) break;
        this.messages.push({
          type: this.pending.readUInt32LE(4),
          data: Buffer.from(this.pending.subarray(AGENT_HEADER_BYTES, AGENT_HEADER_BYTES + size)),
        });
        this.pending = this.pending.subarray(AGENT_HEADER_BYTES + size);
      }
    }
  }

  nextAgentOfType(type: number, timeoutMs?: number): Promise<AgentMessage> {
    return this.nextAgent((m) => m.type === type, timeoutMs);
  }

  close(): void {
    this.channel.close();
  }
}
