// The inputs channel: keyboard scancodes (PC XT set 1), lock-key modifier sync, and mouse in both modes with
// the protocol's motion flow control (the server acks every SPICE_INPUT_MOTION_ACK_BUNCH motions; REFERENCES G16,
// G25, G26). Key codes: 0x01-0xFF plain, 0x100|sc for E0-prefixed keys.
import * as E from '../protocol/enums';
import { SPICE_INPUTS_CAP_KEY_SCANCODE, SPICE_INPUT_MOTION_ACK_BUNCH } from '../protocol/protocol';
import { SpiceWriter } from '../wire/writer';
import { SpiceChannel, type MessageHandler } from './channel';

/** Flag added to a set-1 scancode for keys sent with the E0 prefix (e.g. Right Ctrl = 0x11D). */
export const SCANCODE_EXTENDED = 0x100;
/**
 * Pause/Break. Its real set-1 sequence starts with E1, but QEMU's SPICE keyboard only understands the E0
 * prefix (it would take E1 for a release and leave Ctrl held); QEMU turns E0 46 into the real Pause sequence.
 */
export const SCANCODE_PAUSE = SCANCODE_EXTENDED | 0x46;

/** Motion messages allowed in flight before coalescing (spice-gtk uses twice the ack bunch). */
const MAX_UNACKED_MOTION = SPICE_INPUT_MOTION_ACK_BUNCH * 2;

/** The u32 of KEY_DOWN/KEY_UP: scancode bytes packed low byte first (the server feeds them in that order). */
export function packScancode(code: number, release: boolean): number {
  const sc = (code & 0xff) | (release ? 0x80 : 0);
  return code & SCANCODE_EXTENDED ? (0xe0 | (sc << 8)) >>> 0 : sc;
}

export class InputsChannel extends SpiceChannel<E.SpiceMsgInputs> {
  /** Lock-key state the guest reports (SPICE_KEYBOARD_MODIFIER_FLAGS_*); undefined until INPUTS_INIT. */
  guestModifiers: number | undefined = undefined;
  private unackedMotion = 0;
  private pendingMotion: { dx: number; dy: number; buttons: number } | null = null;
  private pendingPosition: { x: number; y: number; buttons: number; displayId: number } | null = null;

  protected readonly handlers: Record<E.SpiceMsgInputs, MessageHandler> = {
    [E.SPICE_MSG_INPUTS_INIT]: (r) => this.setGuestModifiers(r.u16()),
    [E.SPICE_MSG_INPUTS_KEY_MODIFIERS]: (r) => this.setGuestModifiers(r.u16()),
    [E.SPICE_MSG_INPUTS_MOUSE_MOTION_ACK]: () => {
      this.unackedMotion = Math.max(0, this.unackedMotion - SPICE_INPUT_MOTION_ACK_BUNCH);
      this.flushMotion();
    },
  };

  /** The server accepts raw KEY_SCANCODE byte sequences. */
  get hasScancodeMessage(): boolean {
    return this.hasServerCap(SPICE_INPUTS_CAP_KEY_SCANCODE);
  }

  private setGuestModifiers(modifiers: number): void {
    this.guestModifiers = modifiers;
    this.ctx.emit('keyboard-modifiers', { modifiers });
  }

  keyDown(code: number): void {
    this.send(E.SPICE_MSGC_INPUTS_KEY_DOWN, new SpiceWriter(4).u32(packScancode(code, false)));
  }

  keyUp(code: number): void {
    this.send(E.SPICE_MSGC_INPUTS_KEY_UP, new SpiceWriter(4).u32(packScancode(code, true)));
  }

  /** Asks the server to make the guest's lock keys match `modifiers` (it injects lock key presses). */
  setModifiers(modifiers: number): void {
    this.send(
      E.SPICE_MSGC_INPUTS_KEY_MODIFIERS,
      new SpiceWriter(2).u16(modifiers & E.SPICE_KEYBOARD_MODIFIER_FLAGS_MASK),
    );
  }

  /** Relative motion (server mouse mode). Coalesced while too many motions are unacknowledged. */
  mouseMotion(dx: number, dy: number, buttons: number): void {
    const p = this.pendingMotion;
    this.pendingMotion = p ? { dx: p.dx + dx, dy: p.dy + dy, buttons } : { dx, dy, buttons };
    this.flushMotion();
  }

  /** Absolute position (client mouse mode). Only the latest position matters when coalescing. */
  mousePosition(x: number, y: number, buttons: number, displayId: number): void {
    this.pendingPosition = {
      x: Math.max(0, Math.round(x)),
      y: Math.max(0, Math.round(y)),
      buttons,
      displayId,
    };
    this.flushMotion();
  }

  mousePress(button: number, buttons: number): void {
    this.flushMotion(true);
    this.send(E.SPICE_MSGC_INPUTS_MOUSE_PRESS, new SpiceWriter(3).u8(button).u16(buttons));
  }

  mouseRelease(button: number, buttons: number): void {
    this.flushMotion(true);
    this.send(E.SPICE_MSGC_INPUTS_MOUSE_RELEASE, new SpiceWriter(3).u8(button).u16(buttons));
  }

  /** Sends pending motion if the flow-control window allows (or `force`, before a click, so it lands in place). */
  private flushMotion(force = false): void {
    if (!force && this.unackedMotion >= MAX_UNACKED_MOTION) return;
    const m = this.pendingMotion;
    if (m) {
      this.pendingMotion = null;
      this.unackedMotion++;
      this.send(E.SPICE_MSGC_INPUTS_MOUSE_MOTION, new SpiceWriter(10).i32(m.dx).i32(m.dy).u16(m.buttons));
    }
    const p = this.pendingPosition;
    if (p) {
      this.pendingPosition = null;
      this.unackedMotion++;
      this.send(
        E.SPICE_MSGC_INPUTS_MOUSE_POSITION,
        new SpiceWriter(11).u32(p.x).u32(p.y).u16(p.buttons).u8(p.displayId),
      );
    }
  }
}
