// The playback channel: the VM's sound. MODE (raw S16LE or Opus), START (channels, rate, mm-time), DATA with
// its mm-time, STOP, VOLUME, MUTE and LATENCY go to an injected PlaybackSink (the channel never decodes). Every
// frame is checked first (whole samples; a well-formed Opus packet of a known duration), so a sink only sees
// usable data. While sound plays, the session clock follows the sound: mm-time = last DATA time − the sink's
// delay (spice-gtk channel-playback.c `spice_playback_channel_set_delay`), and that delay is what the display
// channel reports as STREAM_REPORT audio_delay. Errors (DATA before START, a malformed frame, a sink failure)
// are errors of this channel only: the first of each stream is reported, later ones are counted.
import { parseOpusPacket } from '../audio/opus-packet';
import type { PlaybackFormat, PlaybackSink } from '../audio/audio-adapters';
import {
  decodeSpiceMsgAudioMute,
  decodeSpiceMsgAudioVolume,
  decodeSpiceMsgPlaybackLatency,
  decodeSpiceMsgPlaybackMode,
  decodeSpiceMsgPlaybackPacket,
  decodeSpiceMsgPlaybackStart,
} from '../codecs/audio';
import { ProtocolError, SpiceError, errorMessage } from '../errors';
import { mmTimeDiff, type MultimediaClock } from '../multimedia-clock';
import * as E from '../protocol/enums';
import {
  SPICE_PLAYBACK_CAP_LATENCY,
  SPICE_PLAYBACK_CAP_OPUS,
  SPICE_PLAYBACK_CAP_VOLUME,
} from '../protocol/protocol';
import type { SessionFeature } from '../session-feature';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';

/** Opus sample rates (common snd_codec.c `snd_codec_is_capable`). */
export const OPUS_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
/** Bounds for a raw stream the sink is asked to play (spice-server sends 2 × 48000). */
const MAX_CHANNELS = 8;
const MIN_SAMPLE_RATE = 4000;
const MAX_SAMPLE_RATE = 192_000;
/** A raw DATA larger than this much audio is refused (spice-server sends 10 ms). */
const MAX_FRAME_MS = 1000;
/** A LATENCY beyond this is clamped (a jitter buffer sized from it must stay bounded). */
export const MAX_PLAYBACK_LATENCY_MS = 10_000;
/** The clock follows the sound every this many frames (~100 ms of 10 ms frames). */
const CLOCK_SYNC_EVERY_FRAMES = 10;

export interface PlaybackChannelOptions {
  sink: PlaybackSink;
  clock: MultimediaClock;
}

export interface PlaybackStats {
  /** Streams started (PLAYBACK_START accepted). */
  streams: number;
  /** Frames handed to the sink, and their samples per channel. */
  frames: number;
  samples: number;
  /** Frames refused (malformed, before START, in an unsupported mode, or rejected by the sink). */
  rejectedFrames: number;
  /** Errors reported on the channel (the first of each stream); the rest were only counted. */
  reportedErrors: number;
}

function modeName(mode: number): string {
  switch (mode) {
    case E.SPICE_AUDIO_DATA_MODE_RAW:
      return 'raw';
    case E.SPICE_AUDIO_DATA_MODE_OPUS:
      return 'Opus';
    case E.SPICE_AUDIO_DATA_MODE_CELT_0_5_1:
      return 'CELT 0.5.1';
    case E.SPICE_AUDIO_DATA_MODE_INVALID:
      return 'invalid (0)';
    default:
      return `unknown (${mode})`;
  }
}

export class PlaybackChannel extends SpiceChannel<E.SpiceMsgPlayback> {
  private readonly sink: PlaybackSink;
  private readonly clock: MultimediaClock;
  /** The mode from the last PLAYBACK_MODE (null: none yet, or one we cannot play). */
  private mode: 'raw' | 'opus' | null = null;
  private format: PlaybackFormat | null = null;
  private lastTimeMs = 0;
  private framesSinceSync = 0;
  /** The current stream (or gap between streams) already reported an error. */
  private faulted = false;
  private sinkClosed = false;
  readonly stats: PlaybackStats = { streams: 0, frames: 0, samples: 0, rejectedFrames: 0, reportedErrors: 0 };
  /** Guest mixer state as last sent by the server. */
  volumeLevels: readonly number[] = [];
  muted = false;
  minLatencyMs = 0;

