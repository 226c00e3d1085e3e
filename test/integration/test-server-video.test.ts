// Repeated updates of one region make spice-server start a video stream toward a real client (spicy under
// Xvfb, observed with tshark): MJPEG always, VP8 when GStreamer's vpx plugin is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import { startPacketCapture, startSpicyGui, tsharkFields } from '../server/client-tools';

const SPICE_VIDEO_CODEC_TYPE_MJPEG = 1;
const SPICE_VIDEO_CODEC_TYPE_VP8 = 2;

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

void test('with gstreamer:vp8 the stream is VP8 when the vpx plugin is present', async (t) => {
  const probe = await startTestServer({ width: 16, height: 16, videoCodecs: 'gstreamer:vp8' });
  const usable = String(probe.listening.video_codecs_usable);
  await probe.stop();
  if (!usable.includes('gstreamer:vp8')) {
    t.skip('GStreamer vpx plugin not installed');
    return;
  }
  const { codecs, dataMessages } = await streamCodecs('gstreamer:vp8');
  assert.ok(codecs.includes(SPICE_VIDEO_CODEC_TYPE_VP8), `codecs ${codecs.join(',')}`);
  assert.ok(dataMessages >= 10, `STREAM_DATA messages: ${dataMessages}`);
});
