// The frame counter every benchmark frame carries (drawn by test/server/src/bench.c): one row of 44 black or
// white 16×16 blocks at the surface's top-left — a marker (white, black, white, black), the frame number's 20
// bits (most significant first, white = 1), then the same 20 bits inverted. Reading the pixel row through the
// blocks' centres tells which frame is on screen; the marker and the inverted copy reject anything else
// (a half-drawn strip, the black screen before the first frame). Lossy codecs keep 16×16 flat blocks intact.
// Where the strip is a drawable of its own (scroll, terminal) the server shifts it right by frame % 8 pixels so
// that spice-server never drops one for being covered by the next (see bench.c); sampling at 16 × block + 8
// lands in the right block for any shift 0..7.

export const STRIP_BLOCK = 16;
export const STRIP_MARKER = 4;
export const STRIP_BITS = 20;
export const STRIP_BLOCKS = STRIP_MARKER + 2 * STRIP_BITS;
export const STRIP_WIDTH = STRIP_BLOCKS * STRIP_BLOCK;
export const STRIP_HEIGHT = STRIP_BLOCK;
/** The row (from the strip's top) through the blocks' centres. */
export const STRIP_SAMPLE_ROW = STRIP_BLOCK / 2;
/**
 * The probe pixel, on the sample row right of the strip: the server logs its exact value per frame (photo content,
 * black elsewhere), so a client showing another value received that frame lossy (JPEG or a video stream).
 */
export const PROBE_X = STRIP_WIDTH + 8;
/** Pixels of the sample row a reader takes: the strip and the probe pixel. */
export const READ_WIDTH = PROBE_X + 1;

/** The probe pixel as 0xRRGGBB from a row starting at the strip's left edge (RGBA, or BGRA/BGRX when `bgr`). */
export function probeRgb(row: ArrayLike<number>, offset = 0, bgr = false): number {
  const i = offset + PROBE_X * 4;
  const r = row[bgr ? i + 2 : i] ?? 0;
  const g = row[i + 1] ?? 0;
  const b = row[bgr ? i : i + 2] ?? 0;
  return (r << 16) | (g << 8) | b;
}

/**
 * Decodes the frame number from a row of pixels starting at the strip's left edge (`offset` is the byte index of
 * that pixel, `bytesPerPixel` 4 for RGBA/BGRA/BGRX; the three colour bytes are summed, so channel order does not
 * matter). Returns -1 when the row is not a valid strip.
 */
export function decodeStripRow(row: ArrayLike<number>, offset = 0, bytesPerPixel = 4): number {
  const white = (block: number): boolean | undefined => {
    const i = offset + (block * STRIP_BLOCK + STRIP_BLOCK / 2) * bytesPerPixel;
    if (i + 2 >= row.length) return undefined;
    return (row[i] ?? 0) + (row[i + 1] ?? 0) + (row[i + 2] ?? 0) > 384;
  };
  for (let b = 0; b < STRIP_MARKER; b++) if (white(b) !== (b % 2 === 0)) return -1;
  let value = 0;
  for (let i = 0; i < STRIP_BITS; i++) {
    const bit = white(STRIP_MARKER + i);
    const inverted = white(STRIP_MARKER + STRIP_BITS + i);
    if (bit === undefined || inverted === undefined || bit === inverted) return -1;
    value = value * 2 + (bit ? 1 : 0);
  }
  return value;
}

/** Paints the strip for `frame` into an RGBA buffer of `width` pixels per row (for tests and self-checks). */
export function paintStrip(rgba: Uint8Array | Uint8ClampedArray, width: number, frame: number): void {
  for (let b = 0; b < STRIP_BLOCKS; b++) {
    let on: boolean;
    if (b < STRIP_MARKER) on = b % 2 === 0;
    else {
      const i = b - STRIP_MARKER;
      const bit = STRIP_BITS - 1 - (i % STRIP_BITS);
      const one = Math.floor(frame / 2 ** bit) % 2 === 1;
      on = i < STRIP_BITS ? one : !one;
    }
    const v = on ? 255 : 0;
    for (let y = 0; y < STRIP_HEIGHT; y++) {
      for (let x = 0; x < STRIP_BLOCK; x++) {
        const p = (y * width + b * STRIP_BLOCK + x) * 4;
        rgba[p] = v;
        rgba[p + 1] = v;
        rgba[p + 2] = v;
        rgba[p + 3] = 255;
      }
    }
  }
}
