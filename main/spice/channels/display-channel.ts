// The display channel: sends DISPLAY_INIT right after the link (the server waits for it, G18), decodes every
// SPICE_MSG_DISPLAY_* message and applies it to this channel's surfaces (surfaces/display-surfaces.ts), then
// reports surface lifecycle, damage and marks as session events. It owns its monitors (display-monitors.ts: the
// MONITORS_CONFIG heads on the primary surface, as spice-gtk does) and its video streams, which it hands to the
// first VideoBackend (video/video-decoder.ts) that plays their codec. The image cache and GLZ window are shared by
// all display channels of the session (DisplayShared, created by displayFeature()). Anything we cannot show is
// reported once through `unsupported` with the exact reason.

import { ProtocolError, SpiceError } from '../errors';
import * as E from '../protocol/enums';
import {
  SPICE_DISPLAY_CAP_A8_SURFACE,
  SPICE_DISPLAY_CAP_COMPOSITE,
  SPICE_DISPLAY_CAP_LZ4_COMPRESSION,
  SPICE_DISPLAY_CAP_MONITORS_CONFIG,
  SPICE_DISPLAY_CAP_PREF_COMPRESSION,
  SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE,
  SPICE_DISPLAY_CAP_SIZED_STREAM,
} from '../protocol/protocol';
import { createMultimediaClock, type MultimediaClock } from '../multimedia-clock';
import * as D from '../codecs/display';
import * as DD from '../codecs/display-draw';
import { imageSource } from '../surfaces/canvas';
import type { DisplayShared } from '../surfaces/display-shared';
import { DisplaySurfaces } from '../surfaces/display-surfaces';
import type { Surface } from '../surfaces/surface';
import type { MonitorConfig, SurfaceProvider } from '../surfaces/types';
import { mjpegCoreBackend } from '../video/mjpeg-core';
import type { VideoBackend } from '../video/video-decoder';
import { advertisedCodecs, preferredOrder, videoCaps, type VideoPreference } from '../video/video-caps';
import { VideoStreams } from '../video/video-streams';
import { SpiceWriter } from '../wire/writer';
import type { SpiceReader } from '../wire/reader';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';
import { monitorLayout, sameMonitor, type DisplayMonitor } from './display-monitors';

/** How long INVAL_ALL_PIXMAPS waits for the other channels it names before clearing anyway. */
const INVAL_WAIT_TIMEOUT_MS = 5000;

export interface DisplayChannelOptions {
  /** SPICE_IMAGE_COMPRESSION_* to ask for with PREFERRED_COMPRESSION (advertises PREF_COMPRESSION). */
  preferredCompression?: number;
  /** Video backends in order of preference (default: `viewVideo` if given, then MJPEG decoded in the core). */
  video?: readonly VideoBackend[];
  /** A backend tried before the core's MJPEG one (the views' WebCodecs decoders: forward-backend.ts). */
  viewVideo?: VideoBackend;
  /** Which video codecs may be used and which are preferred (`--video-codecs`, the preference setting). */
  videoPreference?: VideoPreference;
}

export class DisplayChannel extends SpiceChannel<E.SpiceMsgDisplay> implements SurfaceProvider {
  readonly shared: DisplayShared;
  readonly surfaces: DisplaySurfaces;
  private readonly options: DisplayChannelOptions;
  private readonly videoStreams: VideoStreams;
  private unsubscribePreference: (() => void) | undefined;
  /** The video codecs advertised in the link (the preferred order is kept to them). */
  private advertisedVideoCodecs: number[] = [];
  /** The heads of the last MONITORS_CONFIG (before clipping to the primary surface). */
  private heads: MonitorConfig[] = [];
  private monitorList: DisplayMonitor[] = [];
  /** True between MARK and the next RESET / primary destroy. */
  marked = false;

  constructor(
    ctx: ChannelContext,
    shared: DisplayShared,
    options: DisplayChannelOptions = {},
    clock: MultimediaClock = createMultimediaClock(),
  ) {
    super(ctx);
    this.shared = shared;
    this.options = options;
    this.videoStreams = new VideoStreams(
      {
        channelId: this.id,
        logger: ctx.logger,
        clock,
        hasSurface: (surfaceId) => this.surfaces.get(surfaceId) !== undefined,
        drawFrame: async (stream, frame, dest) => {
          if (!this.surfaces.get(stream.surfaceId)) return;
          await this.surfaces.drawFrame(stream.surfaceId, imageSource(frame), dest, stream.clip);
        },
        reserveFrame: (stream, width, height) => {
          const surface = this.surfaces.get(stream.surfaceId);
          if (!surface)
            throw new ProtocolError(`stream ${stream.id}: surface ${stream.surfaceId} does not exist`);
          if (width * height > surface.width * surface.height)
            throw new ProtocolError(
              `a ${width}x${height} frame is larger than its ${surface.width}x${surface.height} surface`,
            );
          return this.ctx.host.memory.reserve(width * height * 4, `stream ${stream.id}'s video frame`);
        },
        emit: (name, payload) => this.ctx.emit(name, payload),
        sendReport: (report) => {
          if (this.isReady)
            this.send(
              E.SPICE_MSGC_DISPLAY_STREAM_REPORT,
              D.encodeSpiceMsgcDisplayStreamReport(new SpiceWriter(32), report),
            );
        },
        unsupported: (what) => this.unsupported(what),
      },
      options.video ?? [...(options.viewVideo ? [options.viewVideo] : []), mjpegCoreBackend(shared.decoders)],
    );
    this.surfaces = new DisplaySurfaces({
      imageCache: shared.imageCache,
      decoders: shared.decoders,
      surfaceBudget: shared.surfaceBudget,
      memory: ctx.host.memory,
      work: this.work,
      logger: ctx.logger,
      events: {
        surfaceCreated: (s) => {
          this.ctx.emit('surface-create', { ...s.info, channelId: this.id });
          if (s.primary) this.updateMonitors();
        },
        surfaceDestroyed: (surfaceId) => {
          this.ctx.emit('surface-destroy', { channelId: this.id, surfaceId });
          this.updateMonitors();
        },
        damage: (surfaceId, rect) => this.ctx.emit('damage', { channelId: this.id, surfaceId, rect }),
      },
    });
  }

