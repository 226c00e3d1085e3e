// The playback channel's sink in the session process (docs/audio.md "Step two"): Opus frames go to the output page
// undecoded when its WebCodecs AudioDecoder can take them, and are decoded here in Node (DecodingSink) when it
// cannot; raw PCM always goes as it is. One sink per session; everything it is told goes to an `AudioPagePlayer`
// (the audio bridge), which owns the page, the stream ids and the delay.
import type { PlaybackFormat, PlaybackFrame, PlaybackSink } from '../../spice/audio/audio-adapters';
import type { OpusDecoderFactory } from '../../audio/decoding-sink';
import { DecodingSink } from '../../audio/decoding-sink';

/** What the sink drives (implemented by the audio bridge). */
export interface AudioPagePlayer {
  /** True if the current output page decodes Opus itself. */
  outputDecodesOpus(): boolean;
  /** A stream starts; `format.mode` is what travels to the page ('raw' after decoding here). */
  playStart(format: PlaybackFormat): void;
  playData(frame: PlaybackFrame): void;
  playStop(): void;
  guestVolume(levels: readonly number[]): void;
  guestMute(muted: boolean): void;
  minLatency(ms: number): void;
  playDelayMs(): number;
  playClosed(): void;
  /** A decoder failure found after its frame was handed on (reported as a warning). */
  asyncError(error: Error): void;
}

/** Creates the sink of one session. `isCurrent` turns it silent once that session was replaced. */
export function createPageSink(
  player: AudioPagePlayer,
  createDecoder: OpusDecoderFactory,
  isCurrent: () => boolean,
): PlaybackSink {
  const page: PlaybackSink = {
    acceptsOpus: true,
    start: (format) => isCurrent() && player.playStart(format),
    data: (frame) => isCurrent() && player.playData(frame),
    stop: () => isCurrent() && player.playStop(),
    volume: (levels) => isCurrent() && player.guestVolume(levels),
    mute: (muted) => isCurrent() && player.guestMute(muted),
    latency: (ms) => isCurrent() && player.minLatency(ms),
    delayMs: () => (isCurrent() ? player.playDelayMs() : 0),
    close: () => isCurrent() && player.playClosed(),
  };
  const decoding = new DecodingSink(page, createDecoder, (e) => isCurrent() && player.asyncError(e));
  let via: PlaybackSink = page;
  return {
    acceptsOpus: true,
    start(format: PlaybackFormat): void {
      via = format.mode === 'opus' && !player.outputDecodesOpus() ? decoding : page;
      via.start(format);
    },
    data: (frame: PlaybackFrame) => via.data(frame),
    stop: () => via.stop(),
    volume: (levels) => page.volume(levels),
    mute: (muted) => page.mute(muted),
    latency: (ms) => page.latency(ms),
    delayMs: () => page.delayMs!(),
    close: () => decoding.close(),
  };
}
