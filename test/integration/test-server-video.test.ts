// Repeated updates of one region make spice-server start a video stream toward a real client (spicy under
// Xvfb, observed with tshark): MJPEG, VP8 and H.264 (GStreamer's encoders are required tools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import { startPacketCapture, startSpicyGui, tsharkFields } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy', 'xvfb', 'tshark', 'gst-vp8', 'gst-x264']);

const SPICE_VIDEO_CODEC_TYPE_MJPEG = 1;
const SPICE_VIDEO_CODEC_TYPE_VP8 = 2;
const SPICE_VIDEO_CODEC_TYPE_H264 = 3;

async function streamCodecs(videoCodecs: string): Promise<{ codecs: number[]; dataMessages: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-video-'));
  const server = await startTestServer({ width: 480, height: 360, streaming: 'all', videoCodecs });
  try {
    const capture = await startPacketCapture(server.port!, dir);
    const client = startSpicyGui(server.port!);
    try {
      await server.waitFor((e) => e.event === 'display_client' && e.present === true, { timeoutMs: 20000 });
      const mark = server.eventCount;
      await server.sendOk({ cmd: 'stream', x: 40, y: 30, width: 320, height: 240, frames: 45, fps: 30 });
      await server.waitFor((e) => e.event === 'stream_done', { after: mark, timeoutMs: 20000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await client.stop();
      await capture.stop();
    }
    const creates = await tsharkFields(capture.file, server.port!, 'spice.display_stream_codec_type', [
      'spice.display_stream_codec_type',
    ]);
    const data = await tsharkFields(capture.file, server.port!, 'spice.display_stream_data_size', [
      'spice.display_stream_data_size',
    ]);
    return { codecs: creates.map((row) => Number(row[0])), dataMessages: data.length };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void test('a repeatedly drawn region becomes an MJPEG stream', async () => {
  const { codecs, dataMessages } = await streamCodecs('spice:mjpeg');
  assert.ok(codecs.length >= 1, 'STREAM_CREATE seen');
  assert.ok(
    codecs.every((c) => c === SPICE_VIDEO_CODEC_TYPE_MJPEG),
    `codecs ${codecs.join(',')}`,
  );
  assert.ok(dataMessages >= 10, `STREAM_DATA messages: ${dataMessages}`);
});

async function usable(codec: string): Promise<boolean> {
  const probe = await startTestServer({ width: 16, height: 16, videoCodecs: codec });
  const list = String(probe.listening.video_codecs_usable);
  await probe.stop();
  return list.split(';').includes(codec);
}

// spicy has no H.264 decoder without gstreamer1.0-libav: it reports the stream as failed and spice-server
// destroys it after the first frames, so only the stream's creation and first data are checked for H.264.
for (const { codec, type, plugin, minData } of [
  {
    codec: 'gstreamer:vp8',
    type: SPICE_VIDEO_CODEC_TYPE_VP8,
    plugin: 'vpx (gstreamer1.0-plugins-good)',
    minData: 10,
  },
  {
    codec: 'gstreamer:h264',
    type: SPICE_VIDEO_CODEC_TYPE_H264,
    plugin: 'x264 (gstreamer1.0-plugins-ugly)',
    minData: 1,
  },
]) {
  void test(`with ${codec} the stream uses that codec (GStreamer ${plugin})`, async () => {
    // requireTools above checked the plugin is installed, so the server must offer the codec.
    assert.ok(
      await usable(codec),
      `spice-server does not list ${codec} as usable although ${plugin} is installed`,
    );
    const { codecs, dataMessages } = await streamCodecs(codec);
    assert.ok(codecs.includes(type), `codecs ${codecs.join(',')}`);
    assert.ok(dataMessages >= minData, `STREAM_DATA messages: ${dataMessages}`);
  });
}
