// Inflates a binary frame that `saffron web` sent deflated (shared/port-codec.ts DEFLATED_FRAME_TAG) with the
// browser's native DecompressionStream, refusing output beyond a limit (a frame never exceeds one damage frame of
// the largest surface). Resolves undefined for a stream that is corrupt or too large.
import { DEFLATED_HEADER_BYTES, MAX_INFLATED_FRAME_BYTES } from '../../shared/port-codec';

export async function inflateFrame(
  frame: Uint8Array,
  maxBytes: number = MAX_INFLATED_FRAME_BYTES,
): Promise<Uint8Array | undefined> {
  const body = frame.subarray(DEFLATED_HEADER_BYTES);
  const reader = new Blob([body as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'))
    .getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined; // corrupt stream
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
