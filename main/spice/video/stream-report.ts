// STREAM_REPORT for one video stream, as spice-gtk sends it (channel-display.c display_update_stream_report,
// display_handle_stream_activate_report, report_invalid_stream), so spice-server's rate control (dcc.cpp
// dcc_handle_stream_report → the encoder's client_stream_report) can adapt the bit rate:
//   - nothing is reported until the server sent STREAM_ACTIVATE_REPORT {unique_id, max_window_size, timeout_ms};
//   - each frame counts when it arrives; it is a drop when it arrived late (its mm-time is before the client's);
//   - a report goes out when the window holds max_window_size frames, when timeout_ms passed since the window's
//     first frame, or after 3 drops in a row; then the window starts again;
//   - last_frame_delay is the last frame's margin (its mm-time minus the client's), audio_delay the playback delay
//     (UINT32_MAX while no playback runs).
// Beyond spice-gtk: frames the view could not show in time (it decodes in another process) are drops too, so the
// server also backs off when the page's decoder cannot keep up.
import type { SpiceMsgcDisplayStreamReport } from '../codecs/display';

/** spice-gtk STREAM_REPORT_DROP_SEQ_LEN_LIMIT: this many drops in a row send a report at once. */
export const DROP_SEQUENCE_LIMIT = 3;
/** num_drops of the report that tells the server the client cannot play the stream (report_invalid_stream). */
export const INVALID_STREAM_DROPS = 0xffffffff;

export interface ReportClock {
  /** Local monotonic milliseconds. */
  monotonicMs(): number;
  /** The playback delay in ms, or null while no playback runs. */
  readonly audioDelayMs: number | null;
}

/** The report that makes spice-server stop encoding the stream and send its area as images (dcc.cpp 853-859). */
export function invalidStreamReport(streamId: number): SpiceMsgcDisplayStreamReport {
  return {
    stream_id: streamId,
    unique_id: 0,
    start_frame_mm_time: 0,
    end_frame_mm_time: 0,
    num_frames: 0,
    num_drops: INVALID_STREAM_DROPS,
    last_frame_delay: 0,
    audio_delay: 0,
  };
}

export class StreamReporter {
  private active = false;
  private uniqueId = 0;
  private maxWindow = 0;
  private timeoutMs = 0;
  private startLocalMs = 0;
  private startFrameMmTime = 0;
  private frames = 0;
  private drops = 0;
  private dropRun = 0;
  /** Drops the view reported since the last frame counted (added to the window at the next frame). */
  private viewDrops = 0;

  constructor(
    private readonly streamId: number,
    private readonly clock: ReportClock,
  ) {}

  get isActive(): boolean {
    return this.active;
  }

  /** STREAM_ACTIVATE_REPORT: start reporting (again) with this window. */
  activate(uniqueId: number, maxWindowSize: number, timeoutMs: number): void {
    this.active = true;
    this.uniqueId = uniqueId >>> 0;
    this.maxWindow = maxWindowSize;
    this.timeoutMs = timeoutMs;
    this.frames = 0;
    this.drops = 0;
    this.dropRun = 0;
    this.viewDrops = 0;
  }

  /** The view could not show `count` frames in time. */
  addViewDrops(count: number): void {
    if (!this.active || count <= 0) return;
    // Bounded: a view cannot drop more frames than a window holds.
    this.viewDrops = Math.min(this.viewDrops + count, Math.max(this.maxWindow, 1) * 2);
  }

  /**
   * Counts a frame that arrived with mm-time `frameMmTime`, `marginMs` ahead of the client's clock (negative:
   * late); returns the report to send now, if any.
   */
  frame(frameMmTime: number, marginMs: number): SpiceMsgcDisplayStreamReport | null {
    if (!this.active) return null;
    const now = this.clock.monotonicMs();
    if (this.frames === 0) {
      this.startFrameMmTime = frameMmTime >>> 0;
      this.startLocalMs = now;
    }
    this.frames++;
    if (marginMs < 0) {
      this.drops++;
      this.dropRun++;
    } else {
      this.dropRun = 0;
    }
    if (this.viewDrops > 0) {
      this.drops += this.viewDrops;
      this.dropRun += this.viewDrops;
      this.viewDrops = 0;
    }
    const due =
      this.frames >= this.maxWindow ||
      now - this.startLocalMs >= this.timeoutMs ||
      this.dropRun >= DROP_SEQUENCE_LIMIT;
    if (!due) return null;
    const audioDelay = this.clock.audioDelayMs;
    const report: SpiceMsgcDisplayStreamReport = {
      stream_id: this.streamId,
      unique_id: this.uniqueId,
      start_frame_mm_time: this.startFrameMmTime,
      end_frame_mm_time: frameMmTime >>> 0,
      num_frames: this.frames,
      num_drops: Math.min(this.drops, this.frames),
      last_frame_delay: clampInt32(marginMs),
      audio_delay: audioDelay === null ? 0xffffffff : Math.min(audioDelay, 0xfffffffe) >>> 0,
    };
    this.frames = 0;
    this.drops = 0;
    this.dropRun = 0;
    return report;
  }
}

function clampInt32(value: number): number {
  return Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(value)));
}
