// The cursor bridge: the guest cursor's shape and position for each view, read from the core's cursor state
// (cursor channel n goes with display channel n) whenever the cursor or the view's monitor changes. Positions are
// made relative to the view's monitor; a cursor outside it is hidden there.
import type { CursorImage } from '../../../shared/contract';
import type { CursorState } from '../../spice/session';
import type { SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import { monitorOfView } from './views-bridge';

/** The contract's image of a shape, or null when there is none (or it is inconsistent). */
export function cursorImage(cursor: CursorState | undefined): CursorImage | null {
  const shape = cursor?.shape;
  if (
    !shape ||
    shape.width <= 0 ||
    shape.height <= 0 ||
    shape.pixels.byteLength !== shape.width * shape.height * 4
  )
    return null;
  return {
    width: shape.width,
    height: shape.height,
    hotX: Math.min(shape.hotX, shape.width - 1),
    hotY: Math.min(shape.hotY, shape.height - 1),
    // Its own buffer: a structured clone of a view copies the whole buffer underneath.
    pixels:
      shape.pixels.byteOffset === 0 && shape.pixels.byteLength === shape.pixels.buffer.byteLength
        ? shape.pixels
        : shape.pixels.slice(),
  };
}

export class CursorBridge implements SessionBridge {
  readonly name = 'cursor';

  constructor(private readonly ctx: SessionContext) {}

  viewAttached(view: ViewPort): void {
    if (!monitorOfView(this.ctx, view)) return;
    this.sendShape(view);
    this.sendState(view);
  }

  sessionStarted(_session: unknown, on: Subscribe): void {
    const all = (shape: boolean) => () => {
      for (const view of this.ctx.views) {
        if (shape) this.sendShape(view);
        this.sendState(view);
      }
    };
    on('cursor-set', all(true));
    on('cursor-reset', all(true));
    on('cursor-move', all(false));
    on('cursor-hide', all(false));
  }

  private cursorOf(view: ViewPort): CursorState | undefined {
    return this.ctx.session?.cursor(monitorOfView(this.ctx, view)?.channelId ?? 0);
  }

  private sendShape(view: ViewPort): void {
    view.send({ kind: 'cursor-shape', cursor: cursorImage(this.cursorOf(view)) });
  }

  private sendState(view: ViewPort): void {
    const monitor = monitorOfView(this.ctx, view);
    const cursor = this.cursorOf(view);
    if (!monitor || !cursor) {
      view.send({ kind: 'cursor-state', x: 0, y: 0, visible: cursor?.visible ?? true });
      return;
    }
    const { left, top, right, bottom } = monitor.area;
    const x = cursor.x - left;
    const y = cursor.y - top;
    const inside = x >= 0 && y >= 0 && x < right - left && y < bottom - top;
    view.send({ kind: 'cursor-state', x, y, visible: cursor.visible && inside });
  }
}
