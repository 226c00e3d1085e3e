// The uniform contract of every image decoder (compressed image → pixels). Decoders are pure functions
// over typed arrays: no DOM, no Electron, no module state. They throw ProtocolError on malformed input.

/** Decoded pixels: RGBA8888 (bytes R, G, B, A — a canvas ImageData layout), rows top-down, tightly packed. */
export interface DecodedImage {
  width: number;
  height: number;
  /** width * height * 4 bytes. */
  pixels: Uint8Array;
  /** True when the alpha bytes carry real alpha (RGBA / A8 / JPEG_ALPHA); otherwise every alpha byte is 255. */
  hasAlpha: boolean;
}

/** Largest image a decoder will allocate for (pixels). Larger declared sizes are rejected, not allocated. */
export const MAX_IMAGE_PIXELS = 16384 * 16384;

/** A palette as SPICE sends it: xRGB u32 entries (little-endian 0x00RRGGBB). */
export type SpicePaletteEntries = Uint32Array;
