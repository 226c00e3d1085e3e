// The display channel over a real socket against the scripted server: DISPLAY_INIT first, surface lifecycle,
// draws with damage, MARK, MONITORS_CONFIG, cache invalidation, and explicit 'unsupported' reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import * as D from '../../../main/spice/codecs/display';
import { displayFeature, type DisplayFeature } from '../../../main/spice/channels/display-feature';
import { jpegDimensions } from '../../../main/spice/video/mjpeg-core';
import { startHarness as startSessionHarness, type Harness } from '../../support/session-harness';
import type { ScriptedConnection } from '../../support/scripted-server';
import * as B from '../../support/display-builders';

/** A session with display channels whose caches are small enough to observe. */
const features = new WeakMap<Harness, DisplayFeature>();
async function startHarness(): Promise<Harness> {
  const feature = displayFeature({ pixmapCacheSizePixels: 1000, glzWindowPixels: 5000 });
  const h = await startSessionHarness({ features: [feature] });
  features.set(h, feature);
  return h;
}

async function openDisplay(
  h: Harness,
): Promise<{ display: ScriptedConnection; shared: DisplayFeature['shared'] }> {
  const shared = features.get(h)!.shared;
  h.main.send(
    E.SPICE_MSG_MAIN_CHANNELS_LIST,
    new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
  );
  const display = await h.server.connection();
  assert.equal(display.channelType, E.SPICE_CHANNEL_DISPLAY);
  return { display, shared };
}

void test('DISPLAY_INIT is the first client message and announces our cache ids and sizes', async () => {
  const h = await startHarness();
  try {
    const { display } = await openDisplay(h);
    const first = await display.next();
    assert.equal(first.type, E.SPICE_MSGC_DISPLAY_INIT);
    assert.equal(first.body.length, 14);
    assert.deepEqual(D.decodeSpiceMsgcDisplayInit(new SpiceReader(first.body)), {
      pixmap_cache_id: 1,
      pixmap_cache_size: 1000,
      glz_dictionary_id: 1,
      glz_dictionary_window_size: 5000,
    });
  } finally {
    await h.close();
  }
});

void test('surfaces, draws, damage, mark and monitors reach the session; caches follow the server', async () => {
  const h = await startHarness();
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ['surface-create', 'surface-destroy', 'damage', 'mark', 'monitors'] as const) {
    h.session.on(name, (p) => events.push({ name, payload: p }));
  }
  try {
    const { display, shared } = await openDisplay(h);
    await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
    display.send(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      B.encodeSurfaceCreate({
        surface_id: 0,
        width: 16,
        height: 8,
        format: E.SPICE_SURFACE_FMT_32_xRGB,
        flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
      }),
    );
    display.send(
      E.SPICE_MSG_DISPLAY_DRAW_FILL,
      B.encodeDrawFill({
        base: B.displayBase(0, B.rect(2, 1, 6, 3)),
        data: {
          brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 0x336699 },
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          mask: B.NO_MASK,
        },
      }),
    );
    const cached = B.bitmapImage(77n, 2, 1, [0xff0000, 0x00ff00], E.SPICE_IMAGE_FLAGS_CACHE_ME);
    display.send(
      E.SPICE_MSG_DISPLAY_DRAW_COPY,
      B.encodeDrawCopy({
        base: B.displayBase(0, B.rect(10, 5, 12, 6)),
        data: {
          src_bitmap: cached,
          src_area: B.rect(0, 0, 2, 1),
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          scale_mode: 1,
          mask: B.NO_MASK,
        },
      }),
    );
    display.send(
      E.SPICE_MSG_DISPLAY_MONITORS_CONFIG,
      B.encodeMonitorsConfig({
        count: 2,
        max_allowed: 4,
        heads: [
          { monitor_id: 0, surface_id: 0, width: 8, height: 8, x: 0, y: 0, flags: 0 },
          { monitor_id: 1, surface_id: 0, width: 8, height: 8, x: 8, y: 0, flags: 0 },
        ],
      }),
    );
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    const surface = h.session.getSurface(0, 0)!;
    assert.equal(surface.width, 16);
    const at = (x: number, y: number): number[] => [
      ...surface.pixels.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4),
    ];
    assert.deepEqual(at(2, 1), [0x33, 0x66, 0x99, 255]);
    assert.deepEqual(at(10, 5), [0xff, 0, 0, 255]);
    assert.deepEqual(at(11, 5), [0, 0xff, 0, 255]);
    assert.deepEqual(at(0, 0), [0, 0, 0, 255]);
    assert.ok(shared.imageCache.has(77n));
    assert.deepEqual(
      events.map((e) => e.name),
      ['surface-create', 'monitors', 'damage', 'damage', 'monitors', 'mark'],
    );
    assert.deepEqual(events[0]!.payload, {
      surfaceId: 0,
      width: 16,
      height: 8,
      format: 32,
      primary: true,
      channelId: 0,
    });
    // The channel owns its monitors: the whole primary surface until MONITORS_CONFIG splits it into heads.
    assert.deepEqual(events[1]!.payload, {
      channelId: 0,
      monitors: [{ channelId: 0, surfaceId: 0, displayId: 0, area: B.rect(0, 0, 16, 8) }],
    });
    assert.deepEqual(events[2]!.payload, { channelId: 0, surfaceId: 0, rect: B.rect(2, 1, 6, 3) });
    assert.deepEqual(events[4]!.payload, {
      channelId: 0,
      monitors: [
        { channelId: 0, surfaceId: 0, displayId: 0, area: B.rect(0, 0, 8, 8) },
        { channelId: 0, surfaceId: 0, displayId: 1, area: B.rect(8, 0, 16, 8) },
      ],
    });
    assert.deepEqual(h.session.monitors(), (events[4]!.payload as { monitors: unknown }).monitors);

    // INVAL_LIST evicts; INVAL_ALL_PIXMAPS (waiting for nobody) clears; SURFACE_DESTROY is reported
    display.send(E.SPICE_MSG_DISPLAY_INVAL_LIST, B.encodeInvalList([77n]));
    display.send(E.SPICE_MSG_DISPLAY_SURFACE_DESTROY, B.encodeSurfaceDestroy(0));
    await h.waitFor('surface-destroy');
    assert.equal(shared.imageCache.has(77n), false);
    assert.equal(h.session.getSurface(0, 0), undefined);
  } finally {
    await h.close();
  }
});

