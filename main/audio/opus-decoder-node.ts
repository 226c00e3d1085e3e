// Opus → PCM in plain Node: the `opus-decoder` package (libopus compiled to WebAssembly, one instance and one
// linear memory per decoder), chosen by measurement (README "Dependency notes", `npm run bench:audio`). The
// playback channel has already checked each packet's structure (main/spice/audio/opus-packet.ts). Random
// well-formed packets can still make this libopus build trap ("divide by zero", ~3 % of random packets in
// our fuzzing; real encoders never produce them): a trap is contained in the WebAssembly instance, thrown
// here as an error, and the decoder is marked `broken` so its owner replaces it with a fresh one.
import { OpusDecoder } from 'opus-decoder';
import { interleaveFloatToS16 } from './pcm';

/** The package copies each packet into a fixed WebAssembly buffer of 32000 × 0.12 bytes per channel. */
const MAX_PACKET_BYTES = 7680;

export interface OpusPcmDecoder {
  readonly sampleRate: number;
  readonly channels: number;
  /** One raw Opus packet → S16 interleaved samples. Throws on a packet libopus rejects. */
  decode(packet: Uint8Array): Int16Array;
  /** True after the decoder trapped: its state is undefined, make a new one. */
  readonly broken: boolean;
  free(): void;
}

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** A ready decoder (the WebAssembly module is compiled and instantiated before this resolves). */
export async function createOpusDecoder(sampleRate: number, channels: number): Promise<OpusPcmDecoder> {
  if (![8000, 12000, 16000, 24000, 48000].includes(sampleRate))
    throw new Error(`Opus does not decode at ${sampleRate} Hz`);
  if (channels !== 1 && channels !== 2) throw new Error(`Opus decoding to ${channels} channels`);
  const decoder = new OpusDecoder({ sampleRate: sampleRate as OpusRate, channels });
  await decoder.ready;
  let freed = false;
  let broken = false;
  return {
    sampleRate,
    channels,
    get broken() {
      return broken;
    },
    decode(packet) {
      if (freed || broken) throw new Error('Opus decoder used after free or after a trap');
      if (packet.length === 0 || packet.length > MAX_PACKET_BYTES)
        throw new Error(`Opus packet of ${packet.length} bytes (1..${MAX_PACKET_BYTES})`);
      let out;
      try {
        out = decoder.decodeFrame(packet);
      } catch (e) {
        broken = true;
        throw new Error(`the Opus decoder trapped on a ${packet.length}-byte packet (${String(e)})`);
      }
      const error = out.errors[0];
      if (error) throw new Error(`Opus decoder: ${error.message}`);
      return interleaveFloatToS16(out.channelData.slice(0, channels), out.samplesDecoded);
    },
    free() {
      if (freed) return;
      freed = true;
      try {
        decoder.free();
      } catch {
        // a trapped instance may fail to free; it is dropped either way
      }
    },
  };
}
