// The display channel's video streams against the scripted server: MJPEG decoded in the core and drawn, stream
// reports after STREAM_ACTIVATE_REPORT, the invalid-stream report for a codec nobody plays or a backend that gives
// up, PREFERRED_VIDEO_CODEC_TYPE when the server takes it, and frames of unknown or failed streams ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import * as D from '../../../main/spice/codecs/display';
import { displayFeature } from '../../../main/spice/channels/display-feature';
import type { DisplayChannelOptions } from '../../../main/spice/channels/display-channel';
import { createVideoPreference } from '../../../main/spice/video/video-caps';
import { INVALID_STREAM_DROPS } from '../../../main/spice/video/stream-report';
import type { VideoBackend, VideoFrame, VideoStream } from '../../../main/spice/video/video-decoder';
import { startHarness, type Harness } from '../../support/session-harness';
import type { ScriptedConnection } from '../../support/scripted-server';
import * as B from '../../support/display-builders';

async function openDisplay(
  options: DisplayChannelOptions,
  serverDisplayCaps: number[] = [],
): Promise<{ h: Harness; display: ScriptedConnection }> {
  const h = await startHarness({
    features: [displayFeature({ decodeInWorkers: false, ...options })],
    channelCaps: (type) => (type === E.SPICE_CHANNEL_DISPLAY ? serverDisplayCaps : []),
  });
  h.main.send(
    E.SPICE_MSG_MAIN_CHANNELS_LIST,
    new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
  );
  const display = await h.server.connection();
  await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
  display.send(
    E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
    B.encodeSurfaceCreate({
      surface_id: 0,
      width: 32,
      height: 32,
      format: E.SPICE_SURFACE_FMT_32_xRGB,
      flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
    }),
  );
  return { h, display };
}

function streamCreate(id: number, codec: number, size = 16): Uint8Array {
  return B.encodeStreamCreate({
    surface_id: 0,
    id,
    flags: E.SPICE_STREAM_FLAGS_TOP_DOWN,
    codec_type: codec,
    stamp: 0n,
    stream_width: size,
    stream_height: size,
    src_width: size,
    src_height: size,
    dest: B.rect(8, 8, 8 + size, 8 + size),
    clip: B.NO_CLIP,
  });
}

function activateReport(streamId: number, uniqueId: number, window: number): Uint8Array {
  return new SpiceWriter(16).u32(streamId).u32(uniqueId).u32(window).u32(60_000).finish();
}

async function nextReport(display: ScriptedConnection): Promise<D.SpiceMsgcDisplayStreamReport> {
  const m = await display.nextOfType(E.SPICE_MSGC_DISPLAY_STREAM_REPORT);
  return D.decodeSpiceMsgcDisplayStreamReport(new SpiceReader(m.body));
}

/** A backend that records what it is given and can be told to give up on a stream. */
function recordingBackend(codecs: number[]): VideoBackend & { frames: VideoFrame[]; failNext: boolean } {
  const backend = {
    name: 'recording',
    codecs,
    frames: [] as VideoFrame[],
    failNext: false,
    create(stream: VideoStream, target: Parameters<VideoBackend['create']>[1]) {
      return {
        frame(frame: VideoFrame) {
          if (backend.failNext) target.fail(stream, 'forced decode error');
          else backend.frames.push({ ...frame, data: Uint8Array.from(frame.data) });
        },
        destroy() {},
      };
    },
  };
  return backend;
}

void test('an MJPEG stream is decoded in the core, drawn into the surface and reported', async () => {
  const { h, display } = await openDisplay({});
  try {
    const red = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ff0000' } })
      .jpeg({ quality: 95 })
      .toBuffer();
    display.send(E.SPICE_MSG_DISPLAY_STREAM_CREATE, streamCreate(2, E.SPICE_VIDEO_CODEC_TYPE_MJPEG));
    display.send(E.SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT, activateReport(2, 4242, 3));
    for (let i = 0; i < 3; i++)
      display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(2, 0xffff_0000 + i * 40, red));
    const report = await nextReport(display);
    assert.equal(report.stream_id, 2);
    assert.equal(report.unique_id, 4242);
    assert.equal(report.num_frames, 3);
    assert.equal(report.end_frame_mm_time, 0xffff_0000 + 80);
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    const surface = h.session.getSurface(0, 0)!;
    const at = (x: number, y: number): number[] => {
      const i = (y * surface.width + x) * 4;
      return [...surface.pixels.subarray(i, i + 3)];
    };
    assert.ok(at(16, 16)[0]! > 240 && at(16, 16)[1]! < 16, `stream area is red: ${at(16, 16).join(',')}`);
    assert.deepEqual(at(2, 2), [0, 0, 0], 'outside the stream untouched');
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DESTROY, new SpiceWriter(4).u32(2).finish());
    // frames for a destroyed stream are ignored, not fatal
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(2, 0, red));
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.events.filter((e) => e.name === 'channel-error').length, 0);
  } finally {
    await h.close();
  }
});