void test('GL scanout, activate-report and undecodable draws are reported as unsupported, not fatal', async () => {
  const h = await startHarness();
  try {
    const { display } = await openDisplay(h);
    await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
    display.send(E.SPICE_MSG_DISPLAY_GL_DRAW, new SpiceWriter().u32(0).u32(0).u32(10).u32(10).finish());
    const gl = await h.waitFor('unsupported', (u) => u.channel.type === E.SPICE_CHANNEL_DISPLAY);
    assert.match(gl.what, /GL_DRAW/);
    display.send(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      B.encodeSurfaceCreate({
        surface_id: 0,
        width: 4,
        height: 4,
        format: E.SPICE_SURFACE_FMT_32_xRGB,
        flags: 1,
      }),
    );
    // composite with a blend-mode operator we do not implement
    display.send(
      E.SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
      B.encodeDrawComposite({
        base: B.displayBase(0, B.rect(0, 0, 1, 1)),
        data: {
          flags: 0x3a,
          src_bitmap: B.bitmapImage(1n, 1, 1, [0]),
          mask_bitmap: null,
          src_transform: null,
          mask_transform: null,
          src_origin: { x: 0, y: 0 },
          mask_origin: { x: 0, y: 0 },
        },
      }),
    );
    const comp = await h.waitFor('unsupported', (u) => /composite operator 58/.test(u.what));
    assert.ok(comp);
    // a VP8 stream is refused explicitly
    display.send(
      E.SPICE_MSG_DISPLAY_STREAM_CREATE,
      B.encodeStreamCreate({
        surface_id: 0,
        id: 1,
        flags: 0,
        codec_type: E.SPICE_VIDEO_CODEC_TYPE_VP8,
        stamp: 0n,
        stream_width: 4,
        stream_height: 4,
        src_width: 4,
        src_height: 4,
        dest: B.rect(0, 0, 4, 4),
        clip: B.NO_CLIP,
      }),
    );
    const vp8 = await h.waitFor('unsupported', (u) => /VP8/.test(u.what));
    assert.match(vp8.what, /only MJPEG/);
    // the channel still works
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    assert.equal(h.events.filter((e) => e.name === 'channel-error').length, 0);
  } finally {
    await h.close();
  }
});

void test('jpegDimensions reads the SOF marker', () => {
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xc0, 0, 11, 8, 0, 30, 0, 40, 3]);
  assert.deepEqual(jpegDimensions(jpeg), { width: 40, height: 30 });
  assert.equal(jpegDimensions(Uint8Array.from([1, 2, 3])), null);
  assert.equal(jpegDimensions(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])), null);
});
