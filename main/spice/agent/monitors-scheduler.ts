// When to send a monitors config: window sizes change in bursts (a drag-resize is dozens of sizes a second), and
// every config makes the guest re-mode its outputs, so requests are debounced; a layout equal to the one last sent
// is not sent again; a layout asked for before the agent is ready waits for it and goes out as soon as it is (a new
// agent starts from nothing, so the layout is sent again after an agent restart).
import { sameMonitors, type GuestMonitor } from './monitors-config';

export interface MonitorsSchedulerTimers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: MonitorsSchedulerTimers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class MonitorsScheduler {
  private desired: readonly GuestMonitor[] | null = null;
  private lastSent: readonly GuestMonitor[] | null = null;
  private timer: unknown = null;
  private ready = false;

  constructor(
    /** Sends a layout now; returns false if it could not go out (it stays pending). */
    private readonly send: (monitors: readonly GuestMonitor[]) => boolean,
    private readonly debounceMs: number,
    private readonly timers: MonitorsSchedulerTimers = realTimers,
  ) {}

  /** The layout to ask for; sent after `debounceMs` without a newer request. */
  request(monitors: readonly GuestMonitor[]): void {
    this.desired = monitors.map((m) => ({ ...m }));
    this.cancelTimer();
    if (this.lastSent && sameMonitors(this.lastSent, this.desired)) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.flush();
    }, this.debounceMs);
  }

  /** Sends the pending layout now (if the agent is ready and it differs from the last one sent). */
  flush(): void {
    this.cancelTimer();
    const desired = this.desired;
    if (!this.ready || !desired) return;
    if (this.lastSent && sameMonitors(this.lastSent, desired)) return;
    if (this.send(desired)) this.lastSent = desired;
  }

  /** The agent became ready (caps known) or went away. A new agent gets the current layout at once. */
  setReady(ready: boolean): void {
    this.ready = ready;
    this.lastSent = null;
    if (ready) this.flush();
  }

  /** The layout most recently sent (for tests and status). */
  get sent(): readonly GuestMonitor[] | null {
    return this.lastSent;
  }

  dispose(): void {
    this.cancelTimer();
    this.desired = null;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }
}
