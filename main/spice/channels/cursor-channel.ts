// The cursor channel: shapes (decoded to RGBA), the cursor cache keyed by `unique`, position, visibility.
import { decodeCursorShape, decodeSpiceCursorHeader } from '../cursor/cursor-shape';
import { ProtocolError } from '../errors';
import * as E from '../protocol/enums';
import type { CursorShape } from '../session-events';
import type { SpiceReader } from '../wire/reader';
import { SpiceChannel, type MessageHandler } from './channel';

/** Bound on cached shapes (the server manages the cache; this only limits memory if it misbehaves). */
const MAX_CACHED_CURSORS = 1024;

export class CursorChannel extends SpiceChannel<E.SpiceMsgCursor> {
  private readonly cache = new Map<bigint, CursorShape>();
  shape: CursorShape | null = null;
  x = 0;
  y = 0;
  visible = false;
  /** The server has said something about the cursor (INIT, SET, MOVE, HIDE) since the start or the last RESET. */
  known = false;

  /** SpiceCursor: u16 flags, then (unless NONE) a header and the shape data to the end of the message. */
  private readCursor(r: SpiceReader): CursorShape | null {
    const flags = r.u16();
    if (flags & E.SPICE_CURSOR_FLAGS_NONE) return null;
    const header = decodeSpiceCursorHeader(r);
    if (flags & E.SPICE_CURSOR_FLAGS_FROM_CACHE) {
      const cached = this.cache.get(header.unique);
      if (!cached) throw new ProtocolError(`cursor ${header.unique} is not in the cache`);
      return cached;
    }
    const shape = decodeCursorShape(header, r.rest());
    if (flags & E.SPICE_CURSOR_FLAGS_CACHE_ME) {
      if (this.cache.size >= MAX_CACHED_CURSORS && !this.cache.has(header.unique)) {
        throw new ProtocolError(`the server cached more than ${MAX_CACHED_CURSORS} cursors`);
      }
      this.cache.set(header.unique, shape);
    }
    return shape;
  }

  private emitSet(): void {
    this.ctx.emit('cursor-set', {
      channelId: this.id,
      shape: this.shape,
      x: this.x,
      y: this.y,
      visible: this.visible,
    });
  }

  protected readonly handlers: Record<E.SpiceMsgCursor, MessageHandler> = {
    [E.SPICE_MSG_CURSOR_INIT]: (r) => {
      this.x = r.i16();
      this.y = r.i16();
      r.u16(); // trail length
      r.u16(); // trail frequency
      this.visible = r.u8() !== 0;
      this.cache.clear();
      this.shape = this.readCursor(r);
      this.known = true;
      this.emitSet();
    },
    [E.SPICE_MSG_CURSOR_RESET]: () => {
      this.cache.clear();
      this.shape = null;
      this.visible = false;
      this.known = false;
      this.ctx.emit('cursor-reset', { channelId: this.id });
    },
    [E.SPICE_MSG_CURSOR_SET]: (r) => {
      this.x = r.i16();
      this.y = r.i16();
      this.visible = r.u8() !== 0;
      this.shape = this.readCursor(r);
      this.known = true;
      this.emitSet();
    },
    [E.SPICE_MSG_CURSOR_MOVE]: (r) => {
      this.x = r.i16();
      this.y = r.i16();
      this.visible = true;
      this.known = true;
      this.ctx.emit('cursor-move', { channelId: this.id, x: this.x, y: this.y });
    },
    [E.SPICE_MSG_CURSOR_HIDE]: () => {
      this.visible = false;
      this.known = true;
      this.ctx.emit('cursor-hide', { channelId: this.id });
    },
    [E.SPICE_MSG_CURSOR_TRAIL]: () => {
      // Mouse trails are a Windows guest setting; host cursors do not draw trails.
      this.log.debug('cursor trail ignored');
    },
    [E.SPICE_MSG_CURSOR_INVAL_ONE]: (r) => {
      this.cache.delete(r.u64());
    },
    [E.SPICE_MSG_CURSOR_INVAL_ALL]: () => this.cache.clear(),
  };

  protected override onClose(): void {
    this.cache.clear();
  }
}
