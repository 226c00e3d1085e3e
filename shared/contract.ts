// THE contract between a view (renderer page) and the session process, as both shells carry it: the per-view half
// (view-contract.ts) and the per-session half (session-contract.ts) on one port per view — an Electron
// MessagePort (structured clones) or a WebSocket (port-codec.ts: JSON text, binary pixel frames). Requests go
// view → session as {method, payload}; messages go session → view, discriminated by `kind`. Everything inbound is
// checked by contract-guards.ts on arrival. Plain data only: no DOM, no Node, no Electron.
import type { SessionMessage, SessionRequestMap } from './session-contract';
import { SESSION_REQUEST_METHODS } from './session-contract';
import type { ViewMessage, ViewRequestMap } from './view-contract';
import { VIEW_REQUEST_METHODS } from './view-contract';

export * from './audio-contract';
export * from './agent-contract';
export * from './session-contract';
export * from './view-contract';

/** Every request a view may send: method → payload. */
export type RequestMap = ViewRequestMap & SessionRequestMap;
export type RequestMethod = keyof RequestMap;

/** The method names (the guards, the session's request table and tests are built from this list). */
export const REQUEST_METHODS = [...VIEW_REQUEST_METHODS, ...SESSION_REQUEST_METHODS] as const;

// Compile-time check that REQUEST_METHODS lists every key of RequestMap.
type MissingMethods = Exclude<RequestMethod, (typeof REQUEST_METHODS)[number]>;
const _allMethodsListed: MissingMethods extends never ? true : false = true;
void _allMethodsListed;

/** One request as it travels on the port. */
export type RequestEnvelope = { [M in RequestMethod]: { method: M; payload: RequestMap[M] } }[RequestMethod];

/** Every message a view receives. */
export type PortMessage = ViewMessage | SessionMessage;
export type PortMessageKind = PortMessage['kind'];

/** Limits shared by guards and producers. */
export const LIMITS = {
  /** Largest guest monitor edge accepted anywhere (pixels). */
  maxSurfaceEdge: 16384,
  /** Largest cursor edge (pixels). */
  maxCursorEdge: 1024,
  /** Largest .vv text accepted from a view. */
  maxVvTextLength: 1 << 20,
  maxHostLength: 255,
  maxPasswordLength: 1024,
  maxUriLength: 8192,
  maxFileNameLength: 1024,
  /** Largest relative motion in one event (pixels). */
  maxMotionDelta: 65535,
  /** Longest notice or status sentence shown. */
  maxMessageLength: 4096,
  /** Most recent connections sent to a view. */
  maxRecentEntries: 64,
  /** Largest encoded video frame carried to a view (bytes). */
  maxVideoFrameBytes: 32 << 20,
  /** Most clip rectangles of one video stream. */
  maxVideoClipRects: 1024,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Electron: how a window's page receives its port (main → preload → page's main world).

/** The IPC channel on which main hands a window's MessagePort to its preload (webContents.postMessage). */
export const VIEW_PORT_CHANNEL = 'saffron:view-port';
/** The window.postMessage data with which the preload hands that port on to the page's main world. */
export const VIEW_PORT_MESSAGE = 'saffron:view-port';
