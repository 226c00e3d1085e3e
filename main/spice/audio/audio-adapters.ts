// The seams between the sound channels and whatever plays or captures the sound. The core defines them; the
// CLI supplies a WAV writer (main/audio), the app and `saffron web` an audio bridge to an AudioWorklet and the
// microphone, tests fakes. Plain data only: a bridge can forward every call over a MessagePort or a socket.

/** The server's playback stream format (PLAYBACK_MODE + PLAYBACK_START). */
export interface PlaybackFormat {
  /** 'raw': S16LE interleaved PCM; 'opus': one raw Opus packet per frame (48 kHz stereo, usually 10 ms). */
  mode: 'raw' | 'opus';
  channels: number;
  /** Samples per second per channel. */
  sampleRate: number;
  /** Server multimedia time of the start (ms, u32). */
  startTimeMs: number;
}

/** One PLAYBACK_DATA, checked: raw data is whole samples for every channel; an Opus packet is well formed. */
export interface PlaybackFrame {
  mode: 'raw' | 'opus';
  /** Server multimedia time of the first sample (ms, u32, wraps). */
  timeMs: number;
  /** Samples per channel the frame holds (for Opus: from the packet's TOC, at `sampleRate`). */
  samples: number;
  /**
   * S16LE interleaved (raw) or one Opus packet. A view into the received message: valid only during the
   * call — copy it to keep it.
   */
  data: Uint8Array;
}

/** Where the VM's sound goes. Every method is called on the session's thread, in message order. */
export interface PlaybackSink {
  /** True if `data` accepts Opus frames (decoding them itself): the channel then offers PLAYBACK_CAP_OPUS. */
  readonly acceptsOpus: boolean;
  /** A stream starts (again). Always before any `data` of that stream. */
  start(format: PlaybackFormat): void;
  /**
   * One frame, to be played `timeMs` on the session clock (plus the latency). May throw when the frame cannot
   * be used (e.g. the decoder rejects it): that is reported as an error of the playback channel only.
   */
  data(frame: PlaybackFrame): void;
  /** The stream stopped (the guest closed its output); play out or drop what is buffered. */
  stop(): void;
  /** Guest mixer levels, one per channel, 0..65535 (linear: 65535 = unchanged). */
  volume(levels: readonly number[]): void;
  mute(muted: boolean): void;
  /** PLAYBACK_LATENCY: the server wants at least this much buffering (ms) so sound matches delayed video. */
  latency(minLatencyMs: number): void;
  /**
   * How long (ms) until the first sample of the newest frame handed to `data` is heard: audio buffered ahead
   * of it plus the output's own latency. Asked every few frames; the session clock is then set to that frame's
   * time minus this delay (spice-gtk `spice_playback_channel_set_delay`), so mm-time is the instant being
   * heard. Omitted: 0 (the sink consumes frames as they come, e.g. a file).
   */
  delayMs?(): number;
  /** The channel closed: release everything. */
  close(): void;
}

/** The server's record stream format (RECORD_START) and the mode the channel chose. */
export interface RecordFormat {
  /** 'opus' only when asked for, the server offers RECORD_CAP_OPUS at an Opus rate and an encoder exists. */
  mode: 'raw' | 'opus';
  channels: number;
  sampleRate: number;
  /** Samples per channel in each frame the channel sends (raw 256; Opus 480 = 10 ms at 48 kHz). */
  frameSamples: number;
}

/** What a record source writes to while the server records. */
export interface RecordWriter {
  /** S16 interleaved PCM at the record format (any length; the channel cuts it into frames). */
  pcm(samples: Int16Array): void;
  /**
   * One Opus packet of `frameSamples` per channel (only when the format's mode is 'opus' and the source
   * encodes itself, e.g. WebCodecs AudioEncoder in the renderer). Throws on a malformed packet.
   */
  opus(packet: Uint8Array): void;
}

/** The microphone (or a test tone). Off until the server sends RECORD_START. */
export interface RecordSource {
  /** True if the source delivers Opus itself through `writer.opus` when the mode is 'opus'. */
  readonly producesOpus: boolean;
  /** The server wants audio now: deliver it through `writer` until `stop`. */
  start(format: RecordFormat, writer: RecordWriter): void;
  stop(): void;
  /** Guest capture levels and mute (informational: the server applies them to what it receives). */
  volume?(levels: readonly number[]): void;
  mute?(muted: boolean): void;
  close(): void;
}

/** A PCM encoder the record channel can use when the source gives PCM and the mode is Opus. */
export interface OpusFrameEncoder {
  /** Encodes exactly one frame (frameSamples × channels S16 samples) into one Opus packet. */
  encode(pcm: Int16Array): Uint8Array;
  free(): void;
}

export type OpusEncoderFactory = (sampleRate: number, channels: number) => OpusFrameEncoder;
