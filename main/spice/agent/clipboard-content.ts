// Clipboard data between host form and wire form: text is UTF-8 on the wire with CRLF line ends for Windows guests
// (GUEST_LINEEND_CRLF) and LF otherwise; images are PNG on the wire, and a guest's BMP/JPEG/TIFF becomes PNG here
// (sharp for JPEG/TIFF, bmp-decoder for BMP). Large texts are converted in slices with a yield to the event loop
// between them, so a 100 MB clipboard never blocks input for the whole conversion. sharp (a native module) is
// loaded on first use, never at import time; it encodes on libuv's thread pool.
import { createHash } from 'node:crypto';
import { ProtocolError } from '../errors';
import { decodeBmp } from './bmp-decoder';
import type { ClipboardContent } from './clipboard-adapter';
import {
  VD_AGENT_CLIPBOARD_IMAGE_BMP,
  VD_AGENT_CLIPBOARD_IMAGE_JPG,
  VD_AGENT_CLIPBOARD_IMAGE_PNG,
  VD_AGENT_CLIPBOARD_IMAGE_TIFF,
} from './vd-agent';

/** Characters (text) or bytes (UTF-8) converted between two yields to the event loop. */
const TEXT_SLICE = 1 << 20;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** End of a slice of `text` starting at `from` that splits neither a surrogate pair nor a CR LF pair. */
function sliceEnd(text: string, from: number): number {
  let end = Math.min(text.length, from + TEXT_SLICE);
  if (end < text.length) {
    const last = text.charCodeAt(end - 1);
    if ((last >= 0xd800 && last <= 0xdbff) || last === 0x0d) end--;
  }
  return end;
}

/**
 * Host text → the guest's UTF-8, as a list of parts (the outbox sends them back to back without joining).
 * Line ends are normalised to LF, then to CRLF for Windows guests.
 */
export async function encodeGuestText(text: string, lineEnding: 'lf' | 'crlf'): Promise<Uint8Array[]> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (let from = 0; from < text.length;) {
    if (from > 0) await yieldToEventLoop();
    const end = sliceEnd(text, from);
    let piece = text.slice(from, end).replace(/\r\n?/g, '\n');
    if (lineEnding === 'crlf') piece = piece.replace(/\n/g, '\r\n');
    parts.push(encoder.encode(piece));
    from = end;
  }
  return parts;
}

/** The guest's UTF-8 → host text (LF line ends; trailing NULs that some agents append are dropped). */
export async function decodeGuestText(bytes: Uint8Array, lineEnding: 'lf' | 'crlf'): Promise<string> {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const decoder = new TextDecoder('utf-8');
  const out: string[] = [];
  let carryCr = false;
  for (let from = 0; from < end; from += TEXT_SLICE) {
    if (from > 0) await yieldToEventLoop();
    const last = from + TEXT_SLICE >= end;
    let piece = decoder.decode(bytes.subarray(from, Math.min(end, from + TEXT_SLICE)), { stream: !last });
    if (lineEnding === 'crlf') {
      if (carryCr) piece = '\r' + piece;
      carryCr = !last && piece.endsWith('\r');
      if (carryCr) piece = piece.slice(0, -1);
      piece = piece.replace(/\r\n/g, '\n');
    }
    out.push(piece);
  }
  if (carryCr) out.push('\r');
  return out.join('');
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Width and height from a PNG's IHDR (no decoding). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!isPng(bytes)) throw new ProtocolError('not a PNG image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/**
 * A guest image of clipboard type `type` → PNG. A PNG is passed through after a header check (its pixel count is
 * checked against `maxPixels`, so a decompression bomb never reaches the host clipboard); others are re-encoded.
 */
export async function guestImageToPng(
  type: number,
  bytes: Uint8Array,
  maxPixels: number,
): Promise<Uint8Array> {
  switch (type) {
    case VD_AGENT_CLIPBOARD_IMAGE_PNG: {
      const { width, height } = pngSize(bytes);
      if (width === 0 || height === 0 || width * height > maxPixels) {
        throw new ProtocolError(`PNG image of ${width}x${height} pixels (limit ${maxPixels})`);
      }
      return bytes;
    }
    case VD_AGENT_CLIPBOARD_IMAGE_BMP: {
      const { width, height, rgba } = decodeBmp(bytes, maxPixels);
      const { default: sharp } = await import('sharp');
      return toUint8(
        await sharp(rgba, { raw: { width, height, channels: 4 } })
          .png()
          .toBuffer(),
      );
    }
    case VD_AGENT_CLIPBOARD_IMAGE_JPG:
    case VD_AGENT_CLIPBOARD_IMAGE_TIFF:
      try {
        const { default: sharp } = await import('sharp');
        return toUint8(await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).png().toBuffer());
      } catch (e) {
        throw new ProtocolError(`image: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    default:
      throw new ProtocolError(`clipboard type ${type} is not an image`);
  }
}

function toUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Bytes hashed for a fingerprint: the whole content up to this size, else samples. */
const FINGERPRINT_SAMPLE_BYTES = 256 * 1024;

/**
 * A short identity of clipboard content, cheap even for 100 MB: kind, size, and a SHA-1 of the content (when
 * large: of an image's head, tail and 64 spread samples; of a text's head and tail). The shell passes it to hostGrab so the core can tell its own
 * write of guest data (an echo) from a new copy on the host.
 */
export function clipboardFingerprint(content: ClipboardContent): string {
  const hash = createHash('sha1');
  if (content.kind === 'text') {
    // CRLF and LF spellings of a text are the same content (a Windows host gives back CRLF for what we wrote).
    const t = content.text;
    if (t.length <= FINGERPRINT_SAMPLE_BYTES) {
      const n = t.replace(/\r\n/g, '\n');
      hash.update(n);
      return `text:${n.length}:${hash.digest('hex')}`;
    }
    // Large: no copy of the whole text; its LF length, and its head and tail with line ends folded.
    let crlf = 0;
    for (let at = t.indexOf('\r\n'); at >= 0; at = t.indexOf('\r\n', at + 2)) crlf++;
    const edge = 32 * 1024;
    hash.update(
      t
        .slice(0, 2 * edge)
        .replace(/\r\n/g, '\n')
        .slice(0, edge),
    );
    hash.update(
      t
        .slice(-2 * edge)
        .replace(/\r\n/g, '\n')
        .slice(-edge),
    );
    return `text:${t.length - crlf}:${hash.digest('hex')}`;
  }
  const b = content.png;
  if (b.length <= FINGERPRINT_SAMPLE_BYTES) hash.update(b);
  else for (const [from, to] of samples(b.length)) hash.update(b.subarray(from, to));
  return `image:${b.length}:${hash.digest('hex')}`;
}

function samples(length: number): [number, number][] {
  const piece = 2048;
  const out: [number, number][] = [
    [0, 64 * 1024],
    [length - 64 * 1024, length],
  ];
  for (let i = 1; i <= 64; i++) {
    const at = Math.floor((length * i) / 65);
    out.push([at, Math.min(length, at + piece)]);
  }
  return out;
}
