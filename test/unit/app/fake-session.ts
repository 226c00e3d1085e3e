// A scriptable stand-in for SpiceSession (the SessionLike slice): tests emit session events by hand, own the
// surfaces' pixels, and read back every input call the app made. Like the real session it is the source of truth
// for protocol state: emitting a cursor, mouse-mode, lock-key or name event updates what its getters return, and
// its monitors come from the core's own layout function.
import type { SessionLike, SurfacePixels } from '../../../main/session/session-like';
import type { SessionEventMap } from '../../../main/spice/session-events';
import type { CursorState } from '../../../main/spice/session';
import { TypedEmitter } from '../../../main/spice/typed-emitter';
import { monitorLayout, type DisplayMonitor } from '../../../main/spice/channels/display-monitors';
import type { MonitorConfig } from '../../../main/spice/surfaces/types';
import { SPICE_MOUSE_MODE_SERVER } from '../../../shared/spice-enums';

export type InputCall =
  | { op: 'keyDown' | 'keyUp'; code: number }
  | { op: 'setModifiers'; modifiers: number }
  | { op: 'mouseMotion'; dx: number; dy: number; buttons: number }
  | { op: 'mousePosition'; x: number; y: number; buttons: number; displayId: number }
  | { op: 'mousePress' | 'mouseRelease'; button: number; buttons: number };

export class FakeSession extends TypedEmitter<SessionEventMap> implements SessionLike {
  readonly calls: InputCall[] = [];
  readonly surfaces = new Map<string, SurfacePixels>();
  readonly mouseModeRequests: number[] = [];
  connectResult: Promise<void> = Promise.resolve();
  closed = false;
  vmName = '';
  mouseMode = { current: SPICE_MOUSE_MODE_SERVER as number, supported: SPICE_MOUSE_MODE_SERVER as number };
  guestModifiers: number | undefined = undefined;
  private readonly cursors = new Map<number, CursorState>();
  /** Per display channel: its primary surface and MONITORS_CONFIG heads (the layout is the core's own function). */
  private readonly displays = new Map<
    number,
    { primary?: { surfaceId: number; width: number; height: number }; heads: MonitorConfig[] }
  >();

  readonly inputs = {
    keyDown: (code: number) => this.calls.push({ op: 'keyDown', code }),
    keyUp: (code: number) => this.calls.push({ op: 'keyUp', code }),
    setModifiers: (modifiers: number) => this.calls.push({ op: 'setModifiers', modifiers }),
    mouseMotion: (dx: number, dy: number, buttons: number) =>
      this.calls.push({ op: 'mouseMotion', dx, dy, buttons }),
    mousePosition: (x: number, y: number, buttons: number, displayId: number) =>
      this.calls.push({ op: 'mousePosition', x, y, buttons, displayId }),
    mousePress: (button: number, buttons: number) => this.calls.push({ op: 'mousePress', button, buttons }),
    mouseRelease: (button: number, buttons: number) =>
      this.calls.push({ op: 'mouseRelease', button, buttons }),
  };

  /** Records the state an event reports (as the real channels do before emitting), then emits it. */
  override emit<K extends keyof SessionEventMap>(name: K, payload: SessionEventMap[K]): void {
    const p = payload as never;
    switch (name) {
      case 'name':
        this.vmName = (p as SessionEventMap['name']).name;
        break;
      case 'ready': {
        const r = p as SessionEventMap['ready'];
        this.mouseMode = { current: r.currentMouseMode, supported: r.mouseModes };
        break;
      }
      case 'mouse-mode': {
        const m = p as SessionEventMap['mouse-mode'];
        this.mouseMode = { current: m.current, supported: m.supported };
        break;
      }
      case 'keyboard-modifiers':
        this.guestModifiers = (p as SessionEventMap['keyboard-modifiers']).modifiers;
        break;
      case 'cursor-set': {
        const c = p as SessionEventMap['cursor-set'];
        this.cursors.set(c.channelId, { ...c });
        break;
      }
      case 'cursor-move': {
        const c = p as SessionEventMap['cursor-move'];
        const old = this.cursors.get(c.channelId);
        this.cursors.set(c.channelId, {
          channelId: c.channelId,
          shape: old?.shape ?? null,
          x: c.x,
          y: c.y,
          visible: true,
        });
        break;
      }
      case 'cursor-hide': {
        const c = p as SessionEventMap['cursor-hide'];
        const old = this.cursors.get(c.channelId);
        this.cursors.set(c.channelId, {
          channelId: c.channelId,
          shape: old?.shape ?? null,
          x: old?.x ?? 0,
          y: old?.y ?? 0,
          visible: false,
        });
        break;
      }
      case 'cursor-reset':
        this.cursors.delete((p as SessionEventMap['cursor-reset']).channelId);
        break;
      default:
        break; // events that carry no state the session keeps
    }
    super.emit(name, payload);
  }

  connect(): Promise<void> {
    return this.connectResult;
  }

  close(): void {
    this.closed = true;
  }

  getSurface(channelId: number, surfaceId: number): SurfacePixels | undefined {
    return this.surfaces.get(`${channelId}:${surfaceId}`);
  }

  cursor(channelId: number): CursorState | undefined {
    return this.cursors.get(channelId);
  }

  requestMouseMode(mode: number): void {
    this.mouseModeRequests.push(mode);
  }

  monitors(): DisplayMonitor[] {
    return [...this.displays.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([channelId, d]) => monitorLayout(channelId, d.primary, d.heads));
  }

  private display(channelId: number) {
    let d = this.displays.get(channelId);
    if (!d) this.displays.set(channelId, (d = { heads: [] }));
    return d;
  }

  private emitMonitors(channelId: number): void {
    this.emit('monitors', { channelId, monitors: this.monitors().filter((m) => m.channelId === channelId) });
  }

  /** A MONITORS_CONFIG on display `channelId`, as the display channel reports it. */
  setMonitorsConfig(channelId: number, heads: MonitorConfig[]): void {
    this.display(channelId).heads = heads;
    this.emitMonitors(channelId);
  }

  /** Creates a primary surface filled by `fill(x, y) → [r, g, b]`, emits surface-create, monitors and full damage. */
  addPrimary(
    channelId: number,
    surfaceId: number,
    width: number,
    height: number,
    fill: (x: number, y: number) => [number, number, number],
  ): SurfacePixels {
    const pixels = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [r, g, b] = fill(x, y);
        const i = (y * width + x) * 4;
        pixels[i] = r;
        pixels[i + 1] = g;
        pixels[i + 2] = b;
        pixels[i + 3] = 0; // xRGB surfaces carry no alpha: the stream must force 255
      }
    const surface = { width, height, pixels };
    this.surfaces.set(`${channelId}:${surfaceId}`, surface);
    this.emit('surface-create', { channelId, surfaceId, width, height, format: 32, primary: true });
    this.display(channelId).primary = { surfaceId, width, height };
    this.emitMonitors(channelId);
    this.emit('damage', { channelId, surfaceId, rect: { left: 0, top: 0, right: width, bottom: height } });
    return surface;
  }
}
