// PCM → Opus in plain Node for the record channel: the `opusscript` package (libopus 1.4 compiled to
// WebAssembly, created synchronously). Used when the microphone source gives PCM and the server accepts Opus;
// the renderer will encode with WebCodecs AudioEncoder instead.
import OpusScript from 'opusscript';
import type { OpusEncoderFactory, OpusFrameEncoder } from '../spice/audio/audio-adapters';

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** OPUS_APPLICATION_AUDIO, as spice-gtk and spice-server create their encoders (common snd_codec.c). */
export const createOpusEncoder: OpusEncoderFactory = (sampleRate, channels): OpusFrameEncoder => {
  if (![8000, 12000, 16000, 24000, 48000].includes(sampleRate))
    throw new Error(`Opus does not encode at ${sampleRate} Hz`);
  const encoder = new OpusScript(sampleRate as OpusRate, channels, OpusScript.Application.AUDIO);
  let freed = false;
  return {
    encode(pcm) {
      if (freed) throw new Error('Opus encoder used after free');
      const frames = pcm.length / channels;
      const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      return encoder.encode(bytes, frames); // a copy out of the WebAssembly heap
    },
    free() {
      if (freed) return;
      freed = true;
      encoder.delete();
    },
  };
};
