// The display channel: sends DISPLAY_INIT right after the link (the server waits for it, G18), decodes every
// SPICE_MSG_DISPLAY_* message and applies it to this channel's surfaces (surfaces/display-surfaces.ts), then
// reports surface lifecycle, damage, marks and monitor layouts as session events. The image cache and GLZ
// window are shared by all display channels of the session (DisplayShared). MJPEG video streams are decoded
// and drawn into their surface when a JPEG decoder is available; anything we cannot show is reported once
// through `unsupported` with the exact reason.

import { SpiceError, errorMessage } from '../errors';
import * as E from '../protocol/enums';
import {
  SPICE_DISPLAY_CAP_A8_SURFACE,
  SPICE_DISPLAY_CAP_COMPOSITE,
  SPICE_DISPLAY_CAP_LZ4_COMPRESSION,
  SPICE_DISPLAY_CAP_MONITORS_CONFIG,
  SPICE_DISPLAY_CAP_PREF_COMPRESSION,
  SPICE_DISPLAY_CAP_SIZED_STREAM,
} from '../protocol/protocol';
import type { SpiceSession } from '../session';
import type { SurfaceProvider } from '../surfaces/types';
import * as D from '../codecs/display';
import * as DD from '../codecs/display-draw';
import type { SpiceClip } from '../codecs/display';
import { imageSource } from '../surfaces/canvas';
import {
  createDisplayShared,
  type DisplayShared,
  type DisplaySharedOptions,
} from '../surfaces/display-shared';
import { DisplaySurfaces } from '../surfaces/display-surfaces';
import type { Surface } from '../surfaces/surface';
import type { Rect } from '../surfaces/types';
import { SpiceWriter } from '../wire/writer';
import type { SpiceReader } from '../wire/reader';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';

/** spice-protocol SPICE_MAX_NUM_STREAMS. */
const MAX_STREAMS = 64;
/** How long INVAL_ALL_PIXMAPS waits for the other channels it names before clearing anyway. */
const INVAL_WAIT_TIMEOUT_MS = 5000;

export interface DisplayChannelOptions {
  /** SPICE_IMAGE_COMPRESSION_* to ask for with PREFERRED_COMPRESSION (advertises PREF_COMPRESSION). */
  preferredCompression?: number;
}

interface StreamState {
  id: number;
  surfaceId: number;
  codec: number;
  topDown: boolean;
  dest: Rect;
  clip: SpiceClip;
  playable: boolean;
}

function codecName(codec: number): string {
  return ['?', 'MJPEG', 'VP8', 'H264', 'VP9', 'H265'][codec] ?? `codec ${codec}`;
}

/** Flips RGBA rows in place (bottom-up video frames). */
function flipRows(pixels: Uint8Array, width: number, height: number): void {
  const stride = width * 4;
  const tmp = new Uint8Array(stride);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * stride;
    const b = bottom * stride;
    tmp.set(pixels.subarray(a, a + stride));
    pixels.copyWithin(a, b, b + stride);
    pixels.set(tmp, b);
  }
}

/** Width and height from a JPEG's SOF marker (MJPEG frames carry no size of their own), or null. */
export function jpegDimensions(data: Uint8Array): { width: number; height: number } | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= data.length) {
    if (data[p] !== 0xff) return null;
    const marker = data[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = (data[p + 2]! << 8) | data[p + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (p + 9 > data.length) return null;
      return { height: (data[p + 5]! << 8) | data[p + 6]!, width: (data[p + 7]! << 8) | data[p + 8]! };
    }
    if (len < 2) return null;
    p += 2 + len;
  }
  return null;
}

export class DisplayChannel extends SpiceChannel<E.SpiceMsgDisplay> implements SurfaceProvider {
  readonly shared: DisplayShared;
  readonly surfaces: DisplaySurfaces;
  private readonly options: DisplayChannelOptions;
  private readonly streams = new Map<number, StreamState>();
  /** True between MARK and the next RESET / primary destroy. */
  marked = false;

  constructor(ctx: ChannelContext, shared: DisplayShared, options: DisplayChannelOptions = {}) {
    super(ctx);
    this.shared = shared;
    this.options = options;
    this.surfaces = new DisplaySurfaces({
      imageCache: shared.imageCache,
      decoders: shared.decoders,
      surfaceBudget: shared.surfaceBudget,
      memory: ctx.host.memory,
      work: this.work,
      logger: ctx.logger,
      events: {
        surfaceCreated: (s) => this.ctx.emit('surface-create', { ...s.info, channelId: this.id }),
        surfaceDestroyed: (surfaceId) => this.ctx.emit('surface-destroy', { channelId: this.id, surfaceId }),
        damage: (surfaceId, rect) => this.ctx.emit('damage', { channelId: this.id, surfaceId, rect }),
      },
    });
  }

