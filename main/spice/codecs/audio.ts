// Playback and record channel messages (spice.proto "channel PlaybackChannel" / "channel RecordChannel",
// AudioVolume, AudioMute): server messages → typed structs, client messages → bytes. `data` fields run to the
// end of the message (REFERENCES G10, G30) and are views into the message, valid only while it is handled.
import { ProtocolError } from '../errors';
import type { SpiceReader } from '../wire/reader';
import { SpiceWriter } from '../wire/writer';

/** SPICE_MSG_PLAYBACK_DATA (SpiceMsgPlaybackPacket). */
export interface SpiceMsgPlaybackPacket {
  /** Server multimedia time (ms, u32, wraps) when the guest produced the samples. */
  time: number;
  data: Uint8Array;
}

/** SPICE_MSG_PLAYBACK_MODE (SpiceMsgPlaybackMode). */
export interface SpiceMsgPlaybackMode {
  time: number;
  /** SPICE_AUDIO_DATA_MODE_*. */
  mode: number;
  data: Uint8Array;
}

/** SPICE_MSG_PLAYBACK_START. */
export interface SpiceMsgPlaybackStart {
  channels: number;
  /** SPICE_AUDIO_FMT_*. */
  format: number;
  frequency: number;
  time: number;
}

/** SPICE_MSG_RECORD_START. */
export interface SpiceMsgRecordStart {
  channels: number;
  format: number;
  frequency: number;
}

/** SPICE_MSG_{PLAYBACK,RECORD}_VOLUME (AudioVolume): one u16 level per channel, 0..65535. */
export interface SpiceMsgAudioVolume {
  volume: number[];
}

export function decodeSpiceMsgPlaybackPacket(r: SpiceReader): SpiceMsgPlaybackPacket {
  return { time: r.u32(), data: r.rest() };
}

export function decodeSpiceMsgPlaybackMode(r: SpiceReader): SpiceMsgPlaybackMode {
  return { time: r.u32(), mode: r.u16(), data: r.rest() };
}

export function decodeSpiceMsgPlaybackStart(r: SpiceReader): SpiceMsgPlaybackStart {
  return { channels: r.u32(), format: r.u16(), frequency: r.u32(), time: r.u32() };
}

export function decodeSpiceMsgRecordStart(r: SpiceReader): SpiceMsgRecordStart {
  return { channels: r.u32(), format: r.u16(), frequency: r.u32() };
}

export function decodeSpiceMsgAudioVolume(r: SpiceReader): SpiceMsgAudioVolume {
  const count = r.count(r.u8(), 2, 'audio volume');
  if (count === 0) throw new ProtocolError('audio volume for 0 channels');
  const volume: number[] = [];
  for (let i = 0; i < count; i++) volume.push(r.u16());
  return { volume };
}

/** SPICE_MSG_{PLAYBACK,RECORD}_MUTE (AudioMute): u8, non-zero = muted. */
export function decodeSpiceMsgAudioMute(r: SpiceReader): boolean {
  return r.u8() !== 0;
}

/** SPICE_MSG_PLAYBACK_LATENCY: the minimum playback buffering the server asks for. */
export function decodeSpiceMsgPlaybackLatency(r: SpiceReader): number {
  return r.u32();
}

/** SPICE_MSGC_RECORD_MODE: u32 time, u16 mode, data[] (empty: no codec parameters). */
export function encodeSpiceMsgcRecordMode(time: number, mode: number): SpiceWriter {
  return new SpiceWriter(6).u32(time >>> 0).u16(mode);
}

/** SPICE_MSGC_RECORD_START_MARK: u32 time. */
export function encodeSpiceMsgcRecordStartMark(time: number): SpiceWriter {
  return new SpiceWriter(4).u32(time >>> 0);
}

/** SPICE_MSGC_RECORD_DATA: u32 time, then the samples (raw S16LE) or one Opus packet to the end. */
export function encodeSpiceMsgcRecordData(time: number, data: Uint8Array): SpiceWriter {
  return new SpiceWriter(4 + data.length).u32(time >>> 0).bytes(data);
}
