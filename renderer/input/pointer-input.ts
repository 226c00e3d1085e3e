// Mouse → guest. Client mouse mode: absolute positions in guest pixels (with the monitor's display id added on
// the session side). Server mouse mode: a click grabs the pointer (Pointer Lock) and relative motion is sent,
// scaled to guest pixels at the current zoom; Ctrl+Alt, Shift+F12 or Esc release it. Buttons, vertical wheel
// (as SPICE wheel-button presses), and release of held buttons when focus is lost.
import type { RequestMap, RequestMethod } from '../../shared/contract';
import { spiceButtonFromDom, spiceButtonMaskBit, WheelAccumulator } from '../../shared/mouse-buttons';
import {
  SPICE_MOUSE_BUTTON_DOWN,
  SPICE_MOUSE_BUTTON_EXTRA,
  SPICE_MOUSE_BUTTON_LEFT,
  SPICE_MOUSE_BUTTON_UP,
  SPICE_MOUSE_MODE_CLIENT,
} from '../../shared/spice-enums';
import type { ViewGeometry } from '../../shared/zoom';
import { cssToGuest } from '../../shared/zoom';

export interface PointerInputDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  isActive(): boolean;
  mouseMode(): number;
  geometry(): ViewGeometry;
  guestSize(): { width: number; height: number };
  devicePixelRatio(): number;
  onGrabChange(grabbed: boolean): void;
  /** Host pointer position in guest pixels (client mode), for the cursor overlay. */
  onPointerPosition(x: number, y: number): void;
  /** First interaction after focus: lets the keyboard sync lock keys. */
  onInteraction(e: MouseEvent): void;
}

export class PointerInput {
  private buttons = 0;
  private readonly wheel = new WheelAccumulator();
  private remainderX = 0;
  private remainderY = 0;
  private readonly disposers: (() => void)[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly deps: PointerInputDeps,
  ) {}

  get grabbed(): boolean {
    return document.pointerLockElement === this.canvas;
  }

  private get clientMode(): boolean {
    return this.deps.mouseMode() === SPICE_MOUSE_MODE_CLIENT;
  }

  attach(): void {
    const on = <K extends keyof HTMLElementEventMap>(
      type: K,
      listener: (e: HTMLElementEventMap[K]) => void,
      options?: AddEventListenerOptions,
    ) => {
      this.canvas.addEventListener(type, listener, options);
      this.disposers.push(() => this.canvas.removeEventListener(type, listener, options));
    };
    on('pointermove', (e) => this.onMove(e));
    on('pointerdown', (e) => this.onButton(e, true));
    on('pointerup', (e) => this.onButton(e, false));
    on('wheel', (e) => this.onWheel(e), { passive: false });
    on('contextmenu', (e) => e.preventDefault());
    const onLockChange = () => {
      this.remainderX = this.remainderY = 0;
      if (!this.grabbed) this.releaseButtons();
      this.deps.onGrabChange(this.grabbed);
    };
    document.addEventListener('pointerlockchange', onLockChange);
    this.disposers.push(() => document.removeEventListener('pointerlockchange', onLockChange));
    const onBlur = () => this.releaseButtons();
    window.addEventListener('blur', onBlur);
    this.disposers.push(() => window.removeEventListener('blur', onBlur));
  }

  detach(): void {
    this.ungrab();
    this.releaseButtons();
    for (const d of this.disposers.splice(0)) d();
  }

  grab(): void {
    if (this.grabbed || this.clientMode) return;
    const canvas = this.canvas as HTMLCanvasElement & {
      requestPointerLock(options?: { unadjustedMovement?: boolean }): Promise<void> | void;
    };
    try {
      const result = canvas.requestPointerLock({ unadjustedMovement: true });
      if (result instanceof Promise)
        result.catch(() => void Promise.resolve(canvas.requestPointerLock()).catch(() => {}));
    } catch {
      void Promise.resolve(canvas.requestPointerLock()).catch(() => {});
    }
  }

  ungrab(): void {
    if (this.grabbed) document.exitPointerLock();
  }

  private guestPoint(e: MouseEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return cssToGuest(
      e.clientX - rect.left,
      e.clientY - rect.top,
      this.deps.geometry(),
      this.deps.guestSize(),
    );
  }

  private onMove(e: PointerEvent): void {
    if (!this.deps.isActive()) return;
    if (this.clientMode) {
      const p = this.guestPoint(e);
      this.deps.onPointerPosition(p.x, p.y);
      this.deps.request('mousePosition', { x: p.x, y: p.y, buttons: this.buttons });
      return;
    }
    if (!this.grabbed) return;
    // CSS pixels → guest pixels at the current zoom; keep fractions so slow motion is not lost.
    const factor = this.deps.devicePixelRatio() / Math.max(this.deps.geometry().scale, 1e-3);
    const fx = e.movementX * factor + this.remainderX;
    const fy = e.movementY * factor + this.remainderY;
    const dx = Math.trunc(fx);
    const dy = Math.trunc(fy);
    this.remainderX = fx - dx;
    this.remainderY = fy - dy;
    if (dx !== 0 || dy !== 0) this.deps.request('mouseMotion', { dx, dy, buttons: this.buttons });
  }

  private onButton(e: PointerEvent, down: boolean): void {
    if (!this.deps.isActive()) return;
    e.preventDefault();
    this.canvas.focus?.();
    this.deps.onInteraction(e);
    if (!this.clientMode && !this.grabbed) {
      if (down) this.grab();
      return;
    }
    const button = spiceButtonFromDom(e.button);
    if (button === undefined) return;
    const bit = spiceButtonMaskBit(button);
    if (down === ((this.buttons & bit) !== 0)) return;
    if (this.clientMode) {
      if (down) this.canvas.setPointerCapture(e.pointerId);
      const p = this.guestPoint(e);
      this.deps.request('mousePosition', { x: p.x, y: p.y, buttons: this.buttons });
    }
    this.buttons = down ? this.buttons | bit : this.buttons & ~bit;
    this.deps.request('mouseButton', { button, down, buttons: this.buttons });
  }

  private onWheel(e: WheelEvent): void {
    if (!this.deps.isActive()) return;
    e.preventDefault();
    if (!this.clientMode && !this.grabbed) return;
    // SPICE has wheel up/down buttons only; horizontal scrolling cannot be expressed in the protocol.
    const notches = this.wheel.add(e.deltaY, e.deltaMode);
    const button = notches < 0 ? SPICE_MOUSE_BUTTON_UP : SPICE_MOUSE_BUTTON_DOWN;
    for (let i = 0; i < Math.abs(notches); i++) {
      const bit = spiceButtonMaskBit(button);
      this.deps.request('mouseButton', { button, down: true, buttons: this.buttons | bit });
      this.deps.request('mouseButton', { button, down: false, buttons: this.buttons });
    }
  }

  /** Releases every held button in the guest. */
  releaseButtons(): void {
    for (let button = SPICE_MOUSE_BUTTON_LEFT; button <= SPICE_MOUSE_BUTTON_EXTRA; button++) {
      const bit = spiceButtonMaskBit(button);
      if ((this.buttons & bit) === 0) continue;
      this.buttons &= ~bit;
      this.deps.request('mouseButton', { button, down: false, buttons: this.buttons });
    }
    this.wheel.reset();
  }
}
