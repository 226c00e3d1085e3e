// A browser tab's socket that deflates binary frames (shared/port-codec.ts DEFLATED_FRAME_TAG). Chromium hands a
// WebSocket message to the page at a bounded byte rate (under load here ≈ 13 MB/s: 1.6 full-screen frames/s, the
// figure that bounded `saffron web`'s frames/s), so screen pixels go compressed and the page inflates them
// natively (DecompressionStream). Level 1 on libuv's thread pool, one raw deflate stream per frame; text frames
// keep their order behind a frame being deflated. Fragments are written to the deflater as they arrive (never
// joined); only the compressed frame is joined, once. Only pixel frames (damage, cursor shapes) are deflated: video
// frames and data frames (Opus, files, clipboard images) are compressed already or small, and pass through in order.
import { createDeflateRaw } from 'node:zlib';
import type { Deflate } from 'node:zlib';
import { BINARY_TAGS, DEFLATED_FRAME_TAG, DEFLATED_HEADER_BYTES } from '../../shared/port-codec';
import type { TabSocket } from './web-views';

interface Piece {
  data: Buffer;
  binary: boolean;
  fin: boolean;
}

/** One outgoing message (or text fragment) in send order; a deflated frame is ready once its stream ended. */
interface Entry {
  pieces: Piece[];
  ready: boolean;
}

export interface DeflatingTabSocketOptions {
  /** zlib level (1: fastest; pixels of screens shrink 20–200× at level 1 already). */
  level?: number;
  /** Called if a deflater fails (it never should): the tab is closed, as for any broken frame. */
  onError?: (error: Error) => void;
}

/** First bytes of the frames worth deflating: raw pixels. */
const PIXEL_TAGS = new Set<number>([BINARY_TAGS.damage, BINARY_TAGS['cursor-shape']]);

export function deflatingTabSocket(raw: TabSocket, options: DeflatingTabSocketOptions = {}): TabSocket {
  const level = options.level ?? 1;
  const queue: Entry[] = [];
  /** Uncompressed bytes handed to deflaters and not sent yet (counted as buffered, for the slow-tab limit). */
  let pendingBytes = 0;
  let current: { deflate: Deflate; bytes: number } | undefined;
  /** Inside a binary frame that is not deflated (its first fragment's tag said so). */
  let passing = false;
  let failed = false;

  /** Sends at once unless something deflated is still ahead of it. */
  const sendInOrder = (data: Buffer, binary: boolean, fin: boolean): void => {
    if (queue.length === 0) raw.send(data, binary, fin);
    else queue.push({ pieces: [{ data, binary, fin }], ready: true });
  };

  const drain = (): void => {
    while (queue[0]?.ready) {
      const entry = queue.shift()!;
      for (const p of entry.pieces) raw.send(p.data, p.binary, p.fin);
    }
  };

  const startFrame = (): { deflate: Deflate; bytes: number } => {
    const entry: Entry = { pieces: [], ready: false };
    queue.push(entry);
    const header = Buffer.alloc(DEFLATED_HEADER_BYTES);
    header[0] = DEFLATED_FRAME_TAG;
    const chunks: Buffer[] = [header];
    const deflate = createDeflateRaw({ level });
    const frame = { deflate, bytes: 0 };
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    deflate.once('end', () => {
      pendingBytes -= frame.bytes;
      entry.pieces.push({ data: Buffer.concat(chunks), binary: true, fin: true });
      entry.ready = true;
      drain();
    });
    deflate.once('error', (e: Error) => {
      if (failed) return;
      failed = true;
      options.onError?.(e);
      raw.close(1011, 'could not compress a frame');
    });
    return frame;
  };

  return {
    send(data, binary, fin) {
      if (failed) return;
      if (!binary) return sendInOrder(data, false, fin);
      if (!current && (passing || !PIXEL_TAGS.has(data[0]!))) {
        passing = !fin;
        return sendInOrder(data, true, fin);
      }
      current ??= startFrame();
      current.bytes += data.length;
      pendingBytes += data.length;
      current.deflate.write(data);
      if (fin) {
        current.deflate.end();
        current = undefined;
      }
    },
    get bufferedBytes() {
      return raw.bufferedBytes + pendingBytes;
    },
    close: (code, reason) => raw.close(code, reason),
  };
}
