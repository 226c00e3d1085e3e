// The slice of SpiceSession (main/spice/session.ts) that the app and the web harness use. Declared here so the
// session host can be driven by a fake in tests; the real session satisfies it structurally.
import type { DisplayMonitor } from '../spice/channels/display-monitors';
import type { SessionEventMap, SessionEventName } from '../spice/session-events';

export interface SurfacePixels {
  width: number;
  height: number;
  /** RGBA, stride width*4. */
  pixels: Uint8Array;
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

export interface SessionLike {
  on<K extends SessionEventName>(event: K, listener: (payload: SessionEventMap[K]) => void): unknown;
  connect(): Promise<unknown>;
  close(): unknown;
  getSurface(channelId: number, surfaceId: number): SurfacePixels | undefined;
  /** Every display channel's monitors (the core owns the layout). */
  monitors(): DisplayMonitor[];
  requestMouseMode(mode: number): void;
  readonly inputs: InputsLike;
}
