// The audio bridge: the VM's sound to one page's AudioWorklet and that page's microphone back to the VM
// (shared/audio-contract.ts, docs/audio.md). Views offer themselves with `audioOutput`; the first one still attached
// is the session's audio output. It receives `audio-start` / `audio-frame` / `audio-gain` / `audio-stop`, reports
// what it holds (`audioReport`, which answers the playback sink's delay and so the session's multimedia clock), and
// is asked for the microphone (`record-start`) only while the server records *and* the user enabled it. Every view
// gets `audio-state` for its controls. The sound channels are given to each new session by `features()`.
import type {
  AudioOutputRequest,
  AudioSettingsRequest,
  AudioStateMessage,
  MicrophoneStatus,
  RecordDataRequest,
  RecordStatusRequest,
} from '../../../shared/audio-contract';
import { AUDIO_LIMITS } from '../../../shared/audio-contract';
import { SPICE_CHANNEL_PLAYBACK, SPICE_CHANNEL_RECORD } from '../../../shared/spice-enums';
import type { OpusDecoderFactory } from '../../audio/decoding-sink';
import type {
  OpusEncoderFactory,
  PlaybackFormat,
  PlaybackFrame,
  PlaybackSink,
  RecordFormat,
  RecordSource,
  RecordWriter,
} from '../../spice/audio/audio-adapters';
import { playbackFeature } from '../../spice/channels/playback-channel';
import { recordFeature } from '../../spice/channels/record-channel';
import { errorMessage } from '../../spice/errors';
import type { SessionFeature } from '../../spice/session-feature';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import { PlaybackDelay, playbackGains } from './audio-delay';
import type { AudioPagePlayer } from './audio-page-sink';
import { createPageSink } from './audio-page-sink';

export interface AudioSettings {
  volume: number;
  muted: boolean;
  micEnabled: boolean;
  micMuted: boolean;
  micProcessing: boolean;
  micOpus: boolean;
}

/** Sound on at full volume; the microphone off until the user enables it. */
export const DEFAULT_AUDIO_SETTINGS: AudioSettings = {
  volume: 100,
  muted: false,
  micEnabled: false,
  micMuted: false,
  micProcessing: true,
  micOpus: false,
};

export interface AudioBridgeOptions {
  /** Opus → PCM in Node, for an output page without WebCodecs. */
  createDecoder: OpusDecoderFactory;
  /** Encodes the microphone when Opus recording is on (the page sends PCM). */
  opusEncoder?: OpusEncoderFactory;
  /** Milliseconds, monotonic (the delay arithmetic). */
  now?: () => number;
  /** Milliseconds since the epoch, fractional (`audio-frame`'s sentAtMs, comparable with the page's clock). */
  epochNow?: () => number;
  settings?: Partial<AudioSettings>;
}

interface Output {
  view: ViewPort;
  caps: AudioOutputRequest;
}

interface PlayStream {
  id: number;
  codec: 'pcm' | 'opus';
  channels: number;
  sampleRate: number;
}

interface RecordStream {
  id: number;
  format: RecordFormat;
  writer: RecordWriter;
  /** The view asked for the microphone (undefined while it is not asked). */
  view: ViewPort | undefined;
}

