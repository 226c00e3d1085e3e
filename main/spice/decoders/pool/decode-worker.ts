// Entry point of a DecodePool worker thread (bundled to dist/decode-worker.cjs; under tsx the pool starts this
// .ts file with `--import tsx`). Receives { id, job } messages, decodes with runDecodeJob and posts the pixels
// back with their buffer transferred (no copy): { id, ok: true, image } or { id, ok: false, error }.
// { close: true } closes the port after the job in hand: the thread then ends on its own, its event loop and V8's
// pending tasks drained (the pool's close() prefers that to terminate(), see decode-pool.ts).
import { parentPort } from 'node:worker_threads';
import { isSpiceError } from '../../errors';
import { runDecodeJob, type DecodeJob } from '../decode-job';

export type WorkerRequest = { id: number; job: DecodeJob } | { close: true };

export type WorkerReply =
  | { id: number; ok: true; image: { width: number; height: number; pixels: Uint8Array; hasAlpha: boolean } }
  | { id: number; ok: false; error: { message: string; protocol: boolean } };

const port = parentPort;
if (port !== null) {
  port.on('message', (msg: WorkerRequest) => {
    if ('close' in msg) {
      port.close();
      return;
    }
    let reply: WorkerReply;
    try {
      const image = runDecodeJob(msg.job);
      let pixels = image.pixels;
      // Transfer needs a buffer the pixels own entirely.
      if (pixels.byteOffset !== 0 || pixels.byteLength !== pixels.buffer.byteLength) pixels = pixels.slice();
      reply = { id: msg.id, ok: true, image: { ...image, pixels } };
      port.postMessage(reply, [pixels.buffer as ArrayBuffer]);
      return;
    } catch (e) {
      reply = {
        id: msg.id,
        ok: false,
        error: { message: e instanceof Error ? e.message : String(e), protocol: isSpiceError(e) },
      };
    }
    port.postMessage(reply);
  });
}
