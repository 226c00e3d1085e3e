// How far behind the server's newest playback frame the listener is: the playback sink's `delayMs()` (docs/audio.md
// "Delay"), answered synchronously from the output page's last report plus what was sent since. Plain arithmetic on
// an injected clock, so it is unit-tested without a page.

/** Assumed before the page's first report: its start-up buffer plus a typical output device latency. */
export const ASSUMED_OUTPUT_LATENCY_MS = 30;

export interface PlaybackReport {
  receivedMs: number;
  bufferedMs: number;
  outputLatencyMs: number;
}

export class PlaybackDelay {
  /** Milliseconds of audio sent to the page for the current stream. */
  private sentMs = 0;
  private newestFrameMs = 0;
  private report: (PlaybackReport & { atMs: number }) | undefined;

  constructor(private readonly now: () => number) {}

  /** A new stream (or the same one sent to another page): nothing sent, nothing reported. */
  reset(): void {
    this.sentMs = 0;
    this.newestFrameMs = 0;
    this.report = undefined;
  }

  /** A frame of `frameMs` went to the page. */
  sent(frameMs: number): void {
    this.sentMs += frameMs;
    this.newestFrameMs = frameMs;
  }

  /** The page's report (it arrived now). */
  reported(report: PlaybackReport): void {
    this.report = { ...report, atMs: this.now() };
  }

  /** ms until the first sample of the newest frame sent is heard (≥ 0). */
  delayMs(): number {
    const r = this.report;
    let unplayedMs: number;
    let outputMs: number;
    if (!r) {
      // The page fills its buffer before it starts playing: everything sent so far is still ahead.
      unplayedMs = this.sentMs;
      outputMs = ASSUMED_OUTPUT_LATENCY_MS;
    } else {
      const drainedMs = Math.max(0, this.now() - r.atMs);
      const inFlightMs = Math.max(0, this.sentMs - r.receivedMs);
      unplayedMs = Math.max(0, r.bufferedMs - drainedMs) + inFlightMs;
      outputMs = r.outputLatencyMs;
    }
    return Math.max(0, unplayedMs - this.newestFrameMs) + outputMs;
  }
}

/**
 * The gain of each stream channel: the guest mixer's level (0..65535, linear, as QEMU's own mixer applies it) and
 * mute, times the user's volume ((volume / 100)², a perceptual curve) and mute. Channels the server gave no level
 * for take its last one (1 when it gave none).
 */
export function playbackGains(
  channels: number,
  guestLevels: readonly number[],
  guestMuted: boolean,
  volume: number,
  muted: boolean,
): number[] {
  const user = muted || guestMuted ? 0 : (Math.max(0, Math.min(volume, 100)) / 100) ** 2;
  const gains: number[] = [];
  for (let c = 0; c < Math.max(1, channels); c++) {
    const level = guestLevels.length === 0 ? 65535 : guestLevels[Math.min(c, guestLevels.length - 1)]!;
    gains.push(user * (Math.max(0, Math.min(level, 65535)) / 65535));
  }
  return gains;
}
