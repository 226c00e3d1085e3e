// Agent capabilities: what this client announces, what the guest announced, and what both sides therefore use.
// A feature with an optional wire field (selection prefix, grab serial, detailed errors, sparse monitors) is used
// only when both sides announced it, as spice-gtk and spice-vdagent do.
import { capsHas, capsToBits, capsToWords } from '../transport/caps';
import {
  VD_AGENT_CAP_CLIPBOARD_BY_DEMAND,
  VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL,
  VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB,
  VD_AGENT_CAP_CLIPBOARD_SELECTION,
  VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS,
  VD_AGENT_CAP_FILE_XFER_DISABLED,
  VD_AGENT_CAP_GUEST_LINEEND_CRLF,
  VD_AGENT_CAP_MAX_CLIPBOARD,
  VD_AGENT_CAP_MONITORS_CONFIG,
  VD_AGENT_CAP_MONITORS_CONFIG_POSITION,
  VD_AGENT_CAP_MOUSE_STATE,
  VD_AGENT_CAP_NAMES,
  VD_AGENT_CAP_REPLY,
  VD_AGENT_CAP_SPARSE_MONITORS_CONFIG,
} from './vd-agent';

/**
 * Announced by this client. DISPLAY_CONFIG (wallpaper/effects for Windows guests) and AUDIO_VOLUME_SYNC are not
 * implemented and so not announced; FILE_XFER_DISABLED and GUEST_LINEEND_* are guest-side capabilities.
 */
export const CLIENT_AGENT_CAPS: readonly number[] = [
  VD_AGENT_CAP_MOUSE_STATE,
  VD_AGENT_CAP_MONITORS_CONFIG,
  VD_AGENT_CAP_REPLY,
  VD_AGENT_CAP_CLIPBOARD_BY_DEMAND,
  VD_AGENT_CAP_CLIPBOARD_SELECTION,
  VD_AGENT_CAP_SPARSE_MONITORS_CONFIG,
  VD_AGENT_CAP_MAX_CLIPBOARD,
  VD_AGENT_CAP_MONITORS_CONFIG_POSITION,
  VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS,
  VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB,
  VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL,
];

export function clientAgentCapWords(): number[] {
  return capsToWords(CLIENT_AGENT_CAPS);
}

/** The guest's announced capabilities, and the features both sides agreed on. */
export class AgentCaps {
  constructor(readonly guestWords: Uint32Array) {}

  /** The guest announced `cap`. */
  guestHas(cap: number): boolean {
    return capsHas(this.guestWords, cap);
  }

  /** Both sides announced `cap` (the condition for optional wire fields). */
  negotiated(cap: number): boolean {
    return CLIENT_AGENT_CAPS.includes(cap) && this.guestHas(cap);
  }

  get clipboardByDemand(): boolean {
    return this.negotiated(VD_AGENT_CAP_CLIPBOARD_BY_DEMAND);
  }
  get selectionPrefix(): boolean {
    return this.negotiated(VD_AGENT_CAP_CLIPBOARD_SELECTION);
  }
  get grabSerial(): boolean {
    return this.negotiated(VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL);
  }
  get noReleaseOnRegrab(): boolean {
    return this.negotiated(VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB);
  }
  get maxClipboard(): boolean {
    return this.negotiated(VD_AGENT_CAP_MAX_CLIPBOARD);
  }
  get detailedXferErrors(): boolean {
    return this.negotiated(VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS);
  }
  get sparseMonitors(): boolean {
    return this.negotiated(VD_AGENT_CAP_SPARSE_MONITORS_CONFIG);
  }
  get monitorPositions(): boolean {
    return this.negotiated(VD_AGENT_CAP_MONITORS_CONFIG_POSITION);
  }
  get monitorsConfig(): boolean {
    return this.guestHas(VD_AGENT_CAP_MONITORS_CONFIG);
  }
  /** The guest said it accepts no file transfers (a policy of the guest, e.g. Windows agent settings). */
  get fileTransferDisabled(): boolean {
    return this.guestHas(VD_AGENT_CAP_FILE_XFER_DISABLED);
  }
  /** Text line ending the guest expects: CRLF for Windows agents (GUEST_LINEEND_CRLF), LF otherwise. */
  get lineEnding(): 'lf' | 'crlf' {
    return this.guestHas(VD_AGENT_CAP_GUEST_LINEEND_CRLF) ? 'crlf' : 'lf';
  }

  /** Capability names, for logs and `saffron info`-style reports (unknown bits as numbers). */
  names(): string[] {
    return capsToBits(this.guestWords).map((bit) => VD_AGENT_CAP_NAMES[bit] ?? `cap ${bit}`);
  }
}
