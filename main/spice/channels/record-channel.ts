// The record channel: the VM's microphone. The server says when to record (RECORD_START with its format, STOP)
// and the guest's capture volume/mute; an injected RecordSource delivers PCM (or Opus it encoded itself) and
// this channel sends it at the server's format: RECORD_MODE and START_MARK before the first frame of each
// recording, then one DATA per frame (gtk channel-record.c; REFERENCES G30). Opus is used only when the server
// offers RECORD_CAP_OPUS, the rate is an Opus rate with two channels, Opus was asked for (`preferOpus`), and
// either the source encodes or an encoder was injected; otherwise raw S16LE.
//
// Frame sizes work around a spice-server bug (sound.cpp `snd_record_handle_write`, 0.15.1 and current
// master): a packet that wraps the end of its 8192-frame record ring has the wrapped part copied from
// `data + now` on a byte pointer, i.e. from the wrong place, so every such packet is garbled. Raw frames of
// 256 samples divide the ring exactly and never wrap (the ring restarts at 0 with every RECORD_START). Opus
// packets decode to 480 samples (the server's decode buffer allows no more, and no Opus frame size divides
// 8192), so about one Opus packet in 17 is damaged by the server: raw is the default, Opus an option for
// thin links.
import type {
  OpusEncoderFactory,
  OpusFrameEncoder,
  RecordFormat,
  RecordSource,
  RecordWriter,
} from '../audio/audio-adapters';
import { parseOpusPacket } from '../audio/opus-packet';
import {
  decodeSpiceMsgAudioMute,
  decodeSpiceMsgAudioVolume,
  decodeSpiceMsgRecordStart,
  encodeSpiceMsgcRecordData,
  encodeSpiceMsgcRecordMode,
  encodeSpiceMsgcRecordStartMark,
} from '../codecs/audio';
import { ProtocolError, errorMessage } from '../errors';
import type { MultimediaClock } from '../multimedia-clock';
import * as E from '../protocol/enums';
import { SPICE_RECORD_CAP_OPUS, SPICE_RECORD_CAP_VOLUME } from '../protocol/protocol';
import type { SessionFeature } from '../session-feature';
import { SpiceChannel, type ChannelContext, type MessageHandler } from './channel';
import { OPUS_SAMPLE_RATES } from './playback-channel';

/** Samples per channel in each raw DATA: divides spice-server's 8192-frame ring (see above). */
export const RECORD_RAW_FRAME_SAMPLES = 256;
/** Samples per channel in each Opus packet (common snd_codec.h SND_CODEC_OPUS_FRAME_SIZE: 10 ms at 48 kHz). */
export const RECORD_OPUS_FRAME_SAMPLES = 480;
const MAX_CHANNELS = 2;
const MIN_SAMPLE_RATE = 4000;
const MAX_SAMPLE_RATE = 192_000;

export interface RecordChannelOptions {
  source: RecordSource;
  clock: MultimediaClock;
  /** Encodes PCM to Opus when the source gives PCM (absent: Opus only if the source encodes itself). */
  opusEncoder?: OpusEncoderFactory;
  /** Send Opus when the server accepts it (default false: raw PCM, exact through spice-server; see above). */
  preferOpus?: boolean;
}

export interface RecordStats {
  /** RECORD_START accepted. */
  recordings: number;
  /** DATA messages sent and their samples per channel. */
  frames: number;
  samples: number;
  /** PCM samples per channel the source delivered while the server was not recording (dropped). */
  droppedSamples: number;
}

export class RecordChannel extends SpiceChannel<E.SpiceMsgRecord> {
  private readonly source: RecordSource;
  private readonly clock: MultimediaClock;
  private readonly encoderFactory: OpusEncoderFactory | undefined;
  private readonly preferOpus: boolean;
  private format: RecordFormat | null = null;
  private encoder: OpusFrameEncoder | null = null;
  /** MODE and START_MARK went out for the current recording. */
  private marked = false;
  /** One frame of interleaved samples being filled, and how many samples it holds. */
  private pending = new Int16Array(0);
  private pendingLength = 0;
  /** Bumped on every START/STOP so a writer from an earlier recording can no longer send. */
  private generation = 0;
  private sourceClosed = false;
  readonly stats: RecordStats = { recordings: 0, frames: 0, samples: 0, droppedSamples: 0 };
  volumeLevels: readonly number[] = [];
  muted = false;

  constructor(ctx: ChannelContext, options: RecordChannelOptions) {
    super(ctx);
    this.source = options.source;
    this.clock = options.clock;
    this.encoderFactory = options.opusEncoder;
    this.preferOpus = options.preferOpus ?? false;
  }

  private get canOpus(): boolean {
    return this.preferOpus && (this.source.producesOpus || this.encoderFactory !== undefined);
  }

  protected override channelCaps(): number[] {
    return this.canOpus ? [SPICE_RECORD_CAP_VOLUME, SPICE_RECORD_CAP_OPUS] : [SPICE_RECORD_CAP_VOLUME];
  }

  /** The recording in progress, or null. */
  get activeFormat(): RecordFormat | null {
    return this.format;
  }

  private endRecording(): void {
    this.generation++;
    this.encoder?.free();
    this.encoder = null;
    this.pendingLength = 0;
    this.marked = false;
    if (!this.format) return;
    this.format = null;
    this.source.stop();
  }

  private chooseMode(channels: number, sampleRate: number): 'raw' | 'opus' {
    const opusPossible =
      this.canOpus &&
      this.hasServerCap(SPICE_RECORD_CAP_OPUS) &&
      channels === 2 &&
      OPUS_SAMPLE_RATES.includes(sampleRate);
    return opusPossible ? 'opus' : 'raw';
  }

