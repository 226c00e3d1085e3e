// Runtime guards of the audio family (audio-contract.ts), spread into contract-guards.ts's tables: exact keys,
// integers in range, finite numbers, byte payloads within their bounds. Typed by the contract, so a member added
// there without a guard here does not compile.
import type { AudioMessages, AudioRequestMap, AudioStateMessage, MicrophoneStatus } from './audio-contract';
import { AUDIO_CODECS, AUDIO_LIMITS } from './audio-contract';
import type { Guard } from './guard-primitives';
import { hasExactKeys, isInt, isOneOf, isRecord, isString } from './guard-primitives';

const U32_MAX = 0xffff_ffff;
/** Milliseconds counted over a session (a u32 wraps after 49 days; reports stay far below). */
const MAX_MS = 2 ** 40;

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStream = (v: unknown): v is number => isInt(v, 1, U32_MAX);
const isCodec = (v: unknown): boolean => isOneOf(AUDIO_CODECS, v);
const isChannels = (v: unknown): v is number => isInt(v, 1, AUDIO_LIMITS.maxChannels);
const isRate = (v: unknown): v is number => isInt(v, AUDIO_LIMITS.minSampleRate, AUDIO_LIMITS.maxSampleRate);

function isFiniteIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

function isBytes(v: unknown, minBytes: number, maxBytes: number): v is Uint8Array {
  return v instanceof Uint8Array && v.byteLength >= minBytes && v.byteLength <= maxBytes;
}

const SETTING_KEYS = ['volume', 'muted', 'micEnabled', 'micMuted', 'micProcessing', 'micOpus'] as const;
const RECORD_STATES = ['capturing', 'denied', 'unavailable', 'error'] as const;
const MIC_STATUSES: readonly MicrophoneStatus[] = [
  'off',
  'waiting',
  'capturing',
  'denied',
  'unavailable',
  'error',
];

function isSettings(v: unknown): v is AudioRequestMap['audioSettings'] {
  if (!isRecord(v) || !hasExactKeys(v, [], SETTING_KEYS) || Object.keys(v).length === 0) return false;
  return (
    (v.volume === undefined || isInt(v.volume, 0, 100)) &&
    [v.muted, v.micEnabled, v.micMuted, v.micProcessing, v.micOpus].every((b) => b === undefined || isBool(b))
  );
}

export const AUDIO_REQUEST_GUARDS: { [M in keyof AudioRequestMap]: Guard<AudioRequestMap[M]> } = {
  audioOutput: (v): v is AudioRequestMap['audioOutput'] =>
    isRecord(v) &&
    hasExactKeys(v, ['opusDecoder', 'opusEncoder', 'microphone']) &&
    isBool(v.opusDecoder) &&
    isBool(v.opusEncoder) &&
    isBool(v.microphone),
  audioReport: (v): v is AudioRequestMap['audioReport'] =>
    isRecord(v) &&
    hasExactKeys(v, ['stream', 'receivedMs', 'bufferedMs', 'outputLatencyMs', 'underruns', 'overruns']) &&
    isStream(v.stream) &&
    isFiniteIn(v.receivedMs, 0, MAX_MS) &&
    isFiniteIn(v.bufferedMs, 0, 60_000) &&
    isFiniteIn(v.outputLatencyMs, 0, 10_000) &&
    isInt(v.underruns, 0, U32_MAX) &&
    isInt(v.overruns, 0, U32_MAX),
  audioSettings: isSettings,
  recordData: (v): v is AudioRequestMap['recordData'] =>
    isRecord(v) &&
    hasExactKeys(v, ['stream', 'codec', 'data']) &&
    isStream(v.stream) &&
    isCodec(v.codec) &&
    isBytes(v.data, 1, AUDIO_LIMITS.maxRecordBytes),
  recordStatus: (v): v is AudioRequestMap['recordStatus'] =>
    isRecord(v) &&
    hasExactKeys(v, ['stream', 'state'], ['message']) &&
    isStream(v.stream) &&
    isOneOf(RECORD_STATES, v.state) &&
    (v.message === undefined || isString(v.message, AUDIO_LIMITS.maxMessageLength)),
};

const STATE_KEYS = [
  'kind',
  'output',
  'playback',
  'record',
  'volume',
  'muted',
  'guestMuted',
  'micEnabled',
  'micMuted',
  'micProcessing',
  'micOpus',
  'micStatus',
] as const;

function isAudioState(v: unknown): v is AudioStateMessage {
  return (
    isRecord(v) &&
    hasExactKeys(v, STATE_KEYS, ['micMessage']) &&
    isBool(v.output) &&
    isOneOf(['none', 'idle', 'playing'], v.playback) &&
    isOneOf(['none', 'idle', 'recording'], v.record) &&
    isInt(v.volume, 0, 100) &&
    [v.muted, v.guestMuted, v.micEnabled, v.micMuted, v.micProcessing, v.micOpus].every(isBool) &&
    isOneOf(MIC_STATUSES, v.micStatus) &&
    (v.micMessage === undefined || isString(v.micMessage, AUDIO_LIMITS.maxMessageLength))
  );
}

export const AUDIO_MESSAGE_GUARDS: { [K in keyof AudioMessages]: Guard<AudioMessages[K]> } = {
  'audio-state': isAudioState,
  'audio-start': (v): v is AudioMessages['audio-start'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'stream', 'codec', 'channels', 'sampleRate', 'minLatencyMs']) &&
    isStream(v.stream) &&
    isCodec(v.codec) &&
    isChannels(v.channels) &&
    isRate(v.sampleRate) &&
    isInt(v.minLatencyMs, 0, AUDIO_LIMITS.maxLatencyMs) &&
    // Opus always travels as SPICE sends it: 48 kHz stereo.
    (v.codec !== 'opus' || (v.channels === 2 && v.sampleRate === 48000)),
  'audio-frame': (v): v is AudioMessages['audio-frame'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'stream', 'timeMs', 'samples', 'sentAtMs', 'data']) &&
    isStream(v.stream) &&
    isInt(v.timeMs, 0, U32_MAX) &&
    isInt(v.samples, 1, AUDIO_LIMITS.maxSampleRate) &&
    isFiniteIn(v.sentAtMs, 0, Number.MAX_SAFE_INTEGER) &&
    isBytes(v.data, 1, AUDIO_LIMITS.maxFrameBytes),
  'audio-stop': (v): v is AudioMessages['audio-stop'] =>
    isRecord(v) && hasExactKeys(v, ['kind', 'stream']) && isStream(v.stream),
  'audio-gain': (v): v is AudioMessages['audio-gain'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'gains']) &&
    Array.isArray(v.gains) &&
    v.gains.length >= 1 &&
    v.gains.length <= AUDIO_LIMITS.maxChannels &&
    v.gains.every((g) => isFiniteIn(g, 0, 1)),
  'record-start': (v): v is AudioMessages['record-start'] =>
    isRecord(v) &&
    hasExactKeys(v, ['kind', 'stream', 'codec', 'channels', 'sampleRate', 'frameSamples', 'processing']) &&
    isStream(v.stream) &&
    isCodec(v.codec) &&
    isInt(v.channels, 1, 2) &&
    isRate(v.sampleRate) &&
    isInt(v.frameSamples, 1, 48_000) &&
    isBool(v.processing),
  'record-stop': (v): v is AudioMessages['record-stop'] =>
    isRecord(v) && hasExactKeys(v, ['kind', 'stream']) && isStream(v.stream),
};
