// The audio feature of a page: offers the page as the session's audio output (with what it can decode and capture),
// routes the audio family's messages to the player, the microphone and the controls, and sends their requests.
// Mounted by renderer/app.ts with one call; the controls' element can be hosted by any chrome.
import type { AudioOutputRequest, AudioSettingsRequest } from '../../shared/audio-contract';
import type { PortMessage } from '../../shared/contract';
import type { Bridge } from '../bridge/bridge';
import { AudioControls } from './audio-controls';
import type { PlayedFrame } from './audio-player';
import { AudioPlayer, canDecodeOpusHere } from './audio-player';
import { Microphone, microphoneAvailableHere } from './microphone';

export const AUDIO_WORKLET_URL = 'audio-worklet.js';

/** What a test (or the latency benchmark) may read from a page opened with `#…&audio-test=1`. */
export interface AudioTestHooks {
  tap(frames: number): Promise<number[][]>;
  played(): readonly PlayedFrame[];
  contextState(): string;
  outputLatencyMs(): number;
  settings(changes: AudioSettingsRequest): void;
  capabilities(): AudioOutputRequest | undefined;
}

export class AudioView {
  readonly controls: AudioControls;
  private readonly player: AudioPlayer;
  private readonly microphone: Microphone;
  private capabilities: AudioOutputRequest | undefined;

  constructor(
    private readonly bridge: Bridge,
    doc: Document,
    workletUrl = AUDIO_WORKLET_URL,
  ) {
    this.player = new AudioPlayer(workletUrl, {
      report: (report) => bridge.request('audioReport', report),
      blocked: (blocked) => this.controls.setBlocked(blocked),
    });
    this.microphone = new Microphone(workletUrl, {
      data: (stream, data) => bridge.request('recordData', { stream, codec: 'pcm', data }),
      status: (status) => bridge.request('recordStatus', status),
    });
    this.controls = new AudioControls(doc, {
      settings: (changes) => bridge.request('audioSettings', changes),
      enableSound: () => this.player.resume(),
    });
  }

  /** Can this page play at all? AudioWorklet exists only in a secure context (https, localhost, the app). */
  static supportedHere(): boolean {
    return typeof AudioWorkletNode !== 'undefined' && window.isSecureContext;
  }

  start(): void {
    this.bridge.onMessage((m) => this.onMessage(m));
    if (!AudioView.supportedHere()) return;
    void canDecodeOpusHere().then((opusDecoder) => {
      this.capabilities = { opusDecoder, opusEncoder: false, microphone: microphoneAvailableHere() };
      this.offer();
    });
  }

  private offer(): void {
    if (this.capabilities) this.bridge.request('audioOutput', this.capabilities);
  }

  private onMessage(m: PortMessage): void {
    switch (m.kind) {
      // Greeted again (a new session process after a crash): offer again; the session keeps one output.
      case 'view':
        this.offer();
        return;
      case 'audio-state':
        this.controls.update(m);
        return;
      case 'audio-start':
        this.player.start(m);
        return;
      case 'audio-frame':
        this.player.frame(m);
        return;
      case 'audio-gain':
        this.player.gain(m.gains);
        return;
      case 'audio-stop':
        this.player.stop(m.stream);
        return;
      case 'record-start':
        void this.microphone.start(m);
        return;
      case 'record-stop':
        this.microphone.stop(m.stream);
        return;
      default:
        return;
    }
  }

  testHooks(): AudioTestHooks {
    return {
      tap: async (frames) => (await this.player.tap(frames)).map((plane) => Array.from(plane)),
      played: () => this.player.playedFrames(),
      contextState: () => this.player.contextState,
      outputLatencyMs: () => this.player.outputLatencyMs,
      settings: (changes) => this.bridge.request('audioSettings', changes),
      capabilities: () => this.capabilities,
    };
  }
}
