// The audio family of the per-session contract (session-contract.ts): the VM's sound to one page's AudioWorklet,
// the microphone back, and the user's sound controls. One view — the session's *audio output*, chosen by the
// session process among the views that offered themselves with `audioOutput` — receives the stream and captures
// the microphone; every view receives `audio-state` (for its controls). Guards in audio-guards.ts; the bulk
// messages (`audio-frame`, `recordData`) travel as data frames on a WebSocket (data-frame.ts). Plain data only.

/** How samples travel to and from the page: S16LE interleaved PCM, or one raw Opus packet per frame. */
export const AUDIO_CODECS = ['pcm', 'opus'] as const;
export type AudioCodec = (typeof AUDIO_CODECS)[number];

/** Bounds shared by the guards, the bridge and the page. */
export const AUDIO_LIMITS = {
  maxChannels: 8,
  minSampleRate: 4000,
  maxSampleRate: 192_000,
  /** Largest frame payload (1 s of 8-channel S16 at 192 kHz is 3 MB; SPICE sends 10 ms). */
  maxFrameBytes: 1 << 22,
  /** Largest microphone payload in one request (≥ 100 ms of 48 kHz stereo S16). */
  maxRecordBytes: 1 << 16,
  /** The server may ask for up to this much buffering (the playback channel clamps LATENCY to it). */
  maxLatencyMs: 10_000,
  /** Longest microphone error text. */
  maxMessageLength: 512,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Requests (view → session)

/** The page can play sound (it has an AudioWorklet): it offers itself as the session's audio output. */
export interface AudioOutputRequest {
  /** WebCodecs AudioDecoder decodes Opus (48 kHz stereo) here: Opus frames are passed through undecoded. */
  opusDecoder: boolean;
  /** WebCodecs AudioEncoder encodes Opus here (the microphone, when Opus recording is on). */
  opusEncoder: boolean;
  /** navigator.mediaDevices.getUserMedia exists (a secure context). */
  microphone: boolean;
}

/**
 * The output page's playback report (about every 100 ms while a stream plays): what it holds and how late the
 * device plays it. The session answers the playback sink's `delayMs()` from the last one.
 */
export interface AudioReportRequest {
  /** The stream this report is about (`audio-start`'s). */
  stream: number;
  /** Milliseconds of audio of this stream the worklet has received so far (sum of frame durations). */
  receivedMs: number;
  /** Milliseconds buffered in the worklet, not yet played. */
  bufferedMs: number;
  /** AudioContext outputLatency + baseLatency, in ms. */
  outputLatencyMs: number;
  /** Times the buffer ran dry, and times it was cut back because it held too much (this stream). */
  underruns: number;
  overruns: number;
}

/** The user's sound controls (menus, the page's volume and microphone controls). At least one field. */
export interface AudioSettingsRequest {
  /** 0..100 (the gain is (volume / 100)², a perceptual curve). */
  volume?: number;
  muted?: boolean;
  /** Let the VM hear the microphone (off by default; the browser asks for permission at first use). */
  micEnabled?: boolean;
  micMuted?: boolean;
  /** Chromium's echo cancellation, noise suppression and gain control on the microphone (default on). */
  micProcessing?: boolean;
  /** Send the microphone as Opus when the server accepts it (from the next connection; default raw PCM). */
  micOpus?: boolean;
}

/** Microphone samples for the record stream `stream` (`audio-record-start`'s), at its format. */
export interface RecordDataRequest {
  stream: number;
  /** 'pcm': S16LE interleaved, whole samples for every channel; 'opus': one packet of `frameSamples`. */
  codec: AudioCodec;
  data: Uint8Array;
}

/** What became of the microphone the session asked for (permission refused, no device, …). */
export interface RecordStatusRequest {
  stream: number;
  state: 'capturing' | 'denied' | 'unavailable' | 'error';
  /** The browser's reason, for the user. */
  message?: string;
}

export interface AudioRequestMap {
  audioOutput: AudioOutputRequest;
  audioReport: AudioReportRequest;
  audioSettings: AudioSettingsRequest;
  recordData: RecordDataRequest;
  recordStatus: RecordStatusRequest;
}

/** Requests that travel as data frames on a WebSocket (port-codec.ts; their bytes in `data`). */
export const AUDIO_DATA_REQUEST_METHODS = ['recordData'] as const;

export const AUDIO_REQUEST_METHODS = [
  'audioOutput',
  'audioReport',
  'audioSettings',
  'recordData',
  'recordStatus',
] as const satisfies readonly (keyof AudioRequestMap)[];

// ---------------------------------------------------------------------------------------------------------
// Messages (session → view)

export type MicrophoneStatus = 'off' | 'waiting' | 'capturing' | 'denied' | 'unavailable' | 'error';

/** The session's sound, for every view's controls (sent on attach and whenever it changes). */
export interface AudioStateMessage {
  kind: 'audio-state';
  /** This view is the audio output: it plays the sound and captures the microphone. */
  output: boolean;
  /** 'none': this session has no playback channel (not connected, disabled, or the VM has no sound card). */
  playback: 'none' | 'idle' | 'playing';
  /** 'none': no record channel (also when the connection file's disable-channels lists it). */
  record: 'none' | 'idle' | 'recording';
  volume: number;
  muted: boolean;
  /** The guest's own mixer mute (PLAYBACK_MUTE). */
  guestMuted: boolean;
  micEnabled: boolean;
  micMuted: boolean;
  micProcessing: boolean;
  micOpus: boolean;
  /** 'waiting': enabled, the VM is not recording; 'capturing': the page sends the microphone. */
  micStatus: MicrophoneStatus;
  /** Why the microphone is not capturing ('denied', 'unavailable', 'error'), from the page. */
  micMessage?: string;
}

/** A playback stream starts at the output view: frames of `stream` follow. */
export interface AudioStartMessage {
  kind: 'audio-start';
  stream: number;
  /** 'opus' only at 48 kHz stereo and when the view said it decodes Opus; otherwise S16 PCM. */
  codec: AudioCodec;
  channels: number;
  sampleRate: number;
  /** The server's minimum buffering (PLAYBACK_LATENCY; 0 when it asked for none). */
  minLatencyMs: number;
}

/** One frame of `stream` (a data frame on a WebSocket). */
export interface AudioFrameMessage {
  kind: 'audio-frame';
  stream: number;
  /** Server multimedia time of the first sample (ms, u32, wraps). */
  timeMs: number;
  /** Samples per channel. */
  samples: number;
  /**
   * The session process's monotonic clock when the frame was sent (ms, fractional): lets the page relate its own
   * clock to the server's multimedia time (on one machine both are CLOCK_MONOTONIC) to measure latency.
   */
  sentAtMs: number;
  /** S16LE interleaved (`samples` × channels × 2 bytes) or one Opus packet. */
  data: Uint8Array;
}

export interface AudioStopMessage {
  kind: 'audio-stop';
  stream: number;
}

/** Linear gain per stream channel (0..1): guest mixer volume × guest mute × the user's volume and mute. */
export interface AudioGainMessage {
  kind: 'audio-gain';
  gains: number[];
}

/** The server records and the user enabled the microphone: capture it at this format for `stream`. */
export interface RecordStartMessage {
  kind: 'record-start';
  stream: number;
  /** 'opus' only when the view encodes Opus itself (otherwise the session encodes, if Opus is on at all). */
  codec: AudioCodec;
  channels: number;
  sampleRate: number;
  /** Samples per channel of each Opus packet (480 = 10 ms at 48 kHz); PCM may come in any size. */
  frameSamples: number;
  /** Chromium's echo cancellation / noise suppression / gain control. */
  processing: boolean;
}

export interface RecordStopMessage {
  kind: 'record-stop';
  stream: number;
}

export interface AudioMessages {
  'audio-state': AudioStateMessage;
  'audio-start': AudioStartMessage;
  'audio-frame': AudioFrameMessage;
  'audio-stop': AudioStopMessage;
  'audio-gain': AudioGainMessage;
  'record-start': RecordStartMessage;
  'record-stop': RecordStopMessage;
}
