// What a feature bridge is: one concern of the session process, end to end (input, cursor, monitors/views,
// notices, recent connections; later clipboard, transfers, audio, USB, video). It owns the request handlers of its
// methods, subscribes to the session's events when one starts, and sends its part of the state to each view. The
// connection controller calls these hooks and knows nothing else about the bridge (docs/platform.md).
import type { PortMessage, RequestMap, RequestMethod } from '../../shared/contract';
import type { Rect } from '../../shared/rect';
import type { ConnectionConfig } from '../spice/connect/config';
import type { Logger } from '../spice/logger';
import type { SessionEventMap, SessionEventName } from '../spice/session-events';
import type { SessionFeature } from '../spice/session-feature';
import type { SettingsReader } from './settings/settings-source';
import type { ShellEvents, ShellInput } from './shell-events';
import type { SessionLike } from './session-like';

/** One attached view (a window or browser tab showing one monitor), as the session process sees it. */
export interface ViewPort {
  /** Unique for the life of the service. */
  readonly id: number;
  /** Index of the monitor it shows (0 = first). */
  readonly monitor: number;
  send(message: PortMessage): void;
  /**
   * Sends a damage rectangle whose RGBA rows the caller writes into `fill`'s buffer (exactly width*height*4 bytes):
   * the transport hands out its own outgoing buffer, so pixels are copied once from the surface to the wire.
   */
  sendDamage(rect: Rect, fill: (pixels: Uint8Array) => void): void;
}

export type RequestHandler<M extends RequestMethod> = (payload: RequestMap[M], view: ViewPort) => void;
export type RequestHandlers = { [M in RequestMethod]: RequestHandler<M> };

/** Subscribes to the current session's events; listeners fall silent once that session is replaced or ends. */
export type Subscribe = <K extends SessionEventName>(
  event: K,
  listener: (payload: SessionEventMap[K]) => void,
) => void;

/** What bridges may read and do; the connection controller provides it. */
export interface SessionContext {
  readonly logger: Logger;
  readonly shell: 'electron' | 'web';
  /** The session being connected or connected (undefined when idle, disconnected or failed). */
  readonly session: SessionLike | undefined;
  /** True only once the session is connected. */
  readonly connected: boolean;
  /** The last connection's settings (kept after a disconnect, for reconnect and titles). */
  readonly config: ConnectionConfig | undefined;
  /** A dropped session is being reconnected by itself: views keep their monitors until the new session has some. */
  readonly reconnecting: boolean;
  readonly views: ReadonlySet<ViewPort>;
  broadcast(message: PortMessage): void;
  /** Tells the shell (Electron main, `saffron web`) about things only it can act on. */
  readonly events: ShellEvents;
  /** The user's settings (shared/settings.ts): features read theirs here and may subscribe to changes. */
  readonly settings: SettingsReader;
}

export interface SessionBridge {
  /** For errors ("input", "clipboard"). */
  readonly name: string;
  /** The request methods this bridge answers (each method belongs to exactly one bridge). */
  readonly handlers?: Partial<RequestHandlers>;
  /** A view attached, or asked for everything again (viewReady): send it this bridge's state. */
  viewAttached?(view: ViewPort): void;
  viewDetached?(view: ViewPort): void;
  /**
   * The protocol features this bridge's concern needs in the next session (e.g. the sound channels with the sink
   * and source that talk to the page). Called once per session, just before it is created.
   */
  sessionFeatures?(): SessionFeature[];
  /** A session was created and is connecting: subscribe to what this bridge needs. */
  sessionStarted?(session: SessionLike, on: Subscribe): void;
  /** The session reached 'connected'. */
  sessionConnected?(config: ConnectionConfig): void;
  /** The session is about to be closed (still usable: release held keys, buttons, devices). */
  sessionEnding?(session: SessionLike): void;
  /** The session is gone (forget per-session state, update the views). */
  sessionEnded?(): void;
  /** The shell answered something a bridge asked of it (ShellEvents), e.g. a file chosen in a dialog. */
  shellInput?(input: ShellInput): void;
}
