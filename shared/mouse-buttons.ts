// DOM mouse buttons ⇄ SPICE buttons. DOM `button`: 0 left, 1 middle, 2 right, 3 back, 4 forward; DOM `buttons`
// mask: 1 left, 2 right, 4 middle, 8 back, 16 forward. SPICE (SPICE_MOUSE_BUTTON_* of shared/spice-enums.ts):
// 1 left, 2 middle, 3 right, 4 wheel up, 5 wheel down, 6 side, 7 extra, with one SPICE_MOUSE_BUTTON_MASK_* bit
// each. The protocol has no horizontal-wheel buttons.
import {
  SPICE_MOUSE_BUTTON_DOWN,
  SPICE_MOUSE_BUTTON_EXTRA,
  SPICE_MOUSE_BUTTON_LEFT,
  SPICE_MOUSE_BUTTON_MASK_DOWN,
  SPICE_MOUSE_BUTTON_MASK_EXTRA,
  SPICE_MOUSE_BUTTON_MASK_LEFT,
  SPICE_MOUSE_BUTTON_MASK_MIDDLE,
  SPICE_MOUSE_BUTTON_MASK_RIGHT,
  SPICE_MOUSE_BUTTON_MASK_SIDE,
  SPICE_MOUSE_BUTTON_MASK_UP,
  SPICE_MOUSE_BUTTON_MIDDLE,
  SPICE_MOUSE_BUTTON_RIGHT,
  SPICE_MOUSE_BUTTON_SIDE,
  SPICE_MOUSE_BUTTON_UP,
} from './spice-enums';

const DOM_BUTTON_TO_SPICE: readonly number[] = [
  SPICE_MOUSE_BUTTON_LEFT,
  SPICE_MOUSE_BUTTON_MIDDLE,
  SPICE_MOUSE_BUTTON_RIGHT,
  SPICE_MOUSE_BUTTON_SIDE,
  SPICE_MOUSE_BUTTON_EXTRA,
];

const MASK_BIT: Readonly<Record<number, number>> = {
  [SPICE_MOUSE_BUTTON_LEFT]: SPICE_MOUSE_BUTTON_MASK_LEFT,
  [SPICE_MOUSE_BUTTON_MIDDLE]: SPICE_MOUSE_BUTTON_MASK_MIDDLE,
  [SPICE_MOUSE_BUTTON_RIGHT]: SPICE_MOUSE_BUTTON_MASK_RIGHT,
  [SPICE_MOUSE_BUTTON_UP]: SPICE_MOUSE_BUTTON_MASK_UP,
  [SPICE_MOUSE_BUTTON_DOWN]: SPICE_MOUSE_BUTTON_MASK_DOWN,
  [SPICE_MOUSE_BUTTON_SIDE]: SPICE_MOUSE_BUTTON_MASK_SIDE,
  [SPICE_MOUSE_BUTTON_EXTRA]: SPICE_MOUSE_BUTTON_MASK_EXTRA,
};

/** SPICE button for a DOM MouseEvent.button, or undefined for buttons SPICE cannot express. */
export function spiceButtonFromDom(button: number): number | undefined {
  return DOM_BUTTON_TO_SPICE[button];
}

/** SPICE_MOUSE_BUTTON_MASK_* for a SPICE button (SPICE_MOUSE_BUTTON_LEFT..EXTRA), 0 for anything else. */
export function spiceButtonMaskBit(spiceButton: number): number {
  return MASK_BIT[spiceButton] ?? 0;
}

/** SPICE button mask from a DOM MouseEvent.buttons mask. */
export function spiceButtonsFromDom(buttons: number): number {
  let mask = 0;
  if (buttons & 1) mask |= SPICE_MOUSE_BUTTON_MASK_LEFT;
  if (buttons & 2) mask |= SPICE_MOUSE_BUTTON_MASK_RIGHT;
  if (buttons & 4) mask |= SPICE_MOUSE_BUTTON_MASK_MIDDLE;
  if (buttons & 8) mask |= SPICE_MOUSE_BUTTON_MASK_SIDE;
  if (buttons & 16) mask |= SPICE_MOUSE_BUTTON_MASK_EXTRA;
  return mask;
}

/** Accumulates wheel deltas into whole notches (press+release of UP/DOWN). */
export class WheelAccumulator {
  private pendingPx = 0;
  /** `notchPx`: delta of one notch in pixels (Chromium reports 100 px per notch at zoom 1 on Linux). */
  constructor(private readonly notchPx = 100) {}

  /**
   * Adds a WheelEvent delta (deltaMode 0 pixel, 1 line, 2 page) and returns the notches to send:
   * negative = up, positive = down.
   */
  add(deltaY: number, deltaMode: number): number {
    const px =
      deltaMode === 1 ? deltaY * (this.notchPx / 3) : deltaMode === 2 ? deltaY * this.notchPx * 3 : deltaY;
    if (!Number.isFinite(px)) return 0;
    this.pendingPx += px;
    const notches = Math.trunc(this.pendingPx / this.notchPx);
    this.pendingPx -= notches * this.notchPx;
    // Bound a single burst so a runaway delta cannot flood the channel.
    return Math.max(-10, Math.min(10, notches));
  }

  reset(): void {
    this.pendingPx = 0;
  }
}
