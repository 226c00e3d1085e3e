// Video benchmark (`npm run bench:video`): the same stream from the C test server (libspice-server, a moving
// gradient, `--size WxH`, `--frames N` at 25 fps) encoded with MJPEG, VP8 and H.264, measured in one run:
//   - bytes per frame on the wire (the encoded frames the client received),
//   - client CPU per frame in Node: MJPEG decoded in the core (sharp) and drawn into the surface, against VP8/H.264
//     forwarded untouched (their decode happens in the page and is not measured here),
//   - server CPU per frame (the libspice-server process encoding it, from /proc/PID/stat).
// Usage: npm run bench:video -- [--size 1280x720] [--frames 100]
import { readFileSync } from 'node:fs';
import { parseSpiceUri } from '../main/spice/connect/uri';
import { silentLogger } from '../main/spice/logger';
import * as E from '../main/spice/protocol/enums';
import { SpiceSession } from '../main/spice/session';
import { createStreamOpener } from '../main/spice/transport/opener';
import { displayFeature } from '../main/spice/channels/display-feature';
import { createVideoPreference } from '../main/spice/video/video-caps';
import type { VideoBackend } from '../main/spice/video/video-decoder';
import { mjpegCoreBackend } from '../main/spice/video/mjpeg-core';
import { startTestServer } from '../test/support/test-server';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function serverCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
}

/** Counts the encoded bytes of every frame, then passes the frame on to `inner` (if any). */
function counting(
  codecs: number[],
  inner: () => VideoBackend | undefined,
): VideoBackend & { bytes: number; frames: number } {
  const backend = {
    name: 'counting',
    codecs,
    bytes: 0,
    frames: 0,
    create(stream: Parameters<VideoBackend['create']>[0], target: Parameters<VideoBackend['create']>[1]) {
      const next = inner()?.create(stream, target);
      return {
        async frame(frame: Parameters<ReturnType<VideoBackend['create']>['frame']>[0]) {
          backend.bytes += frame.data.byteLength;
          backend.frames++;
          await next?.frame(frame);
        },
        destroy: () => next?.destroy(),
      };
    },
  };
  return backend;
}

async function measure(
  label: string,
  serverCodec: string,
  codec: number,
  size: { width: number; height: number },
  frames: number,
): Promise<void> {
  const server = await startTestServer({
    width: size.width + 64,
    height: size.height + 64,
    streaming: 'all',
    videoCodecs: serverCodec,
  });
  // MJPEG: the core's own decoder behind the counter; others: forwarded (counted, nothing decoded in Node).
  let mjpeg: VideoBackend | undefined;
  const counter = counting([codec], () => mjpeg);
  const feature = displayFeature({
    decodeInWorkers: false,
    video: [counter],
    videoPreference: createVideoPreference({ order: [codec] }),
  });
  if (codec === E.SPICE_VIDEO_CODEC_TYPE_MJPEG) mjpeg = mjpegCoreBackend(feature.shared.decoders);
  const session = new SpiceSession({
    opener: createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${server.port}`), { logger: silentLogger }),
    logger: silentLogger,
    features: [feature],
  });
  try {
    await session.connect();
    await server.waitFor((e) => e.event === 'display_client' && e.present === true, { timeoutMs: 20000 });
    const mark = server.eventCount;
    const cpu0 = process.cpuUsage();
    const server0 = serverCpuMs(server.pid);
    await server.sendOk({ cmd: 'stream', x: 32, y: 32, ...size, frames, fps: 25 });
    await server.waitFor((e) => e.event === 'stream_done', { after: mark, timeoutMs: 120000 });
    await new Promise((r) => setTimeout(r, 300));
    const cpu = process.cpuUsage(cpu0);
    const serverMs = serverCpuMs(server.pid) - server0;
    const n = Math.max(counter.frames, 1);
    console.log(
      `${label.padEnd(6)} frames=${String(counter.frames).padStart(4)}  bytes/frame=${String(Math.round(counter.bytes / n)).padStart(7)}  ` +
        `client CPU/frame=${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms  server CPU/frame=${(serverMs / frames).toFixed(2)} ms`,
    );
  } finally {
    session.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const [w, h] = arg('size', '1280x720').split('x').map(Number);
  const size = { width: w ?? 1280, height: h ?? 720 };
  const frames = Number(arg('frames', '100'));
  console.log(`video stream ${size.width}x${size.height}, ${frames} frames at 25 fps (test server gradient)`);
  await measure('MJPEG', 'spice:mjpeg', E.SPICE_VIDEO_CODEC_TYPE_MJPEG, size, frames);
  await measure('VP8', 'gstreamer:vp8', E.SPICE_VIDEO_CODEC_TYPE_VP8, size, frames);
  await measure('H.264', 'gstreamer:h264', E.SPICE_VIDEO_CODEC_TYPE_H264, size, frames);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