export class AudioBridge implements SessionBridge, AudioPagePlayer {
  readonly name = 'audio';
  private settings: AudioSettings;
  /** Views that offered to play, in the order they offered. */
  private readonly offers = new Map<number, Output>();
  private playback: AudioStateMessage['playback'] = 'none';
  private record: AudioStateMessage['record'] = 'none';
  private guestLevels: readonly number[] = [];
  private guestMuted = false;
  private minLatencyMs = 0;
  private stream: PlayStream | undefined;
  private recording: RecordStream | undefined;
  private micStatus: MicrophoneStatus = 'off';
  private micMessage: string | undefined;
  private nextStreamId = 1;
  private generation = 0;
  private readonly delay: PlaybackDelay;
  private readonly epochNow: () => number;
  /** Microphone requests dropped (stale stream, wrong view, not whole samples). */
  droppedRecordData = 0;

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: AudioBridgeOptions,
  ) {
    this.settings = { ...DEFAULT_AUDIO_SETTINGS, ...options.settings };
    this.delay = new PlaybackDelay(options.now ?? (() => performance.now()));
    this.epochNow = options.epochNow ?? (() => performance.timeOrigin + performance.now());
  }

  /** The sound channels of a new session. */
  sessionFeatures(): SessionFeature[] {
    const { sink, source } = this.adapters();
    return [
      playbackFeature(sink),
      recordFeature(source, {
        ...(this.options.opusEncoder ? { opusEncoder: this.options.opusEncoder } : {}),
        preferOpus: this.settings.micOpus,
      }),
    ];
  }

  /** The playback sink and record source of a new session (the previous session's fall silent). */
  adapters(): { sink: PlaybackSink; source: RecordSource } {
    const generation = ++this.generation;
    const isCurrent = (): boolean => generation === this.generation;
    const source: RecordSource = {
      producesOpus: false,
      start: (format, writer) => isCurrent() && this.recordStart(format, writer),
      stop: () => isCurrent() && this.recordStop(),
      close: () => isCurrent() && this.recordStop(),
    };
    return { sink: createPageSink(this, this.options.createDecoder, isCurrent), source };
  }

  readonly handlers: Pick<
    RequestHandlers,
    'audioOutput' | 'audioReport' | 'audioSettings' | 'recordData' | 'recordStatus'
  > = {
    audioOutput: (caps, view) => this.offer(view, caps),
    audioReport: (report, view) => {
      if (view === this.output()?.view && report.stream === this.stream?.id) this.delay.reported(report);
    },
    audioSettings: (changes) => this.changeSettings(changes),
    recordData: (data, view) => this.recordData(data, view),
    recordStatus: (status, view) => this.recordStatus(status, view),
  };

  // ------------------------------------------------------------------------------------------------------
  // Views

  private output(): Output | undefined {
    for (const offer of this.offers.values()) if (this.ctx.views.has(offer.view)) return offer;
    return undefined;
  }

  viewAttached(view: ViewPort): void {
    view.send(this.stateFor(view));
  }

  viewDetached(view: ViewPort): void {
    // Whether it is still in ctx.views or already gone from there.
    const first = [...this.offers.values()].find((o) => o.view === view || this.ctx.views.has(o.view));
    const wasOutput = first?.view === view;
    this.offers.delete(view.id);
    if (this.recording?.view === view) this.recording.view = undefined;
    if (wasOutput) this.outputChanged();
  }

  private offer(view: ViewPort, caps: AudioOutputRequest): void {
    const before = this.output()?.view;
    this.offers.set(view.id, { view, caps });
    if (this.output()?.view !== before) this.outputChanged();
    else view.send(this.stateFor(view));
  }

  /** A new output page: it gets the stream that plays and, if enabled, the microphone. */
  private outputChanged(): void {
    this.delay.reset();
    const output = this.output();
    if (output && this.stream) {
      this.sendStart(output.view, this.stream);
      output.view.send({ kind: 'audio-gain', gains: this.gains() });
    }
    if (this.recording) this.askMicrophone();
    this.broadcastState();
  }

  private stateFor(view: ViewPort): AudioStateMessage {
    const s = this.settings;
    return {
      kind: 'audio-state',
      output: this.output()?.view === view,
      playback: this.playback,
      record: this.record,
      volume: s.volume,
      muted: s.muted,
      guestMuted: this.guestMuted,
      micEnabled: s.micEnabled,
      micMuted: s.micMuted,
      micProcessing: s.micProcessing,
      micOpus: s.micOpus,
      micStatus: this.micStatus,
      ...(this.micMessage !== undefined ? { micMessage: this.micMessage } : {}),
    };
  }

  private broadcastState(): void {
    for (const view of this.ctx.views) view.send(this.stateFor(view));
  }

  private changeSettings(changes: AudioSettingsRequest): void {
    const micWas = this.settings.micEnabled;
    const defined = Object.entries(changes).filter(([, v]) => v !== undefined);
    this.settings = { ...this.settings, ...(Object.fromEntries(defined) as Partial<AudioSettings>) };
    this.sendGains();
    if (this.settings.micEnabled !== micWas) {
      if (this.settings.micEnabled) this.askMicrophone();
      else this.releaseMicrophone();
      this.micStatus = this.micStatusNow();
      if (!this.settings.micEnabled) this.micMessage = undefined;
    }
    this.broadcastState();
  }

  // ------------------------------------------------------------------------------------------------------
  // Session lifecycle

  sessionStarted(_session: unknown, on: Subscribe): void {
    on('channel-open', (c) => {
      if (c.type === SPICE_CHANNEL_PLAYBACK && this.playback === 'none') this.playback = 'idle';
      else if (c.type === SPICE_CHANNEL_RECORD && this.record === 'none') this.record = 'idle';
      else return;
      this.broadcastState();
    });
    on('channel-closed', (c) => {
      if (c.type === SPICE_CHANNEL_PLAYBACK) this.playClosed();
      else if (c.type === SPICE_CHANNEL_RECORD) {
        this.recordStop();
        this.record = 'none';
        this.broadcastState();
      }
    });
  }

  sessionEnded(): void {
    this.generation++;
    this.playClosed();
    this.recordStop();
    this.record = 'none';
    this.guestLevels = [];
    this.guestMuted = false;
    this.minLatencyMs = 0;
    this.broadcastState();
  }

  // ------------------------------------------------------------------------------------------------------
  // Playback (AudioPagePlayer, called by the page sink)

  outputDecodesOpus(): boolean {
    return this.output()?.caps.opusDecoder ?? false;
  }

  playStart(format: PlaybackFormat): void {
    if (this.stream) this.output()?.view.send({ kind: 'audio-stop', stream: this.stream.id });
    this.stream = {
      id: this.nextStreamId++,
      codec: format.mode === 'opus' ? 'opus' : 'pcm',
      channels: format.channels,
      sampleRate: format.sampleRate,
    };
    this.delay.reset();
    this.playback = 'playing';
    const output = this.output();
    if (output) {
      this.sendStart(output.view, this.stream);
      output.view.send({ kind: 'audio-gain', gains: this.gains() });
    }
    this.broadcastState();
  }

  private sendStart(view: ViewPort, stream: PlayStream): void {
    view.send({
      kind: 'audio-start',
      stream: stream.id,
      codec: stream.codec,
      channels: stream.channels,
      sampleRate: stream.sampleRate,
      minLatencyMs: Math.min(Math.round(this.minLatencyMs), AUDIO_LIMITS.maxLatencyMs),
    });
  }

  playData(frame: PlaybackFrame): void {
    const stream = this.stream;
    if (!stream) throw new Error('audio data outside a stream');
    const output = this.output();
    if (!output) return;
    output.view.send({
      kind: 'audio-frame',
      stream: stream.id,
      timeMs: frame.timeMs,
      samples: frame.samples,
      sentAtMs: this.epochNow(),
      data: frame.data.slice(),
    });
    this.delay.sent((frame.samples * 1000) / stream.sampleRate);
  }

  playStop(): void {
    if (!this.stream) return;
    this.output()?.view.send({ kind: 'audio-stop', stream: this.stream.id });
    this.stream = undefined;
    this.playback = 'idle';
    this.broadcastState();
  }

  guestVolume(levels: readonly number[]): void {
    this.guestLevels = [...levels];
    this.sendGains();
  }

  guestMute(muted: boolean): void {
    this.guestMuted = muted;
    this.sendGains();
    this.broadcastState();
  }

  minLatency(ms: number): void {
    this.minLatencyMs = ms;
    // The same stream id again: the page keeps its buffer and only raises its target.
    const output = this.output();
    if (output && this.stream) this.sendStart(output.view, this.stream);
  }

  playDelayMs(): number {
    return this.output() && this.stream ? this.delay.delayMs() : 0;
  }

  playClosed(): void {
    if (this.stream) this.output()?.view.send({ kind: 'audio-stop', stream: this.stream.id });
    this.stream = undefined;
    this.playback = 'none';
    this.broadcastState();
  }

  asyncError(error: Error): void {
    this.ctx.logger.warn(`playback: ${error.message}`);
  }

  private gains(): number[] {
    const s = this.settings;
    return playbackGains(this.stream?.channels ?? 2, this.guestLevels, this.guestMuted, s.volume, s.muted);
  }

  private sendGains(): void {
    if (this.stream) this.output()?.view.send({ kind: 'audio-gain', gains: this.gains() });
  }

  // ------------------------------------------------------------------------------------------------------
  // Microphone (the record source)

  private recordStart(format: RecordFormat, writer: RecordWriter): void {
    this.releaseMicrophone();
    this.recording = { id: this.nextStreamId++, format, writer, view: undefined };
    this.record = 'recording';
    this.askMicrophone();
    this.micStatus = this.micStatusNow();
    this.broadcastState();
  }

  private recordStop(): void {
    if (!this.recording) return;
    this.releaseMicrophone();
    this.recording = undefined;
    if (this.record === 'recording') this.record = 'idle';
    this.micStatus = this.micStatusNow();
    this.broadcastState();
  }

  private micStatusNow(): MicrophoneStatus {
    if (!this.settings.micEnabled) return 'off';
    if (!this.recording) return 'waiting';
    if (this.recording.view) return this.micStatus === 'capturing' ? 'capturing' : 'waiting';
    return this.output() ? this.micStatus : 'unavailable';
  }

  /** Asks the output page for the microphone, if the server records and the user enabled it. */
  private askMicrophone(): void {
    const rec = this.recording;
    const output = this.output();
    if (!rec || !this.settings.micEnabled || !output) return;
    if (rec.view === output.view) return;
    if (rec.view) rec.view.send({ kind: 'record-stop', stream: rec.id });
    if (!output.caps.microphone) {
      rec.view = undefined;
      this.micStatus = 'unavailable';
      return;
    }
    rec.view = output.view;
    this.micStatus = 'waiting';
    output.view.send({
      kind: 'record-start',
      stream: rec.id,
      codec: 'pcm',
      channels: rec.format.channels,
      sampleRate: rec.format.sampleRate,
      frameSamples: rec.format.frameSamples,
      processing: this.settings.micProcessing,
    });
  }

  private releaseMicrophone(): void {
    const rec = this.recording;
    if (!rec?.view) return;
    rec.view.send({ kind: 'record-stop', stream: rec.id });
    rec.view = undefined;
  }

  private recordData(request: RecordDataRequest, view: ViewPort): void {
    const rec = this.recording;
    const frameBytes = 2 * (rec?.format.channels ?? 1);
    if (
      !rec ||
      rec.view !== view ||
      request.stream !== rec.id ||
      request.codec !== 'pcm' ||
      request.data.byteLength % frameBytes !== 0
    ) {
      this.droppedRecordData++;
      return;
    }
    const samples = new Int16Array(request.data.byteLength / 2);
    new Uint8Array(samples.buffer).set(request.data);
    if (this.settings.micMuted) samples.fill(0);
    try {
      rec.writer.pcm(samples);
    } catch (e) {
      this.ctx.logger.warn(`record: ${errorMessage(e)}`);
    }
  }

  private recordStatus(status: RecordStatusRequest, view: ViewPort): void {
    const rec = this.recording;
    if (!rec || rec.view !== view || status.stream !== rec.id) return;
    this.micStatus = status.state;
    this.micMessage = status.state === 'capturing' ? undefined : status.message;
    // Refused or failed: the page holds nothing; enabling the microphone again asks again.
    if (status.state !== 'capturing') rec.view = undefined;
    this.broadcastState();
  }
}
