// Structural check of one raw Opus packet (RFC 6716 §3: the TOC byte, frame packing codes 0-3, padding and
// the rules R1-R7) before any decoder sees it. A server is untrusted: a packet that breaks these rules is
// refused here with a precise reason, so a decoder (WebAssembly in Node, WebCodecs in the renderer) only ever
// gets packets of a known duration, and an empty packet cannot stand for 120 ms of concealment.
import { ProtocolError } from '../errors';

/** RFC 6716 R2: no frame is longer than 1275 bytes. */
const MAX_FRAME_BYTES = 1275;
/** RFC 6716 R5: a packet holds at most 120 ms of audio (5760 samples at 48 kHz). */
const MAX_PACKET_SAMPLES_48K = 5760;

export interface OpusPacketInfo {
  /** Number of Opus frames in the packet (1-48). */
  frames: number;
  /** Samples per channel of each frame at 48 kHz (120 = 2.5 ms … 2880 = 60 ms). */
  frameSamples48k: number;
  /** Samples per channel of the whole packet at 48 kHz. */
  samples48k: number;
  /** The TOC's stereo flag. */
  stereo: boolean;
}

/** Samples per frame at 48 kHz for each of the 32 TOC configurations (RFC 6716 Table 2). */
function frameSamplesOf(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config % 4]!; // SILK-only NB/MB/WB: 10/20/40/60 ms
  if (config < 16) return [480, 960][config % 2]!; // hybrid SWB/FB: 10/20 ms
  return [120, 240, 480, 960][config % 4]!; // CELT-only: 2.5/5/10/20 ms
}

/** Reads a 1- or 2-byte frame length (RFC 6716 §3.2.1). Returns [length, bytes used]. */
function frameLength(packet: Uint8Array, at: number): [number, number] {
  const b0 = packet[at];
  if (b0 === undefined) throw new ProtocolError('Opus packet: frame length missing');
  if (b0 < 252) return [b0, 1];
  const b1 = packet[at + 1];
  if (b1 === undefined) throw new ProtocolError('Opus packet: 2-byte frame length cut short');
  return [b1 * 4 + b0, 2];
}

function checkFrame(bytes: number): void {
  if (bytes > MAX_FRAME_BYTES)
    throw new ProtocolError(`Opus packet: a frame of ${bytes} bytes (at most ${MAX_FRAME_BYTES})`);
}

/** Validates `packet` and describes it; throws ProtocolError naming the broken rule. */
export function parseOpusPacket(packet: Uint8Array): OpusPacketInfo {
  const n = packet.length;
  const toc = packet[0];
  if (toc === undefined) throw new ProtocolError('empty Opus packet');
  const frameSamples48k = frameSamplesOf(toc >> 3);
  const stereo = (toc & 0x04) !== 0;
  const code = toc & 0x03;
  let frames: number;
  switch (code) {
    case 0:
      checkFrame(n - 1);
      frames = 1;
      break;
    case 1:
      if ((n - 1) % 2 !== 0)
        throw new ProtocolError('Opus packet (code 1): odd payload for two equal frames');
      checkFrame((n - 1) / 2);
      frames = 2;
      break;
    case 2: {
      const [first, used] = frameLength(packet, 1);
      const rest = n - 1 - used;
      if (first > rest)
        throw new ProtocolError(`Opus packet (code 2): first frame of ${first} bytes, ${rest} left`);
      checkFrame(first);
      checkFrame(rest - first);
      frames = 2;
      break;
    }
    default: {
      const countByte = packet[1];
      if (countByte === undefined) throw new ProtocolError('Opus packet (code 3): frame count missing');
      const vbr = (countByte & 0x80) !== 0;
      const padded = (countByte & 0x40) !== 0;
      frames = countByte & 0x3f;
      if (frames === 0) throw new ProtocolError('Opus packet (code 3): zero frames');
      if (frames * frameSamples48k > MAX_PACKET_SAMPLES_48K)
        throw new ProtocolError(`Opus packet (code 3): ${frames} frames exceed 120 ms`);
      let at = 2;
      let padding = 0;
      if (padded) {
        for (;;) {
          const p = packet[at++];
          if (p === undefined) throw new ProtocolError('Opus packet (code 3): padding length cut short');
          padding += p === 255 ? 254 : p;
          if (p !== 255) break;
        }
      }
      let payload = n - at - padding;
      if (payload < 0) throw new ProtocolError('Opus packet (code 3): padding longer than the packet');
      if (vbr) {
        for (let i = 0; i < frames - 1; i++) {
          const [len, used] = frameLength(packet, at);
          at += used;
          payload -= used;
          if (len > payload)
            throw new ProtocolError(`Opus packet (code 3): frame of ${len} bytes, ${payload} left`);
          checkFrame(len);
          payload -= len;
        }
        if (payload < 0) throw new ProtocolError('Opus packet (code 3): frame lengths past the end');
        checkFrame(payload);
      } else {
        if (payload % frames !== 0)
          throw new ProtocolError(
            `Opus packet (code 3): ${payload} bytes do not split into ${frames} equal frames`,
          );
        checkFrame(payload / frames);
      }
    }
  }
  return { frames, frameSamples48k, samples48k: frames * frameSamples48k, stereo };
}
