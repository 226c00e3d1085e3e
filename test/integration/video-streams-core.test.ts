// Video streams of the real libspice-server (test/server `stream` command) through the protocol core: MJPEG decoded
// in the core and the surface pixel-identical to spicy-screenshot's once the stream ended; the caps tell the truth
// (a viewer that plays only MJPEG gets MJPEG from a server preferring VP8; `--video-codecs none` gets images);
// VP8, VP9 and H.264 (GStreamer encoders) reach a backend that plays them, in the order PREFERRED_VIDEO_CODEC_TYPE
// asks; STREAM_REPORTs go out after STREAM_ACTIVATE_REPORT; a backend that gives up makes the server fall back to
// images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import type { Logger } from '../../main/spice/logger';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { displayFeature } from '../../main/spice/channels/display-feature';
import type { DisplayChannelOptions } from '../../main/spice/channels/display-channel';
import type { VideoBackend, VideoFrame } from '../../main/spice/video/video-decoder';
import { createVideoPreference } from '../../main/spice/video/video-caps';
import type { SurfaceView } from '../../main/spice/surfaces/types';
import { startTestServer, type TestServer } from '../support/test-server';
import { countDiffs, spicyScreenshot, type RgbImage } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy', 'gst-vp8', 'gst-x264']);

const { SPICE_VIDEO_CODEC_TYPE_MJPEG: MJPEG, SPICE_VIDEO_CODEC_TYPE_VP8: VP8 } = E;
const { SPICE_VIDEO_CODEC_TYPE_VP9: VP9, SPICE_VIDEO_CODEC_TYPE_H264: H264 } = E;

interface Viewer {
  session: SpiceSession;
  logs: string[];
  errors: string[];
  unsupported: string[];
  damage: number;
  close(): void;
}

async function view(port: number, options: DisplayChannelOptions = {}): Promise<Viewer> {
  const logs: string[] = [];
  const record = (m: string): void => void logs.push(m);
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const opener = createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger });
  const session = new SpiceSession({
    opener,
    logger,
    linkTimeoutMs: 5000,
    features: [displayFeature({ decodeInWorkers: false, ...options })],
  });
  const viewer: Viewer = {
    session,
    logs,
    errors: [],
    unsupported: [],
    damage: 0,
    close: () => session.close(),
  };
  session.on('channel-error', (e) => viewer.errors.push(e.error.message));
  session.on('unsupported', (u) => {
    if (u.channel.type === E.SPICE_CHANNEL_DISPLAY) viewer.unsupported.push(u.what);
  });
  session.on('damage', () => viewer.damage++);
  await session.connect();
  return viewer;
}

async function streamOnce(server: TestServer, frames = 60): Promise<void> {
  await server.waitFor((e) => e.event === 'display_client' && e.present === true, { timeoutMs: 20000 });
  const mark = server.eventCount;
  await server.sendOk({ cmd: 'stream', x: 40, y: 30, width: 320, height: 240, frames, fps: 30 });
  await server.waitFor((e) => e.event === 'stream_done', { after: mark, timeoutMs: 30000 });
}

function rgbOf(surface: SurfaceView): RgbImage {
  const rgb = Buffer.alloc(surface.width * surface.height * 3);
  for (let i = 0; i < surface.width * surface.height; i++) {
    rgb[i * 3] = surface.pixels[i * 4]!;
    rgb[i * 3 + 1] = surface.pixels[i * 4 + 1]!;
    rgb[i * 3 + 2] = surface.pixels[i * 4 + 2]!;
  }
  return { width: surface.width, height: surface.height, rgb };
}

/**
 * Waits for the viewer's surface to stay unchanged (the server upgrades the stream's area after it ends), takes it,
 * closes the viewer (spice-server keeps one client) and counts its differences from spicy-screenshot's picture.
 */
async function diffsFromSpicy(viewer: Viewer, port: number, dir: string): Promise<number> {
  let seen = viewer.damage;
  for (let quiet = 0, i = 0; quiet < 15 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    quiet = viewer.damage === seen ? quiet + 1 : 0;
    seen = viewer.damage;
  }
  const ours = rgbOf(viewer.session.getSurface(0, 0)!);
  viewer.close();
  const shot = await spicyScreenshot(join(dir, 'shot.ppm'), { port });
  assert.ok(shot.ok, `spicy-screenshot: ${shot.stderr}`);
  return countDiffs(ours, shot.image!);
}

const streamsOf = (logs: string[]): string[] =>
  logs.filter((l) => /stream \d+: .* by /.test(l)).map((l) => l.replace(/^.*stream \d+: /, ''));