  getSurface(surfaceId: number): Surface | undefined {
    return this.surfaces.get(surfaceId);
  }

  /** This channel's monitors: what the shells show as views (see display-monitors.ts). */
  get monitors(): readonly DisplayMonitor[] {
    return this.monitorList;
  }

  private updateMonitors(): void {
    const p = this.surfaces.primary;
    const next = monitorLayout(
      this.id,
      p ? { surfaceId: p.id, width: p.width, height: p.height } : undefined,
      this.heads,
    );
    const same =
      next.length === this.monitorList.length && next.every((m, i) => sameMonitor(m, this.monitorList[i]!));
    if (same) return;
    this.monitorList = next;
    this.ctx.emit('monitors', { channelId: this.id, monitors: next });
  }

  protected override channelCaps(): number[] {
    const caps = [
      SPICE_DISPLAY_CAP_SIZED_STREAM,
      SPICE_DISPLAY_CAP_MONITORS_CONFIG,
      SPICE_DISPLAY_CAP_COMPOSITE,
      SPICE_DISPLAY_CAP_A8_SURFACE,
    ];
    if (this.shared.decoders[E.SPICE_IMAGE_TYPE_LZ4]) caps.push(SPICE_DISPLAY_CAP_LZ4_COMPRESSION);
    if (this.options.preferredCompression !== undefined) caps.push(SPICE_DISPLAY_CAP_PREF_COMPRESSION);
    const playable = this.videoStreams.playableCodecs();
    this.advertisedVideoCodecs = advertisedCodecs(playable, this.options.videoPreference);
    caps.push(...videoCaps(playable, this.options.videoPreference));
    return caps;
  }

  /** The video caps depend on what the views decode: wait until the backends know, then link. */
  override async open(): Promise<void> {
    await this.videoStreams.ready();
    return super.open();
  }

  /** Sends the preferred video codec order (PREFERRED_VIDEO_CODEC_TYPE) if the server takes one. */
  private sendVideoPreference(): void {
    const order = preferredOrder(this.advertisedVideoCodecs, this.options.videoPreference);
    if (order.length === 0 || !this.isReady) return;
    if (!this.hasServerCap(SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE)) {
      this.log.info('the server takes no preferred video codec (PREF_VIDEO_CODEC_TYPE); not sent');
      return;
    }
    this.send(
      E.SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE,
      D.encodeSpiceMsgcDisplayPreferredVideoCodecType(new SpiceWriter(1 + order.length), order),
    );
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
    this.sendVideoPreference();
    this.unsubscribePreference = this.options.videoPreference?.onChange(() => this.sendVideoPreference());
  }

  protected override onClose(): void {
    this.unsubscribePreference?.();
    this.unsubscribePreference = undefined;
    this.videoStreams.destroy(() => true);
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
    [E.SPICE_MSG_DISPLAY_STREAM_CREATE]: (r) =>
      this.videoStreams.create(D.decodeSpiceMsgDisplayStreamCreate(r)),
    [E.SPICE_MSG_DISPLAY_STREAM_DATA]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamData(r);
      return this.videoStreams.frame(msg.base.id, msg.data, msg.base.multi_media_time, null);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DATA_SIZED]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamDataSized(r);
      return this.videoStreams.frame(msg.base.id, msg.data, msg.base.multi_media_time, msg);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_CLIP]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamClip(r);
      this.videoStreams.clip(msg.id, msg.clip);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DESTROY]: (r) => {
      const id = D.decodeSpiceMsgDisplayStreamDestroy(r).id;
      this.videoStreams.destroy((s) => s.id === id);
    },
    [E.SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL]: () => this.videoStreams.destroy(() => true),
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
      this.videoStreams.destroy((s) => s.surfaceId === surface_id);
      this.surfaces.destroy(surface_id);
    },
    [E.SPICE_MSG_DISPLAY_MONITORS_CONFIG]: (r) => {
      const msg = D.decodeSpiceMsgDisplayMonitorsConfig(r);
      this.heads = msg.heads.map((h) => ({
        id: h.monitor_id,
        surfaceId: h.surface_id,
        x: h.x,
        y: h.y,
        width: h.width,
        height: h.height,
      }));
      this.updateMonitors();
    },
    [E.SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT]: (r) => {
      const msg = D.decodeSpiceMsgDisplayStreamActivateReport(r);
      this.videoStreams.activateReport(msg.stream_id, msg.unique_id, msg.max_window_size, msg.timeout_ms);
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
      this.ctx.emit('damage', { channelId: this.id, surfaceId: primary.id, rect: primary.bounds });
    }
    this.surfaces.paletteCache.clear();
    this.videoStreams.destroy(() => true);
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
}
