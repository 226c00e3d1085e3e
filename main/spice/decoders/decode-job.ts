// A stateless decode request (QUIC, LZ, LZ4, BITMAP: no GLZ window, no sharp) that can run on any thread: the
// unit of work of DecodePool and its worker. Plain data only, so it survives postMessage.
import { ProtocolError } from '../errors';
import type { DecodedImage } from './types';
import { decodeBitmap, type SpiceBitmapInput } from './bitmap';
import { decodeLz } from './lz';
import { decodeLz4Image } from './lz4';
import { decodeQuic } from './quic';

export type DecodeJob =
  | { kind: 'quic'; data: Uint8Array }
  | { kind: 'lz'; data: Uint8Array; palette?: Uint32Array | null }
  | { kind: 'lz4'; data: Uint8Array; width: number; height: number }
  | { kind: 'bitmap'; bitmap: SpiceBitmapInput };

/** Runs a job on the calling thread. */
export function runDecodeJob(job: DecodeJob): DecodedImage {
  switch (job.kind) {
    case 'quic':
      return decodeQuic(job.data);
    case 'lz':
      return decodeLz(job.data, { palette: job.palette ?? null });
    case 'lz4':
      return decodeLz4Image(job.data, job.width, job.height);
    case 'bitmap':
      return decodeBitmap(job.bitmap);
    default:
      throw new ProtocolError(`decode job of unknown kind ${(job as { kind: string }).kind}`);
  }
}

/** The input bytes a job carries (what the pool copies or transfers to a worker). */
export function jobInput(job: DecodeJob): Uint8Array {
  return job.kind === 'bitmap' ? job.bitmap.data : job.data;
}

/** The same job with its input replaced (the pool's private copy). */
export function withInput(job: DecodeJob, data: Uint8Array): DecodeJob {
  return job.kind === 'bitmap' ? { ...job, bitmap: { ...job.bitmap, data } } : { ...job, data };
}