void test('an MJPEG stream is drawn by the core, reported, and leaves the surface identical to spicy-screenshot', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-video-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startTestServer({
    width: 480,
    height: 360,
    streaming: 'all',
    videoCodecs: 'spice:mjpeg',
  });
  t.after(() => server.stop());
  const viewer = await view(server.port!);
  t.after(() => viewer.close());
  await streamOnce(server);
  assert.deepEqual(streamsOf(viewer.logs), ['MJPEG by MJPEG in the core']);
  assert.ok(
    viewer.logs.some((l) => /STREAM_REPORT/.test(l)),
    'a STREAM_REPORT after STREAM_ACTIVATE_REPORT',
  );
  assert.ok(viewer.damage >= 20, `frames drawn: ${viewer.damage}`);
  assert.equal(await diffsFromSpicy(viewer, server.port!, dir), 0, 'surface differs from spicy-screenshot');
  assert.deepEqual(viewer.errors, []);
  assert.deepEqual(viewer.unsupported, []);
});

void test('a viewer that plays only MJPEG gets MJPEG from a server preferring VP8; with no codec it gets images', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-video-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startTestServer({
    width: 480,
    height: 360,
    streaming: 'all',
    videoCodecs: 'gstreamer:vp8;spice:mjpeg',
  });
  t.after(() => server.stop());
  const mjpegOnly = await view(server.port!);
  await streamOnce(server, 40);
  mjpegOnly.close();
  assert.deepEqual(streamsOf(mjpegOnly.logs), ['MJPEG by MJPEG in the core']);
  const none = await view(server.port!, { videoPreference: createVideoPreference({ allowed: [] }) });
  t.after(() => none.close());
  await streamOnce(server, 40);
  assert.deepEqual(streamsOf(none.logs), [], 'no stream without a codec');
  assert.ok(none.damage >= 20, `drawn as images: ${none.damage}`);
  assert.equal(await diffsFromSpicy(none, server.port!, dir), 0);
});

/** Plays nothing; keeps copies of the frames (and can give up on a stream at its first frame). */
function recordingBackend(
  codecs: number[],
  failAtFirstFrame = false,
): VideoBackend & { frames: Map<number, VideoFrame[]> } {
  const frames = new Map<number, VideoFrame[]>();
  return {
    name: 'recording',
    codecs,
    frames,
    create(stream, target) {
      return {
        frame(frame) {
          if (failAtFirstFrame) return target.fail(stream, 'forced decode error');
          const list = frames.get(stream.codec) ?? [];
          if (list.length < 200) list.push({ ...frame, data: Uint8Array.from(frame.data) });
          frames.set(stream.codec, list);
        },
        destroy() {},
      };
    },
  };
}

/** The first bytes of a stream's first frame say which codec made it. */
function looksLike(codec: number, data: Uint8Array): boolean {
  if (codec === VP8) return (data[0]! & 1) === 0 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a;
  if (codec === VP9) return (data[0]! & 0xc0) === 0x80; // frame marker 0b10
  if (codec === H264) {
    const start = data[2] === 1 ? 3 : data[3] === 1 ? 4 : -1;
    return data[0] === 0 && data[1] === 0 && start > 0;
  }
  return false;
}

for (const [name, codec, order] of [
  ['VP8', VP8, [VP8, H264, VP9]],
  ['H.264', H264, [H264, VP8, VP9]],
  ['VP9', VP9, [VP9, VP8, H264]],
] as const) {
  void test(`PREFERRED_VIDEO_CODEC_TYPE ${name} first: the server encodes ${name}, frames reach the backend as sent`, async (t) => {
    const server = await startTestServer({
      width: 480,
      height: 360,
      streaming: 'all',
      videoCodecs: 'spice:mjpeg;gstreamer:vp8;gstreamer:vp9;gstreamer:h264',
    });
    t.after(() => server.stop());
    const backend = recordingBackend([VP8, VP9, H264]);
    const viewer = await view(server.port!, {
      video: [backend],
      videoPreference: createVideoPreference({ order: [...order] }),
    });
    t.after(() => viewer.close());
    await streamOnce(server, 45);
    const frames = backend.frames.get(codec) ?? [];
    // A few frames suffice: the encoders (VP9 most) drop frames when the machine is loaded.
    assert.ok(frames.length >= 3, `${name} frames: ${frames.length} (${streamsOf(viewer.logs).join('; ')})`);
    assert.ok(looksLike(codec, frames[0]!.data), `first ${name} frame starts like ${name}`);
    assert.equal(frames[0]!.width, 320);
    assert.equal(frames[0]!.height, 240);
    assert.ok(!backend.frames.has(MJPEG));
    assert.ok(
      viewer.logs.some((l) => /STREAM_REPORT/.test(l)),
      'stream reports sent',
    );
    assert.deepEqual(viewer.errors, []);
  });
}

void test('a backend that gives up makes the server send the area as images (surface right at the end)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-video-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startTestServer({
    width: 480,
    height: 360,
    streaming: 'all',
    videoCodecs: 'gstreamer:vp8',
  });
  t.after(() => server.stop());
  const viewer = await view(server.port!, { video: [recordingBackend([VP8], true)] });
  t.after(() => viewer.close());
  await streamOnce(server, 45);
  assert.ok(viewer.logs.some((l) => /cannot be played: forced decode error/.test(l)));
  assert.ok(viewer.damage >= 10, `images after the fallback: ${viewer.damage}`);
  assert.equal(await diffsFromSpicy(viewer, server.port!, dir), 0);
});
