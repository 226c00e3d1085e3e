// Test helper: replays a packed real-server fixture (test/fixtures/images/<name>/: index.json + images.bin, written by
// tools/extract-images.ts) through the decoders in wire order and composites every DRAW_COPY (rop PUT, optional clip
// rectangles, no scaling) onto the current primary surface, so the result can be compared with QEMU's screendump.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBitmap } from '../../../main/spice/decoders/bitmap';
import { decodeGlz } from '../../../main/spice/decoders/glz';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { decodeJpeg, decodeJpegAlpha } from '../../../main/spice/decoders/jpeg';
import { decodeLz } from '../../../main/spice/decoders/lz';
import { decodeLz4Image } from '../../../main/spice/decoders/lz4';
import { decodeQuic } from '../../../main/spice/decoders/quic';
import type { DecodedImage } from '../../../main/spice/decoders/types';
import { decodeZlibGlz } from '../../../main/spice/decoders/zlib-glz';
import type { FixtureImage, FixtureIndex } from '../../fixtures/images/tools/extract-images';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/images');

export interface Fixture {
  index: FixtureIndex;
  blob: Uint8Array;
}

export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  return {
    index: JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as FixtureIndex,
    blob: new Uint8Array(readFileSync(join(dir, 'images.bin'))),
  };
}

export function bodyOf(f: Fixture, img: FixtureImage): Uint8Array {
  return f.blob.subarray(img.offset, img.offset + img.bytes);
}

/** Decodes one fixture image with the decoder its type calls for. */
export async function decodeFixtureImage(
  f: Fixture,
  img: FixtureImage,
  window: GlzWindow,
): Promise<DecodedImage> {
  const body = bodyOf(f, img);
  switch (img.type) {
    case 0: {
      const b = img.bitmap!;
      return decodeBitmap({
        format: b.format,
        flags: b.flags,
        width: img.width,
        height: img.height,
        stride: b.stride,
        palette: b.palette === null ? null : new Uint32Array(b.palette),
        data: body,
      });
    }
    case 1:
      return decodeQuic(body);
    case 100:
      return decodeLz(body, { palette: img.lzPlt?.palette ? new Uint32Array(img.lzPlt.palette) : null });
    case 101:
      return decodeLz(body);
    case 102:
      return decodeGlz(body, window);
    case 105:
      return decodeJpeg(body, img.width, img.height);
    case 107:
      return decodeZlibGlz(body, window);
    case 108:
      return decodeJpegAlpha(body, img.width, img.height);
    case 109:
      return decodeLz4Image(body, img.width, img.height);
    default:
      throw new Error(`fixture image type ${img.type} has no decoder`);
  }
}

export interface Surface {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel (the screendump's layout). */
  rgb: Uint8Array;
}

/** Replays every image and returns the final primary surface plus per-type counts. */
export async function replay(
  f: Fixture,
  window: GlzWindow = new GlzWindow(6 << 20),
): Promise<{ surface: Surface; counts: Record<string, number> }> {
  const events = [
    ...f.index.surfaces.map((s) => ({ seq: s.seq, surface: s, image: undefined })),
    ...f.index.images.map((i) => ({ seq: i.seq, surface: undefined, image: i })),
  ].sort((a, b) => a.seq - b.seq);
  let surface: Surface | undefined;
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.surface !== undefined) {
      surface = {
        width: e.surface.width,
        height: e.surface.height,
        rgb: new Uint8Array(e.surface.width * e.surface.height * 3),
      };
      continue;
    }
    const im = e.image;
    const img = await decodeFixtureImage(f, im, window);
    if (img.width !== im.width || img.height !== im.height) throw new Error(`image ${im.seq}: size mismatch`);
    counts[im.typeName] = (counts[im.typeName] ?? 0) + 1;
    if (surface === undefined) throw new Error('draw before any surface');
    const [l, t, r, b] = im.box;
    const [sl, st] = im.srcArea;
    for (let y = Math.max(t, 0); y < Math.min(b, surface.height); y++) {
      for (let x = Math.max(l, 0); x < Math.min(r, surface.width); x++) {
        if (im.clipRects && !im.clipRects.some(([cl, ct, cr, cb]) => x >= cl && x < cr && y >= ct && y < cb))
          continue;
        const s = ((y - t + st) * img.width + (x - l + sl)) * 4;
        const d = (y * surface.width + x) * 3;
        surface.rgb[d] = img.pixels[s]!;
        surface.rgb[d + 1] = img.pixels[s + 1]!;
        surface.rgb[d + 2] = img.pixels[s + 2]!;
      }
    }
  }
  if (surface === undefined) throw new Error('fixture has no surface');
  return { surface, counts };
}

/** Reads an 8-bit RGB(A) PNG as tightly packed RGB. */
export async function readPngRgb(path: string): Promise<Surface> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    rgb: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}