void test('a codec nobody plays is reported invalid at once (the server then sends images)', async () => {
  const { h, display } = await openDisplay({});
  try {
    display.send(E.SPICE_MSG_DISPLAY_STREAM_CREATE, streamCreate(5, E.SPICE_VIDEO_CODEC_TYPE_H265));
    const report = await nextReport(display);
    assert.equal(report.stream_id, 5);
    assert.equal(report.num_frames, 0);
    assert.equal(report.num_drops, INVALID_STREAM_DROPS);
    const u = await h.waitFor('unsupported', (x) => /H\.265/.test(x.what));
    assert.match(u.what, /only MJPEG/);
    // its frames are ignored
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(5, 0, new Uint8Array(10)));
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    assert.equal(h.events.filter((e) => e.name === 'channel-error').length, 0);
  } finally {
    await h.close();
  }
});

void test('a backend that gives up reports the stream invalid; later frames never reach it', async () => {
  const backend = recordingBackend([E.SPICE_VIDEO_CODEC_TYPE_VP8]);
  const { h, display } = await openDisplay({ video: [backend] });
  try {
    display.send(E.SPICE_MSG_DISPLAY_STREAM_CREATE, streamCreate(1, E.SPICE_VIDEO_CODEC_TYPE_VP8));
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(1, 10, Uint8Array.of(1, 2, 3)));
    // DATA_SIZED changes the frame size and destination
    const sized = new SpiceWriter(64).u32(1).u32(20).u32(8).u32(4);
    sized.u32(0).u32(0).u32(4).u32(8); // dest rect: top, left, bottom, right
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA_SIZED, sized.u32(2).bytes(Uint8Array.of(9, 9)).finish());
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark');
    assert.equal(backend.frames.length, 2);
    assert.deepEqual([...backend.frames[0]!.data], [1, 2, 3]);
    assert.equal(backend.frames[0]!.width, 16);
    assert.equal(backend.frames[1]!.width, 8);
    assert.equal(backend.frames[1]!.height, 4);
    assert.deepEqual(backend.frames[1]!.dest, B.rect(0, 0, 8, 4));
    backend.failNext = true;
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(1, 30, Uint8Array.of(4)));
    const report = await nextReport(display);
    assert.equal(report.num_drops, INVALID_STREAM_DROPS);
    backend.failNext = false;
    display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(1, 40, Uint8Array.of(5)));
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(backend.frames.length, 2, 'no frame after the failure');
  } finally {
    await h.close();
  }
});

void test('PREFERRED_VIDEO_CODEC_TYPE carries the preference, kept to the advertised codecs, and follows changes', async () => {
  const backend = recordingBackend([E.SPICE_VIDEO_CODEC_TYPE_VP8, E.SPICE_VIDEO_CODEC_TYPE_H264]);
  const preference = createVideoPreference({
    order: [E.SPICE_VIDEO_CODEC_TYPE_VP9, E.SPICE_VIDEO_CODEC_TYPE_H264, E.SPICE_VIDEO_CODEC_TYPE_VP8],
  });
  const { h, display } = await openDisplay({ video: [backend], videoPreference: preference }, [
    E.SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE,
  ]);
  try {
    const first = await display.nextOfType(E.SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE);
    assert.deepEqual([...first.body], [2, E.SPICE_VIDEO_CODEC_TYPE_H264, E.SPICE_VIDEO_CODEC_TYPE_VP8]);
    preference.setOrder([E.SPICE_VIDEO_CODEC_TYPE_VP8]);
    const second = await display.nextOfType(E.SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE);
    assert.deepEqual([...second.body], [1, E.SPICE_VIDEO_CODEC_TYPE_VP8]);
  } finally {
    await h.close();
  }
});

void test('hostile stream messages end the channel with a protocol error, not a crash', async () => {
  const { h, display } = await openDisplay({});
  try {
    display.send(E.SPICE_MSG_DISPLAY_STREAM_CREATE, streamCreate(9999, E.SPICE_VIDEO_CODEC_TYPE_MJPEG));
    const err = await h.waitFor('channel-error');
    assert.match(String((err as { error: Error }).error.message), /stream id 9999 out of range/);
  } finally {
    await h.close();
  }
});