  constructor(ctx: ChannelContext, options: PlaybackChannelOptions) {
    super(ctx);
    this.sink = options.sink;
    this.clock = options.clock;
  }

  protected override channelCaps(): number[] {
    const caps = [SPICE_PLAYBACK_CAP_VOLUME, SPICE_PLAYBACK_CAP_LATENCY];
    if (this.sink.acceptsOpus) caps.push(SPICE_PLAYBACK_CAP_OPUS);
    return caps;
  }

  /** The stream being played, or null between STOP and START. */
  get activeFormat(): PlaybackFormat | null {
    return this.format;
  }

  /** Reports a bad frame: thrown (→ channel-error) the first time in a stream, counted after that. */
  private reject(message: string, cause?: unknown): void {
    this.stats.rejectedFrames++;
    if (this.faulted) return;
    this.faulted = true;
    this.stats.reportedErrors++;
    throw new ProtocolError(message, cause === undefined ? undefined : { cause });
  }

  private startStream(format: PlaybackFormat): void {
    this.format = format;
    this.faulted = false;
    this.framesSinceSync = 0;
    this.lastTimeMs = format.startTimeMs;
    this.stats.streams++;
    this.sink.start(format);
  }

  private stopStream(): void {
    if (!this.format) return;
    this.format = null;
    this.faulted = false;
    this.clock.setAudioDelay(null);
    this.sink.stop();
  }

  private syncClock(): void {
    const delayMs = Math.max(0, Math.min(this.sink.delayMs?.() ?? 0, MAX_PLAYBACK_LATENCY_MS));
    this.clock.setAudioDelay(delayMs);
    this.clock.sync((this.lastTimeMs - Math.round(delayMs)) >>> 0, 'playback');
  }