  getSurface(surfaceId: number): Surface | undefined {
    return this.surfaces.get(surfaceId);
  }

  protected override channelCaps(): number[] {
    const caps = [
      SPICE_DISPLAY_CAP_SIZED_STREAM,
      SPICE_DISPLAY_CAP_MONITORS_CONFIG,
      SPICE_DISPLAY_CAP_COMPOSITE,
      SPICE_DISPLAY_CAP_A8_SURFACE,
    ];
    if (this.shared.decoders.lz4) caps.push(SPICE_DISPLAY_CAP_LZ4_COMPRESSION);
    if (this.options.preferredCompression !== undefined) caps.push(SPICE_DISPLAY_CAP_PREF_COMPRESSION);
    return caps;
  }

  protected override onLinked(): void {
    this.send(
      E.SPICE_MSGC_DISPLAY_INIT,
      D.encodeSpiceMsgcDisplayInit(new SpiceWriter(14), {
        pixmap_cache_id: this.shared.pixmapCacheId,
        pixmap_cache_size: this.shared.pixmapCacheSizePixels,
        glz_dictionary_id: this.shared.glzDictionaryId,
        glz_dictionary_window_size: this.shared.glzWindowPixels,
      }),
    );
    const pref = this.options.preferredCompression;
    if (pref !== undefined && this.hasServerCap(SPICE_DISPLAY_CAP_PREF_COMPRESSION)) {
      this.send(
        E.SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION,
        D.encodeSpiceMsgcDisplayPreferredCompression(new SpiceWriter(1), pref),
      );
    }
  }

  protected override onClose(): void {
    this.streams.clear();
    this.surfaces.destroyAll();
  }

  /** Runs a drawing step; features we cannot render are reported once instead of failing the channel. */
  private async guard(step: Promise<void>): Promise<void> {
    try {
      await step;
    } catch (e) {
      if (e instanceof SpiceError && e.code === 'unsupported') {
        this.unsupported(e.message);
        return;
      }
      throw e;
    }
  }

  private draw<T>(decode: (r: SpiceReader) => T, run: (msg: T) => Promise<void>): MessageHandler {
    return (r) => this.guard(run(decode(r)));
  }

