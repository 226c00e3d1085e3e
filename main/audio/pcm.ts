// Small PCM helpers shared by the Node audio adapters: S16 views of received bytes, float → S16, and the
// guest mixer's volume/mute applied to interleaved samples.

/** An Int16Array over S16LE bytes (copied only when the view is not 2-byte aligned). Little-endian host. */
export function s16View(bytes: Uint8Array): Int16Array {
  if (bytes.byteOffset % 2 === 0)
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  return new Int16Array(bytes.slice().buffer, 0, bytes.byteLength >> 1);
}

/** The bytes of an Int16Array (a view, no copy). */
export function s16Bytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Interleaves planar float channels (−1..1) into S16, clamping. */
export function interleaveFloatToS16(channels: readonly Float32Array[], frames: number): Int16Array {
  const count = channels.length;
  const out = new Int16Array(frames * count);
  for (let c = 0; c < count; c++) {
    const plane = channels[c]!;
    for (let i = 0, o = c; i < frames; i++, o += count) {
      const v = Math.round(plane[i]! * 32768);
      out[o] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }
  return out;
}

/** Linear gain of a SPICE volume level (0..65535; QEMU sends its 0..255 guest volume × 257). */
export function volumeGain(level: number): number {
  return Math.max(0, Math.min(level, 65535)) / 65535;
}

/**
 * Interleaved S16 with a per-channel gain applied (a new array; `gains[c]` for channel c, the last gain for
 * any channel beyond). All-unity gains return `samples` itself.
 */
export function applyGains(samples: Int16Array, channels: number, gains: readonly number[]): Int16Array {
  if (gains.length === 0 || gains.every((g) => g === 1)) return samples;
  const out = new Int16Array(samples.length);
  for (let c = 0; c < channels; c++) {
    const g = gains[Math.min(c, gains.length - 1)]!;
    for (let i = c; i < samples.length; i += channels) out[i] = Math.round(samples[i]! * g);
  }
  return out;
}