  protected readonly handlers: Record<E.SpiceMsgPlayback, MessageHandler> = {
    [E.SPICE_MSG_PLAYBACK_MODE]: (r) => {
      const msg = decodeSpiceMsgPlaybackMode(r);
      const mode =
        msg.mode === E.SPICE_AUDIO_DATA_MODE_RAW
          ? 'raw'
          : msg.mode === E.SPICE_AUDIO_DATA_MODE_OPUS && this.sink.acceptsOpus
            ? 'opus'
            : null;
      this.log.debug('playback mode', { mode: modeName(msg.mode) });
      if (!mode) {
        this.unsupported(
          `playback mode ${modeName(msg.mode)}: only raw PCM${this.sink.acceptsOpus ? ' and Opus are' : ' is'} played; this stream stays silent`,
        );
      }
      const previous = this.mode;
      this.mode = mode;
      // A mode change inside a stream restarts it in the new mode (the sink must switch decoders).
      if (this.format && previous !== mode) {
        const format = this.format;
        this.stopStream();
        if (mode) this.startStream({ ...format, mode });
      }
    },
    [E.SPICE_MSG_PLAYBACK_START]: (r) => {
      const msg = decodeSpiceMsgPlaybackStart(r);
      this.stopStream();
      this.faulted = false;
      if (!this.mode) {
        this.reject('PLAYBACK_START without a playable PLAYBACK_MODE');
        return;
      }
      if (msg.format !== E.SPICE_AUDIO_FMT_S16) {
        this.unsupported(`playback sample format ${msg.format} (only S16 is defined)`);
        return;
      }
      if (msg.channels < 1 || msg.channels > MAX_CHANNELS)
        throw new ProtocolError(`PLAYBACK_START with ${msg.channels} channels`);
      if (msg.frequency < MIN_SAMPLE_RATE || msg.frequency > MAX_SAMPLE_RATE)
        throw new ProtocolError(`PLAYBACK_START at ${msg.frequency} Hz`);
      if (this.mode === 'opus' && (!OPUS_SAMPLE_RATES.includes(msg.frequency) || msg.channels !== 2)) {
        throw new ProtocolError(
          `Opus playback at ${msg.frequency} Hz with ${msg.channels} channels (SPICE Opus is stereo at an Opus rate)`,
        );
      }
      this.startStream({
        mode: this.mode,
        channels: msg.channels,
        sampleRate: msg.frequency,
        startTimeMs: msg.time,
      });
    },
    [E.SPICE_MSG_PLAYBACK_DATA]: (r) => {
      const packet = decodeSpiceMsgPlaybackPacket(r);
      const format = this.format;
      if (!format) {
        this.reject(
          this.mode === null && this.stats.streams === 0
            ? 'PLAYBACK_DATA before PLAYBACK_MODE/START'
            : 'PLAYBACK_DATA outside a stream (before PLAYBACK_START)',
        );
        return;
      }
      let samples: number;
      if (format.mode === 'raw') {
        const frameBytes = format.channels * 2;
        if (packet.data.length % frameBytes !== 0) {
          this.reject(
            `raw PLAYBACK_DATA of ${packet.data.length} bytes is not whole ${format.channels}-channel samples`,
          );
          return;
        }
        samples = packet.data.length / frameBytes;
        if (samples > (format.sampleRate * MAX_FRAME_MS) / 1000) {
          this.reject(`raw PLAYBACK_DATA of ${samples} samples (more than ${MAX_FRAME_MS} ms)`);
          return;
        }
        if (samples === 0) return;
      } else {
        try {
          samples = (parseOpusPacket(packet.data).samples48k * format.sampleRate) / 48000;
        } catch (e) {
          this.reject(`malformed Opus frame: ${errorMessage(e)}`, e);
          return;
        }
      }
      if (mmTimeDiff(packet.time, this.lastTimeMs) < 0)
        this.log.debug('playback time went backwards', { from: this.lastTimeMs, to: packet.time });
      this.lastTimeMs = packet.time;
      try {
        this.sink.data({ mode: format.mode, timeMs: packet.time, samples, data: packet.data });
      } catch (e) {
        if (e instanceof SpiceError) this.reject(e.message, e);
        else this.reject(`the playback output refused a frame: ${errorMessage(e)}`, e);
        return;
      }
      this.stats.frames++;
      this.stats.samples += samples;
      if (this.framesSinceSync++ % CLOCK_SYNC_EVERY_FRAMES === 0) this.syncClock();
    },
    [E.SPICE_MSG_PLAYBACK_STOP]: () => this.stopStream(),
    [E.SPICE_MSG_PLAYBACK_VOLUME]: (r) => {
      this.volumeLevels = decodeSpiceMsgAudioVolume(r).volume;
      this.sink.volume(this.volumeLevels);
    },
    [E.SPICE_MSG_PLAYBACK_MUTE]: (r) => {
      this.muted = decodeSpiceMsgAudioMute(r);
      this.sink.mute(this.muted);
    },
    [E.SPICE_MSG_PLAYBACK_LATENCY]: (r) => {
      const latency = decodeSpiceMsgPlaybackLatency(r);
      if (latency > MAX_PLAYBACK_LATENCY_MS)
        this.log.warn(`server asked for ${latency} ms of playback latency; using ${MAX_PLAYBACK_LATENCY_MS}`);
      this.minLatencyMs = Math.min(latency, MAX_PLAYBACK_LATENCY_MS);
      this.sink.latency(this.minLatencyMs);
    },
  };

  protected override onClose(): void {
    if (this.sinkClosed) return;
    this.sinkClosed = true;
    this.clock.setAudioDelay(null);
    this.format = null;
    this.sink.close();
  }
}

/** The playback channel as a session feature: plays into `sink`, timed by the session's clock. */
export function playbackFeature(sink: PlaybackSink): SessionFeature {
  return {
    name: 'playback',
    channels: new Map([
      [E.SPICE_CHANNEL_PLAYBACK, (ctx, session) => new PlaybackChannel(ctx, { sink, clock: session.clock })],
    ]),
  };
}
