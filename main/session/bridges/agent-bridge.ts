// The guest agent's presence and the user's agent settings, and auto-resize: every view reports its drawable size
// in device pixels (viewSize), and while auto-resize is on the views' sizes become the guest's monitor layout — one
// monitor per window, laid out left to right in the order of the windows on the host. The core debounces the layout
// and re-sends it when an agent (re)attaches. Displays can be turned off (displayEnable) as in remote-viewer's menu.
import type { AgentSettings, AgentStateMessage } from '../../../shared/contract';
import { AGENT_LIMITS } from '../../../shared/contract';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import type { AgentLike, SessionLike } from '../session-like';
import type { AgentSettingsStore } from './agent-settings';

/** Where each display's window is and how large it is (device pixels). */
interface ViewSize {
  width: number;
  height: number;
  x: number;
  y: number;
}

/** A guest monitor as the core takes it (main/spice/agent/monitors-config.ts' GuestMonitor). */
export interface LayoutMonitor {
  id: number;
  enabled: boolean;
  width: number;
  height: number;
  x: number;
  y: number;
}

/**
 * The guest layout for these display sizes: enabled displays side by side, ordered by their window's x on the host
 * (then by display number), top-aligned; disabled slots below the highest enabled one are sent as disabled.
 */
export function layoutFor(
  sizes: ReadonlyMap<number, ViewSize>,
  disabled: ReadonlySet<number>,
): LayoutMonitor[] {
  const enabled = [...sizes.entries()]
    .filter(([display]) => !disabled.has(display))
    .sort(([a, sa], [b, sb]) => sa.x - sb.x || a - b);
  const layout: LayoutMonitor[] = [];
  let x = 0;
  for (const [display, size] of enabled) {
    layout.push({ id: display, enabled: true, width: size.width, height: size.height, x, y: 0 });
    x += size.width;
  }
  const top = Math.max(-1, ...layout.map((m) => m.id));
  for (const display of disabled)
    if (display < top) layout.push({ id: display, enabled: false, width: 0, height: 0, x: 0, y: 0 });
  return layout.sort((a, b) => a.id - b.id);
}

/** What the shell hears about the agent (the app's menu check marks). */
export interface AgentStateListener {
  (state: { settings: AgentSettings; displays: boolean[]; connected: boolean }): void;
}

export class AgentBridge implements SessionBridge {
  readonly name = 'agent';
  private agent: AgentLike | undefined;
  /** Latest size per display (the last view that reported it wins). */
  private readonly sizes = new Map<number, ViewSize>();
  private readonly disabled = new Set<number>();
  private maxDisplays = 1;

  constructor(
    private readonly ctx: SessionContext,
    private readonly settings: AgentSettingsStore,
    private readonly onState: AgentStateListener = () => {},
  ) {
    settings.onChange((now, before) => {
      if (now.autoResize && !before.autoResize) this.applyLayout();
      this.broadcastState();
    });
  }

  readonly handlers: Pick<RequestHandlers, 'agentSettings' | 'viewSize' | 'displayEnable'> = {
    agentSettings: (r) => this.settings.update(r),
    viewSize: (r, view) => {
      if (view.monitor >= AGENT_LIMITS.maxDisplays) return;
      this.sizes.set(view.monitor, { width: r.width, height: r.height, x: r.x, y: r.y });
      this.applyLayout();
    },
    displayEnable: (r) => this.enableDisplay(r.display, r.enabled),
  };

  /** The menu turned a display on or off (the first display cannot be turned off: the guest needs one). */
  enableDisplay(display: number, enabled: boolean): void {
    if (display === 0 && !enabled) return;
    if (enabled) this.disabled.delete(display);
    else this.disabled.add(display);
    this.applyLayout(true);
    this.broadcastState();
  }

  viewAttached(view: ViewPort): void {
    view.send(this.stateMessage());
  }

  sessionStarted(session: SessionLike, on: Subscribe): void {
    this.agent = session.agent;
    const count = (): number => Math.min(AGENT_LIMITS.maxDisplays, Math.max(1, session.monitors().length));
    this.maxDisplays = count();
    on('monitors', () => {
      const max = count();
      if (max !== this.maxDisplays) {
        this.maxDisplays = max;
        this.broadcastState();
      }
    });
    const agent = session.agent;
    if (!agent) return;
    const off = agent.on('state', () => this.broadcastState());
    this.unsubscribe = off;
    this.broadcastState();
  }

  private unsubscribe: (() => void) | undefined;

  sessionEnded(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.agent = undefined;
    this.broadcastState();
  }

  private applyLayout(force = false): void {
    if (!this.agent || (!this.settings.current.autoResize && !force)) return;
    const layout = layoutFor(this.sizes, this.disabled);
    if (layout.some((m) => m.enabled)) this.agent.setMonitors(layout);
  }

  private stateMessage(): AgentStateMessage {
    const state = this.agent?.state;
    return {
      kind: 'agent-state',
      connected: state?.ready ?? false,
      clipboard: (state?.ready ?? false) && (state?.clipboard ?? false),
      fileTransfer: (state?.ready ?? false) && (state?.fileTransfer ?? false),
      settings: { ...this.settings.current },
      displays: Array.from(
        { length: Math.max(this.maxDisplays, ...[...this.disabled].map((d) => d + 1)) },
        (_, i) => !this.disabled.has(i),
      ),
    };
  }

  private broadcastState(): void {
    const message = this.stateMessage();
    this.ctx.broadcast(message);
    this.onState({ settings: message.settings, displays: message.displays, connected: message.connected });
  }
}