  private beginRecording(channels: number, sampleRate: number): void {
    let mode = this.chooseMode(channels, sampleRate);
    if (mode === 'opus' && !this.source.producesOpus) {
      try {
        this.encoder = this.encoderFactory!(sampleRate, channels);
      } catch (e) {
        this.log.warn(`Opus encoder unavailable, recording raw PCM: ${errorMessage(e)}`);
        mode = 'raw';
      }
    }
    const frameSamples = mode === 'opus' ? RECORD_OPUS_FRAME_SAMPLES : RECORD_RAW_FRAME_SAMPLES;
    const format: RecordFormat = { mode, channels, sampleRate, frameSamples };
    this.format = format;
    this.pending = new Int16Array(frameSamples * channels);
    this.pendingLength = 0;
    this.stats.recordings++;
    this.log.debug('record start', { mode, channels, sampleRate });
    this.source.start(format, this.writerFor(this.generation));
  }

  /** A writer bound to one recording: calls after that recording ended are dropped. */
  private writerFor(generation: number): RecordWriter {
    return {
      pcm: (samples) => {
        if (generation !== this.generation || !this.format || !this.isReady) {
          this.stats.droppedSamples += Math.floor(samples.length / Math.max(1, this.format?.channels ?? 2));
          return;
        }
        this.appendPcm(samples);
      },
      opus: (packet) => {
        if (generation !== this.generation || !this.format || !this.isReady) return;
        if (this.format.mode !== 'opus')
          throw new Error('the record stream is raw PCM: deliver samples with pcm()');
        const info = parseOpusPacket(packet);
        if (info.samples48k * this.format.sampleRate !== RECORD_OPUS_FRAME_SAMPLES * 48000)
          throw new ProtocolError(
            `an Opus packet of ${info.samples48k} samples at 48 kHz (expected ${RECORD_OPUS_FRAME_SAMPLES} at the stream rate)`,
          );
        this.sendFrame(packet, RECORD_OPUS_FRAME_SAMPLES);
      },
    };
  }

  private appendPcm(samples: Int16Array): void {
    const frame = this.pending;
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(frame.length - this.pendingLength, samples.length - offset);
      frame.set(samples.subarray(offset, offset + n), this.pendingLength);
      this.pendingLength += n;
      offset += n;
      if (this.pendingLength === frame.length) {
        this.pendingLength = 0;
        const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
        this.sendFrame(
          this.encoder ? this.encoder.encode(frame) : bytes,
          frame.length / this.format!.channels,
        );
      }
    }
  }

  private sendFrame(payload: Uint8Array, samples: number): void {
    const time = this.clock.nowMs();
    if (!this.marked) {
      const mode = this.format?.mode === 'opus' ? E.SPICE_AUDIO_DATA_MODE_OPUS : E.SPICE_AUDIO_DATA_MODE_RAW;
      this.send(E.SPICE_MSGC_RECORD_MODE, encodeSpiceMsgcRecordMode(time, mode));
      this.send(E.SPICE_MSGC_RECORD_START_MARK, encodeSpiceMsgcRecordStartMark(time));
      this.marked = true;
    }
    this.send(E.SPICE_MSGC_RECORD_DATA, encodeSpiceMsgcRecordData(time, payload));
    this.stats.frames++;
    this.stats.samples += samples;
  }

  protected readonly handlers: Record<E.SpiceMsgRecord, MessageHandler> = {
    [E.SPICE_MSG_RECORD_START]: (r) => {
      const msg = decodeSpiceMsgRecordStart(r);
      this.endRecording();
      if (msg.format !== E.SPICE_AUDIO_FMT_S16) {
        this.unsupported(`record sample format ${msg.format} (only S16 is defined)`);
        return;
      }
      if (msg.channels < 1 || msg.channels > MAX_CHANNELS)
        throw new ProtocolError(`RECORD_START with ${msg.channels} channels`);
      if (msg.frequency < MIN_SAMPLE_RATE || msg.frequency > MAX_SAMPLE_RATE)
        throw new ProtocolError(`RECORD_START at ${msg.frequency} Hz`);
      this.beginRecording(msg.channels, msg.frequency);
    },
    [E.SPICE_MSG_RECORD_STOP]: () => this.endRecording(),
    [E.SPICE_MSG_RECORD_VOLUME]: (r) => {
      this.volumeLevels = decodeSpiceMsgAudioVolume(r).volume;
      this.source.volume?.(this.volumeLevels);
    },
    [E.SPICE_MSG_RECORD_MUTE]: (r) => {
      this.muted = decodeSpiceMsgAudioMute(r);
      this.source.mute?.(this.muted);
    },
  };

  protected override onClose(): void {
    if (this.sourceClosed) return;
    this.sourceClosed = true;
    this.endRecording();
    this.source.close();
  }
}

export interface RecordInstallOptions {
  opusEncoder?: OpusEncoderFactory;
  preferOpus?: boolean;
}

/** The record channel as a session feature: records from `source`, stamped with the session's clock. */
export function recordFeature(source: RecordSource, options: RecordInstallOptions = {}): SessionFeature {
  return {
    name: 'record',
    channels: new Map([
      [
        E.SPICE_CHANNEL_RECORD,
        (ctx, session) =>
          new RecordChannel(ctx, {
            source,
            clock: session.clock,
            ...(options.opusEncoder ? { opusEncoder: options.opusEncoder } : {}),
            ...(options.preferOpus !== undefined ? { preferOpus: options.preferOpus } : {}),
          }),
      ],
    ]),
  };
}
