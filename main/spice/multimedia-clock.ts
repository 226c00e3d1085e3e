// The session's one multimedia clock: the server's multimedia time (mm-time, u32 milliseconds that wrap),
// estimated from the last sync plus local monotonic time. Two things sync it (spice-gtk spice-session.c
// `spice_session_set_mm_time`, channel-main.c, channel-playback.c `spice_playback_channel_set_delay`):
//   - the main channel: MAIN_INIT.multi_media_time and MULTI_MEDIA_TIME (the server's time minus the latency
//     it wants video to be delayed by; spice-server sends these only while no playback is running), and
//   - the playback channel while sound plays: the time of the last DATA minus the client's playback delay, so
//     "now" is the instant being heard and video timed by mm-time stays in step with the sound.
// The playback delay is also kept for the display channel's STREAM_REPORT `audio_delay`. Injected into the
// session at construction (tests pass a fake monotonic source); nothing here runs at import time.

/** Where a sync came from. */
export type ClockSource = 'main' | 'playback';

export interface ClockReset {
  /** The mm-time before and after the sync. */
  fromMs: number;
  toMs: number;
  source: ClockSource;
}

export interface MultimediaClock {
  /** The server's mm-time now (u32 ms). 0-based local time until the first sync. */
  nowMs(): number;
  /** Local monotonic milliseconds (the clock's own time base). */
  monotonicMs(): number;
  /** The server's mm-time is `timeMs` at this instant. */
  sync(timeMs: number, source: ClockSource): void;
  /** True once any sync happened. */
  readonly synced: boolean;
  /**
   * The client's current playback delay in ms (how long until the newest audio handed to the output is heard),
   * or null while no playback is active (spice-gtk reports UINT32_MAX in STREAM_REPORT then).
   */
  readonly audioDelayMs: number | null;
  setAudioDelay(delayMs: number | null): void;
  /**
   * Called when a sync moves the clock back more than `backwardToleranceMs` or forward more than
   * `resetThresholdMs` (spice-gtk's
   * mm-time-reset: video frames queued against the old time must be dropped). Returns an unsubscribe function.
   */
  onReset(listener: (reset: ClockReset) => void): () => void;
}

export interface MultimediaClockOptions {
  /** Local monotonic time in ms (default: performance.now). */
  monotonicMs?: () => number;
  /** Forward jump that counts as a reset (spice-gtk MM_TIME_DIFF_RESET_THRESH: 500 ms). */
  resetThresholdMs?: number;
  /**
   * Backward step tolerated without a reset (default 100 ms). spice-gtk resets on any backward step; here the
   * playback delay's own jitter (a few ms each sync) must not make video drop its queue every second.
   */
  backwardToleranceMs?: number;
}

/** a − b on the wrapping u32 mm-time axis, as a signed 32-bit difference (spice-gtk spice_mmtime_diff). */
export function mmTimeDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Adds `deltaMs` (may be negative) to a u32 mm-time, wrapping. */
export function mmTimeAdd(timeMs: number, deltaMs: number): number {
  return (timeMs + Math.round(deltaMs)) >>> 0;
}

export function createMultimediaClock(options: MultimediaClockOptions = {}): MultimediaClock {
  const monotonic = options.monotonicMs ?? ((): number => performance.now());
  const resetThresholdMs = options.resetThresholdMs ?? 500;
  const backwardToleranceMs = options.backwardToleranceMs ?? 100;
  const listeners = new Set<(reset: ClockReset) => void>();
  // mm-time = monotonic + offset (kept as a float; wrapped to u32 on read)
  let offsetMs = 0;
  let synced = false;
  let audioDelayMs: number | null = null;

  const clock: MultimediaClock = {
    nowMs: () => Math.floor(monotonic() + offsetMs) >>> 0,
    monotonicMs: monotonic,
    sync(timeMs, source) {
      const before = clock.nowMs();
      const wasSynced = synced;
      offsetMs = (timeMs >>> 0) - monotonic();
      synced = true;
      if (!wasSynced) return;
      const jump = mmTimeDiff(timeMs >>> 0, before);
      if (jump < -backwardToleranceMs || jump > resetThresholdMs) {
        const reset = { fromMs: before, toMs: timeMs >>> 0, source };
        for (const listener of [...listeners]) listener(reset);
      }
    },
    get synced() {
      return synced;
    },
    get audioDelayMs() {
      return audioDelayMs;
    },
    setAudioDelay(delayMs) {
      audioDelayMs = delayMs === null ? null : Math.max(0, Math.round(delayMs));
    },
    onReset(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return clock;
}
