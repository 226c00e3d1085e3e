// The guest agent's three bridges built together around one settings store (agent state and auto-resize, clipboard,
// transfers), and the one place the shell's agent control messages (host-protocol.ts' AgentHostMessage) land. The
// session's GuestAgent is built before the bridges (session-wiring.ts), so its clipboard adapter is a relay that
// forwards to the clipboard bridge once it exists.
import type { AgentSettings } from '../../../shared/contract';
import type { AgentHostMessage } from '../../ipc/agent-host-protocol';
import type { ClipboardAdapter } from '../../spice/agent/clipboard-adapter';
import type { SessionBridge, SessionContext } from '../session-bridge';
import { AgentBridge, type AgentStateListener } from './agent-bridge';
import { AgentSettingsStore } from './agent-settings';
import { ClipboardBridge, type OsClipboardHost } from './clipboard-bridge';
import { TransferBridge, type PathOpener } from './transfer-bridge';

/** A ClipboardAdapter whose target is set later; until then the guest is offered nothing and sees nothing. */
export class ClipboardRelay implements ClipboardAdapter {
  target: ClipboardAdapter | undefined;
  guestGrab(...args: Parameters<ClipboardAdapter['guestGrab']>): void {
    this.target?.guestGrab(...args);
  }
  guestRelease(...args: Parameters<ClipboardAdapter['guestRelease']>): void {
    this.target?.guestRelease(...args);
  }
  readHost(...args: Parameters<ClipboardAdapter['readHost']>): ReturnType<ClipboardAdapter['readHost']> {
    return this.target ? this.target.readHost(...args) : Promise.resolve(null);
  }
}

export interface AgentBridgesOptions {
  settings?: Partial<AgentSettings>;
  /** The session's clipboard adapter (session-wiring.ts hands the same relay to the GuestAgent). */
  clipboardRelay?: ClipboardRelay;
  /** The desktop app's OS clipboard (absent in `saffron web`). */
  osClipboard?: OsClipboardHost;
  maxClipboardBytes?: number;
  openPaths?: PathOpener;
  pickFiles?: () => void;
  /** The settings or displays changed (the desktop app's menu). */
  onState?: AgentStateListener;
}

export class AgentBridges {
  readonly settings: AgentSettingsStore;
  readonly agent: AgentBridge;
  readonly clipboard: ClipboardBridge;
  readonly transfer: TransferBridge;

  constructor(ctx: SessionContext, options: AgentBridgesOptions = {}) {
    this.settings = new AgentSettingsStore(options.settings);
    this.agent = new AgentBridge(ctx, this.settings, options.onState);
    this.clipboard = new ClipboardBridge(ctx, this.settings, {
      ...(options.osClipboard ? { os: options.osClipboard } : {}),
      ...(options.maxClipboardBytes !== undefined ? { maxBytes: options.maxClipboardBytes } : {}),
    });
    this.transfer = new TransferBridge(ctx, {
      ...(options.openPaths ? { openPaths: options.openPaths } : {}),
      ...(options.pickFiles ? { pickFiles: options.pickFiles } : {}),
    });
    if (options.clipboardRelay) options.clipboardRelay.target = this.clipboard;
  }

  get bridges(): SessionBridge[] {
    return [this.agent, this.clipboard, this.transfer];
  }

  /** A control message from the desktop app's main process. */
  hostMessage(m: AgentHostMessage): void {
    switch (m.t) {
      case 'agent-settings':
        this.settings.update(m.settings);
        return;
      case 'display-enable':
        this.agent.enableDisplay(m.display, m.enabled);
        return;
      case 'clipboard-changed':
        this.clipboard.hostChanged(m.selection, m.formats, m.fingerprint);
        return;
      case 'clipboard-content':
        this.clipboard.osContent(m.requestId, m.content);
        return;
      case 'send-files':
      case 'dropped':
        void this.transfer.sendPaths(m.paths);
        return;
    }
  }
}
