// The input bridge: keys (held per view, so none stays stuck when a view goes away or the session ends), lock-key
// sync, pointer in both mouse modes (absolute positions clamped to the view's monitor, with its display id), mouse
// mode requests, "Send key" combinations, and the mouse mode and guest lock keys every view shows. The state itself
// (mouse mode, guest modifiers) is the core's; this bridge reads it when it changes.
import type { SendKeyCombo } from '../../../shared/contract';
import { HeldKeys, sendKeyStrokes } from '../../../shared/keyboard-map';
import type { KeyStroke } from '../../../shared/keyboard-map';
import { SPICE_MOUSE_MODE_SERVER } from '../../../shared/spice-enums';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import type { SessionLike } from '../session-like';
import { monitorOfView } from './views-bridge';

type InputMethods =
  | 'key'
  | 'keyModifiers'
  | 'releaseKeys'
  | 'mouseMotion'
  | 'mousePosition'
  | 'mouseButton'
  | 'requestMouseMode'
  | 'sendKeys';

export class InputBridge implements SessionBridge {
  readonly name = 'input';
  private readonly held = new Map<ViewPort, HeldKeys>();

  constructor(private readonly ctx: SessionContext) {}

  /** The connected session, or undefined (input while connecting or idle is dropped). */
  private get live(): SessionLike | undefined {
    return this.ctx.connected ? this.ctx.session : undefined;
  }

  readonly handlers: Pick<RequestHandlers, InputMethods> = {
    key: (stroke, view) => this.stroke(view, stroke),
    keyModifiers: (r) => {
      const session = this.live;
      if (session && r.modifiers !== session.guestModifiers) session.inputs.setModifiers(r.modifiers);
    },
    releaseKeys: (_r, view) => this.releaseKeys(view),
    mouseMotion: (r) => this.live?.inputs.mouseMotion(r.dx, r.dy, r.buttons),
    mousePosition: (r, view) => {
      const session = this.live;
      const monitor = monitorOfView(this.ctx, view);
      if (!session || !monitor) return;
      const x = Math.min(r.x, monitor.area.right - monitor.area.left - 1);
      const y = Math.min(r.y, monitor.area.bottom - monitor.area.top - 1);
      session.inputs.mousePosition(x, y, r.buttons, monitor.displayId);
    },
    mouseButton: (r) => {
      const session = this.live;
      if (!session) return;
      if (r.down) session.inputs.mousePress(r.button, r.buttons);
      else session.inputs.mouseRelease(r.button, r.buttons);
    },
    requestMouseMode: (r) => {
      const session = this.live;
      if (session && session.mouseMode.supported & r.mode) session.requestMouseMode(r.mode);
    },
    sendKeys: (r) => this.sendKeys(r.combo),
  };

  /** Sends a "Send key" combination (press in order, release in reverse). */
  sendKeys(combo: SendKeyCombo): void {
    const session = this.live;
    if (!session) return;
    for (const stroke of sendKeyStrokes(combo)) {
      if (stroke.down) session.inputs.keyDown(stroke.scancode);
      else session.inputs.keyUp(stroke.scancode);
    }
  }

  viewAttached(view: ViewPort): void {
    if (!this.held.has(view)) this.held.set(view, new HeldKeys());
    const mode = this.ctx.session?.mouseMode ?? {
      current: SPICE_MOUSE_MODE_SERVER,
      supported: SPICE_MOUSE_MODE_SERVER,
    };
    view.send({ kind: 'mouse-mode', mode: mode.current, supported: mode.supported });
    const modifiers = this.ctx.session?.guestModifiers;
    if (modifiers !== undefined) view.send({ kind: 'modifiers', modifiers });
  }

  viewDetached(view: ViewPort): void {
    this.releaseKeys(view);
    this.held.delete(view);
  }

  sessionStarted(session: SessionLike, on: Subscribe): void {
    const sendMode = (): void => {
      const { current, supported } = session.mouseMode;
      this.ctx.broadcast({ kind: 'mouse-mode', mode: current, supported });
    };
    on('ready', sendMode);
    on('mouse-mode', sendMode);
    on('keyboard-modifiers', ({ modifiers }) => this.ctx.broadcast({ kind: 'modifiers', modifiers }));
  }

  /** The session is closing: release in the guest every key a view still holds. */
  sessionEnding(): void {
    for (const view of this.held.keys()) this.releaseKeys(view);
  }

  sessionEnded(): void {
    for (const keys of this.held.values()) keys.releaseAll();
  }

  private stroke(view: ViewPort, stroke: KeyStroke): void {
    const session = this.live;
    const keys = this.held.get(view);
    if (!session || !keys || !keys.update(stroke)) return;
    if (stroke.down) session.inputs.keyDown(stroke.scancode);
    else session.inputs.keyUp(stroke.scancode);
  }

  private releaseKeys(view: ViewPort): void {
    const strokes = this.held.get(view)?.releaseAll() ?? [];
    const session = this.live;
    if (!session) return;
    for (const s of strokes) session.inputs.keyUp(s.scancode);
  }
}
