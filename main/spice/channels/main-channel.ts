// The main channel: session id, channel list, mouse mode, multimedia time, VM name/uuid, and the guest agent's
// transport (AGENT_* messages go to the agent module, which sends its chunks back through this channel).
// Migration requests end the session with an explanation (live migration is not followed).
import {
  decodeSpiceMsgChannels,
  decodeSpiceMsgMainAgentDisconnect,
  decodeSpiceMsgMainAgentTokens,
  decodeSpiceMsgMainInit,
  decodeSpiceMsgMainMigrationSwitchHost,
  decodeSpiceMsgMainMouseMode,
  decodeSpiceMsgMainName,
  decodeSpiceMsgMainUuid,
  encodeSpiceMsgcMainAgentStart,
  encodeSpiceMsgcMainMouseModeRequest,
  type SpiceChannelId,
  type SpiceMsgMainInit,
} from '../codecs/main';
import type { AgentPort, MainChannelAgentSink } from '../agent/guest-agent';
import { SpiceError } from '../errors';
import * as E from '../protocol/enums';
import { SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS, SPICE_MAIN_CAP_NAME_AND_UUID } from '../protocol/protocol';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';

export interface MainChannelEvents {
  onInit(init: SpiceMsgMainInit): void;
  onChannels(channels: SpiceChannelId[]): void;
  /** MULTI_MEDIA_TIME: the server's multimedia time now (the session clock syncs to it). */
  onMultimediaTime?(timeMs: number): void;
  /** MAIN_MOUSE_MODE: the modes the server allows changed (e.g. an agent attached), or the current one did. */
  onMouseMode?(supported: number, current: number): void;
  /** The guest agent this channel carries (without one, agent data is reported unsupported). */
  agent?: MainChannelAgent;
}

/** The guest agent as the main channel drives it (GuestAgent implements this). */
export interface MainChannelAgent extends MainChannelAgentSink {
  attach(port: AgentPort): void;
}

export class MainChannel extends SpiceChannel<E.SpiceMsgMain> implements AgentPort {
  agentConnected = false;
  supportedMouseModes = 0;
  currentMouseMode = 0;
  multimediaTimeMs = 0;
  vmName = '';
  vmUuid = '';

  constructor(
    ctx: ChannelContext,
    private readonly events: MainChannelEvents,
  ) {
    super(ctx);
    this.agent = events.agent ?? null;
  }

  private readonly agent: MainChannelAgent | null;

  protected override onLinked(): void {
    this.agent?.attach(this);
  }

  protected override onClose(): void {
    this.agent?.channelClosed();
  }

  // ---- AgentPort ----

  sendAgentStart(numTokens: number): void {
    this.send(E.SPICE_MSGC_MAIN_AGENT_START, encodeSpiceMsgcMainAgentStart(numTokens));
  }

  sendAgentData(chunk: Uint8Array): void {
    this.send(E.SPICE_MSGC_MAIN_AGENT_DATA, chunk);
  }

  protected override channelCaps(): number[] {
    return [SPICE_MAIN_CAP_NAME_AND_UUID, SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS];
  }

  requestMouseMode(mode: number): void {
    this.send(E.SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, encodeSpiceMsgcMainMouseModeRequest(mode));
  }

  private migration(what: string): void {
    this.ctx.host.endSession(
      new SpiceError(
        'migration',
        `the server started a live migration (${what}); Saffron does not follow migrations yet — reconnect to the VM's new host`,
      ),
    );
  }

  private emitAgent(tokens: number): void {
    this.ctx.emit('agent-connected', { connected: this.agentConnected, tokens });
  }

  protected readonly handlers: Record<E.SpiceMsgMain, MessageHandler> = {
    [E.SPICE_MSG_MAIN_INIT]: (r) => {
      const init = decodeSpiceMsgMainInit(r);
      this.supportedMouseModes = init.supported_mouse_modes;
      this.currentMouseMode = init.current_mouse_mode;
      this.agentConnected = init.agent_connected !== 0;
      this.multimediaTimeMs = init.multi_media_time;
      // AGENT_START goes before ATTACH_CHANNELS, as spice-gtk sends it.
      this.agent?.mainInit(this.agentConnected, init.agent_tokens);
      this.send(E.SPICE_MSGC_MAIN_ATTACH_CHANNELS);
      this.events.onInit(init);
    },
    [E.SPICE_MSG_MAIN_CHANNELS_LIST]: (r) => this.events.onChannels(decodeSpiceMsgChannels(r)),
    [E.SPICE_MSG_MAIN_MOUSE_MODE]: (r) => {
      const m = decodeSpiceMsgMainMouseMode(r);
      this.supportedMouseModes = m.supported_modes;
      this.currentMouseMode = m.current_mode;
      this.ctx.emit('mouse-mode', { supported: m.supported_modes, current: m.current_mode });
      this.events.onMouseMode?.(m.supported_modes, m.current_mode);
    },
    [E.SPICE_MSG_MAIN_MULTI_MEDIA_TIME]: (r) => {
      this.multimediaTimeMs = r.u32();
      this.events.onMultimediaTime?.(this.multimediaTimeMs);
      this.ctx.emit('multimedia-time', { timeMs: this.multimediaTimeMs });
    },
    [E.SPICE_MSG_MAIN_NAME]: (r) => {
      this.vmName = decodeSpiceMsgMainName(r);
      this.ctx.emit('name', { name: this.vmName });
    },
    [E.SPICE_MSG_MAIN_UUID]: (r) => {
      this.vmUuid = decodeSpiceMsgMainUuid(r);
      this.ctx.emit('uuid', { uuid: this.vmUuid });
    },
    [E.SPICE_MSG_MAIN_AGENT_CONNECTED]: () => {
      this.agentConnected = true;
      this.emitAgent(0);
      this.agent?.agentConnected(null);
    },
    [E.SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS]: (r) => {
      const tokens = decodeSpiceMsgMainAgentTokens(r);
      this.agentConnected = true;
      this.emitAgent(tokens);
      this.agent?.agentConnected(tokens);
    },
    [E.SPICE_MSG_MAIN_AGENT_DISCONNECTED]: (r) => {
      const error = decodeSpiceMsgMainAgentDisconnect(r);
      this.agentConnected = false;
      this.emitAgent(0);
      this.agent?.agentDisconnected(error);
    },
    [E.SPICE_MSG_MAIN_AGENT_TOKEN]: (r) => this.agent?.agentTokens(decodeSpiceMsgMainAgentTokens(r)),
    [E.SPICE_MSG_MAIN_AGENT_DATA]: (r) => {
      if (this.agent) this.agent.agentData(r.rest());
      else this.unsupported('guest agent data (this session has no agent module)');
    },
    [E.SPICE_MSG_MAIN_MIGRATE_BEGIN]: () => this.migration('migrate begin'),
    [E.SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS]: () => this.migration('seamless migrate begin'),
    [E.SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST]: (r) => {
      const target = decodeSpiceMsgMainMigrationSwitchHost(r);
      this.migration(`switch to ${target.host}:${target.port || target.sport}`);
    },
    [E.SPICE_MSG_MAIN_MIGRATE_END]: () => this.migration('migrate end'),
    [E.SPICE_MSG_MAIN_MIGRATE_CANCEL]: () => this.log.info('server cancelled a migration'),
    [E.SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK]: () => this.migration('seamless destination ack'),
    [E.SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK]: () => this.migration('seamless destination nack'),
  };
}
