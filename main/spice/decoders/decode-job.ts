// The unit of work of DecodePool and its worker: a stateless EncodedImage (QUIC, LZ, LZ4, BITMAP: plain data, so it
// survives postMessage), decoded through the one stateless table (stateless.ts).
import type { EncodedImage } from './image-decoder';
import { decodeStatelessImage } from './stateless';
import type { DecodedImage } from './types';

/** A stateless image to decode; `out` is never sent to a worker. */
export type DecodeJob = Omit<EncodedImage, 'out'>;

/** Runs a job on the calling thread. */
export function runDecodeJob(job: DecodeJob): DecodedImage {
  return decodeStatelessImage(job);
}

/** The input bytes a job carries (what the pool copies or transfers to a worker). */
export function jobInput(job: DecodeJob): Uint8Array {
  return job.data;
}

/** The same job with its input replaced (the pool's private copy). */
export function withInput(job: DecodeJob, data: Uint8Array): DecodeJob {
  return { ...job, data };
}