  protected readonly handlers: Record<E.SpiceMsgDisplay, MessageHandler> = {
    [E.SPICE_MSG_DISPLAY_MODE]: (r) => {
      const mode = D.decodeSpiceMsgDisplayMode(r);
      this.log.debug('legacy DISPLAY_MODE (ignored; surfaces come with SURFACE_CREATE)', { ...mode });
    },
    [E.SPICE_MSG_DISPLAY_MARK]: () => {
      this.marked = true;
      this.ctx.emit('mark', { channelId: this.id });
    },
    [E.SPICE_MSG_DISPLAY_RESET]: () => this.onReset(),
    [E.SPICE_MSG_DISPLAY_COPY_BITS]: this.draw(D.decodeSpiceMsgDisplayCopyBits, (m) =>
      this.surfaces.copyBits(m),
    ),
    [E.SPICE_MSG_DISPLAY_INVAL_LIST]: (r) => {
      const { resources } = D.decodeSpiceResourceList(r);
      for (const res of resources) {
        if (res.type === E.SPICE_RES_TYPE_PIXMAP) this.shared.imageCache.remove(res.id);
        else this.log.warn(`INVAL_LIST with resource type ${res.type}`);
      }
    },
    [E.SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS]: (r) =>
      this.onInvalAllPixmaps(D.decodeSpiceMsgWaitForChannels(r)),
    [E.SPICE_MSG_DISPLAY_INVAL_PALETTE]: (r) => {
      this.surfaces.paletteCache.remove(D.decodeSpiceMsgDisplayInvalOne(r).id);
    },
    [E.SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES]: () => this.surfaces.paletteCache.clear(),
    [E.SPICE_MSG_DISPLAY_STREAM_CREATE]: (r) => this.onStreamCreate(D.decodeSpiceMsgDisplayStreamCreate(r)),
    [E.SPICE_MSG_DISPLAY_STREAM_DATA]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamData(r);
      return this.onStreamFrame(msg.base.id, msg.data, null);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DATA_SIZED]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamDataSized(r);
      return this.onStreamFrame(msg.base.id, msg.data, msg.dest);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_CLIP]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamClip(r);
      const s = this.streams.get(msg.id);
      if (!s) this.log.warn(`STREAM_CLIP for unknown stream ${msg.id}`);
      else s.clip = msg.clip;
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DESTROY]: (r) => {
      this.streams.delete(D.decodeSpiceMsgDisplayStreamDestroy(r).id);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL]: () => this.streams.clear(),
    [E.SPICE_MSG_DISPLAY_DRAW_FILL]: this.draw(DD.decodeSpiceMsgDisplayDrawFill, (m) =>
      this.surfaces.drawFill(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_OPAQUE]: this.draw(DD.decodeSpiceMsgDisplayDrawOpaque, (m) =>
      this.surfaces.drawOpaque(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_COPY]: this.draw(DD.decodeSpiceMsgDisplayDrawCopy, (m) =>
      this.surfaces.drawCopy(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_BLEND]: this.draw(DD.decodeSpiceMsgDisplayDrawBlend, (m) =>
      this.surfaces.drawCopy(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_BLACKNESS]: this.draw(DD.decodeSpiceMsgDisplayDrawBlackness, (m) =>
      this.surfaces.drawBlackness(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_WHITENESS]: this.draw(DD.decodeSpiceMsgDisplayDrawWhiteness, (m) =>
      this.surfaces.drawWhiteness(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_INVERS]: this.draw(DD.decodeSpiceMsgDisplayDrawInvers, (m) =>
      this.surfaces.drawInvers(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_ROP3]: this.draw(DD.decodeSpiceMsgDisplayDrawRop3, (m) =>
      this.surfaces.drawRop3(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_STROKE]: this.draw(DD.decodeSpiceMsgDisplayDrawStroke, (m) =>
      this.surfaces.drawStroke(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_TEXT]: this.draw(DD.decodeSpiceMsgDisplayDrawText, (m) =>
      this.surfaces.drawText(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_TRANSPARENT]: this.draw(DD.decodeSpiceMsgDisplayDrawTransparent, (m) =>
      this.surfaces.drawTransparent(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND]: this.draw(DD.decodeSpiceMsgDisplayDrawAlphaBlend, (m) =>
      this.surfaces.drawAlphaBlend(m),
    ),
    [E.SPICE_MSG_DISPLAY_DRAW_COMPOSITE]: this.draw(DD.decodeSpiceMsgDisplayDrawComposite, (m) =>
      this.surfaces.drawComposite(m),
    ),
    [E.SPICE_MSG_DISPLAY_SURFACE_CREATE]: (r) => {
      this.surfaces.create(D.decodeSpiceMsgSurfaceCreate(r));
    },
    [E.SPICE_MSG_DISPLAY_SURFACE_DESTROY]: (r) => {
      const { surface_id } = D.decodeSpiceMsgSurfaceDestroy(r);
      if (this.surfaces.get(surface_id)?.primary) this.marked = false;
      for (const [id, s] of this.streams) if (s.surfaceId === surface_id) this.streams.delete(id);
      this.surfaces.destroy(surface_id);
    },
    [E.SPICE_MSG_DISPLAY_MONITORS_CONFIG]: (r) => {
      const msg = D.decodeSpiceMsgDisplayMonitorsConfig(r);
      this.ctx.emit('monitors', {
        channelId: this.id,
        monitors: msg.heads.map((h) => ({
          id: h.monitor_id,
          surfaceId: h.surface_id,
          x: h.x,
          y: h.y,
          width: h.width,
          height: h.height,
        })),
      });
    },
    [E.SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamActivateReport(r);
      this.unsupported(
        `STREAM_ACTIVATE_REPORT for stream ${msg.stream_id} (STREAM_REPORT was not advertised)`,
      );
    },
    [E.SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX]: () => {
      this.unsupported(
        'GL_SCANOUT_UNIX: GL scanout (dma-buf over a unix socket) is not supported; GL_SCANOUT was not advertised',
      );
    },
    [E.SPICE_MSG_DISPLAY_GL_DRAW]: (r) => {
      const msg = D.decodeSpiceMsgDisplayGlDraw(r);
      this.unsupported(
        `GL_DRAW (${msg.w}x${msg.h}): GL scanout is not supported; GL_SCANOUT was not advertised`,
      );
    },
    [E.SPICE_MSG_DISPLAY_QUALITY_INDICATOR]: (r) => {
      this.log.debug('quality indicator', { bytes: r.remaining });
    },
  };

  private onReset(): void {
    // spice-gtk: clear the primary canvas, drop palettes, forget the mark.
    const primary = this.surfaces.primary;
    if (primary) {
      primary.data32.fill(primary.alphaRule === 'opaque' ? 0xff000000 : 0);
      primary.addDamage(primary.bounds);
      this.ctx.emit('damage', { channelId: this.id, surfaceId: primary.id, rect: primary.bounds });
    }
    this.surfaces.paletteCache.clear();
    this.streams.clear();
    this.marked = false;
  }

  private async onInvalAllPixmaps(msg: D.SpiceMsgWaitForChannels): Promise<void> {
    const waits = msg.wait_list.map((w) => ({
      type: w.channel_type,
      id: w.channel_id,
      serial: Number(w.message_serial),
    }));
    if (!(await this.waitForSerials(waits, INVAL_WAIT_TIMEOUT_MS)))
      this.log.warn('INVAL_ALL_PIXMAPS: waited too long for other channels; clearing anyway');
    this.shared.imageCache.clear();
  }

  private onStreamCreate(msg: D.SpiceMsgDisplayStreamCreate): void {
    if (msg.id >= MAX_STREAMS) throw new SpiceError('protocol', `stream id ${msg.id} out of range`);
    if (!this.surfaces.get(msg.surface_id))
      throw new SpiceError('protocol', `stream ${msg.id} on unknown surface ${msg.surface_id}`);
    const playable = msg.codec_type === E.SPICE_VIDEO_CODEC_TYPE_MJPEG && this.shared.decoders.jpeg !== null;
    if (!playable) {
      this.unsupported(
        msg.codec_type === E.SPICE_VIDEO_CODEC_TYPE_MJPEG
          ? 'video stream (MJPEG): no JPEG decoder in this build; the stream area stays as last drawn'
          : `video stream codec ${codecName(msg.codec_type)} (only MJPEG is supported)`,
      );
    }
    this.streams.set(msg.id, {
      id: msg.id,
      surfaceId: msg.surface_id,
      codec: msg.codec_type,
      topDown: (msg.flags & E.SPICE_STREAM_FLAGS_TOP_DOWN) !== 0,
      dest: msg.dest,
      clip: msg.clip,
      playable,
    });
  }

  private async onStreamFrame(id: number, data: Uint8Array, dest: Rect | null): Promise<void> {
    const s = this.streams.get(id);
    if (!s) {
      this.log.warn(`STREAM_DATA for unknown stream ${id}`);
      return;
    }
    if (dest) s.dest = dest;
    const jpeg = this.shared.decoders.jpeg;
    if (!s.playable || !jpeg) return;
    const surface = this.surfaces.get(s.surfaceId);
    if (!surface) return;
    let frame;
    let release: (() => void) | undefined;
    try {
      const size = jpegDimensions(data);
      if (!size) throw new SpiceError('protocol', 'not a JPEG frame');
      // A frame can only show on its surface: a larger one (a 1.5 MB JPEG may declare 16384x16384) is refused
      // before it is decoded, and the decoded frame is held against the session's memory budget.
      if (size.width * size.height > surface.width * surface.height)
        throw new SpiceError(
          'protocol',
          `a ${size.width}x${size.height} frame is larger than its ${surface.width}x${surface.height} surface`,
        );
      release = this.ctx.host.memory.reserve(size.width * size.height * 4, `stream ${id}'s video frame`);
      frame = await jpeg(data, size.width, size.height);
    } catch (e) {
      release?.();
      // One bad frame must not end the stream (spice-gtk drops it too).
      this.log.warn(`stream ${id}: frame dropped: ${errorMessage(e)}`);
      return;
    }
    try {
      if (!s.topDown) flipRows(frame.pixels, frame.width, frame.height);
      if (!this.surfaces.get(s.surfaceId)) return;
      await this.surfaces.drawFrame(s.surfaceId, imageSource(frame), s.dest, s.clip);
    } finally {
      release();
    }
  }
}

/**
 * Makes `session` open display channels: one DisplayShared (image cache, GLZ window, decoders) for all of
 * them, released when the session ends.
 */
export function installDisplayChannels(
  session: SpiceSession,
  options: DisplaySharedOptions & DisplayChannelOptions = {},
): DisplayShared {
  const shared = createDisplayShared({ memory: session.memory, ...options });
  session.registerChannelFactory(E.SPICE_CHANNEL_DISPLAY, (ctx) => new DisplayChannel(ctx, shared, options));
  session.onDispose(() => shared.close());
  return shared;
}
