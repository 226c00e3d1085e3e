// The slice of SpiceSession (main/spice/session.ts) the session process uses: its events, its surfaces, and the
// protocol state the core owns (monitors, cursor, mouse mode, lock keys, VM name). Declared here so the bridges can
// be driven by a fake in tests; the real session satisfies it structurally.
import type { AgentClipboard } from '../spice/agent/agent-clipboard';
import type { FileSource } from '../spice/agent/file-source';
import type { FileTransfer, TransferBatch } from '../spice/agent/file-transfer';
import type { AgentState, GuestAgentEvents } from '../spice/agent/guest-agent';
import type { GuestMonitor } from '../spice/agent/monitors-config';
import type { DisplayMonitor } from '../spice/channels/display-monitors';
import type { CursorState } from '../spice/session';
import type { SessionEventMap, SessionEventName } from '../spice/session-events';

export interface SurfacePixels {
  width: number;
  height: number;
  /** RGBA, stride width*4. */
  pixels: Uint8Array;
  /** 'opaque' when every alpha byte is already 255 (the core's xRGB surfaces): copied without touching alpha. */
  alphaRule?: string;
}

export interface InputsLike {
  keyDown(scancode: number): void;
  keyUp(scancode: number): void;
  setModifiers(modifiers: number): void;
  mouseMotion(dx: number, dy: number, buttons: number): void;
  mousePosition(x: number, y: number, buttons: number, displayId: number): void;
  mousePress(button: number, buttons: number): void;
  mouseRelease(button: number, buttons: number): void;
}

/** The guest agent (main/spice/agent/guest-agent.ts) as the agent bridges use it. */
export interface AgentLike {
  readonly state: AgentState;
  on<K extends keyof GuestAgentEvents>(
    event: K,
    listener: (payload: GuestAgentEvents[K]) => void,
  ): () => void;
  readonly clipboard: Pick<AgentClipboard, 'hostGrab' | 'hostRelease' | 'readGuest' | 'guestOffers'>;
  sendFiles(sources: readonly FileSource[]): TransferBatch;
  readonly pendingTransfers: FileTransfer[];
  setMonitors(monitors: readonly GuestMonitor[]): void;
}

export interface SessionLike {
  on<K extends SessionEventName>(event: K, listener: (payload: SessionEventMap[K]) => void): unknown;
  connect(): Promise<unknown>;
  close(): unknown;
  getSurface(channelId: number, surfaceId: number): SurfacePixels | undefined;
  /** Every display channel's monitors (the display channels own the layout). */
  monitors(): DisplayMonitor[];
  /** What cursor channel `channelId` last said, if anything. */
  cursor(channelId: number): CursorState | undefined;
  readonly mouseMode: { current: number; supported: number };
  readonly guestModifiers: number | undefined;
  /** The VM name from the server ('' until received). */
  readonly vmName: string;
  requestMouseMode(mode: number): void;
  readonly inputs: InputsLike;
  /** The guest agent (absent in sessions scripted by tests that do not need one). */
  readonly agent?: AgentLike;
}
