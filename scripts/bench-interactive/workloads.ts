// The workloads: what the test server's generator draws (test/server/src/bench.c) and with which compression.
// Every workload uses a 1920×1080 primary surface; each frame ends with the frame-counter strip.
import type { TestServerOptions } from '../../test/support/test-server';

export interface Workload {
  id: string;
  description: string;
  generator: 'photo' | 'scroll' | 'terminal';
  /** Generator cap (frames per second); past it spice-server's pipe and the client's ACKs set the pace. */
  fps: number;
  /**
   * demand: a frame whenever the previous one has left the QXL queue (as fast as the client takes them);
   * fixed: one every 1/fps s like a video player, so spice-server sees a steady source and streams it.
   */
  pace: 'demand' | 'fixed';
  server: TestServerOptions;
}

export const SCREEN = { width: 1920, height: 1080 };

/**
 * No video streams, and never the WAN options: with jpeg/zlib-glz "auto" (QEMU's default) spice-server switches
 * photographs to JPEG when its bandwidth estimate says "low", which a loaded machine's loopback can trigger; the
 * probe pixel check (measure.ts, lossyFrames) caught exactly that.
 */
const still = {
  width: SCREEN.width,
  height: SCREEN.height,
  streaming: 'off',
  jpeg: 'never',
  zlibGlz: 'never',
} as const;

/** spice-server's video codec name for a short codec name (mjpeg is spice-server's own encoder). */
export function serverCodecName(codec: string): string {
  return codec === 'mjpeg' ? 'spice:mjpeg' : `gstreamer:${codec}`;
}

export function workloads(videoCodecs: readonly string[]): Workload[] {
  return [
    {
      id: 'photo-quic',
      description: 'full-screen photographic frames, QUIC',
      generator: 'photo',
      fps: 60,
      pace: 'demand',
      server: { ...still, compression: 'quic' },
    },
    {
      id: 'photo-glz',
      description: 'full-screen photographic frames, GLZ (auto_glz would pick QUIC for a photograph)',
      generator: 'photo',
      fps: 60,
      pace: 'demand',
      server: { ...still, compression: 'glz' },
    },
    {
      id: 'scroll',
      description: 'a text page scrolling a line per frame (COPY_BITS + a fill + ~10 word draws), auto_glz',
      generator: 'scroll',
      fps: 1000,
      pace: 'demand',
      server: { ...still, compression: 'auto_glz' },
    },
    {
      id: 'terminal',
      description: '24 small word draws per frame at random cells of a terminal, auto_glz',
      generator: 'terminal',
      fps: 1000,
      pace: 'demand',
      server: { ...still, compression: 'auto_glz' },
    },
    ...videoCodecs.map((codec): Workload => ({
      id: `video-${codec}`,
      description: `a full-screen 30 fps photographic video as a ${codec} stream (streaming all; images before it: off)`,
      generator: 'photo',
      fps: 30,
      pace: 'fixed',
      server: {
        width: SCREEN.width,
        height: SCREEN.height,
        // until the stream starts, frames go as images: uncompressed, so spice-server's worker takes them at the
        // source's pace even on a loaded machine and finds the 20 frames < 200 ms apart that start a stream
        compression: 'off',
        jpeg: 'never',
        zlibGlz: 'never',
        streaming: 'all',
        videoCodecs: serverCodecName(codec),
      },
    })),
  ];
}
