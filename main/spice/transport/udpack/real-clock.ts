// The production Clock of UDPack connections: performance.now() for intervals, Date.now() for header timestamps,
// Node timers, microtasks to coalesce back-to-back writes into one packet, and this thread's event-loop lag (how
// late it runs, from libuv's own delay monitor): a datagram waits in the socket buffer that long before JavaScript
// sees it, which the SLOW detector must not take for a queue on the network.
import {
  monitorEventLoopDelay,
  performance as nodePerformance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import type { Clock } from './connection-types';

const LAG_SAMPLE_MS = 100;
/** Above this share of the last period spent running JavaScript, the thread's own delays are unknowable. */
const BUSY_UTILIZATION = 0.8;

export interface RealClock extends Clock {
  /** Stops the lag monitor. */
  close(): void;
}

export function createRealClock(): RealClock {
  let histogram: IntervalHistogram | undefined;
  let sampledAt = 0;
  let previous = 0;
  let current = 0;
  let busy = 0;
  let utilization: EventLoopUtilization | undefined;
  return {
    now: () => performance.now(),
    wallMs: () => Date.now(),
    setTimer(delayMs, fn) {
      const timer = setTimeout(fn, Math.max(0, delayMs));
      return () => clearTimeout(timer);
    },
    defer: (fn) => queueMicrotask(fn),
    lagMs() {
      if (!histogram) {
        histogram = monitorEventLoopDelay({ resolution: 10 });
        histogram.enable();
        utilization = nodePerformance.eventLoopUtilization();
      }
      const now = performance.now();
      if (now - sampledAt >= LAG_SAMPLE_MS) {
        // The largest delay of the last one or two sample periods (the histogram's minimum is its resolution).
        previous = current;
        current = Math.max(0, histogram.max / 1e6 - 10);
        histogram.reset();
        const next = nodePerformance.eventLoopUtilization();
        busy = nodePerformance.eventLoopUtilization(next, utilization).utilization;
        utilization = next;
        sampledAt = now;
      }
      // A saturated thread: every datagram may have waited in the socket buffer for an unknown time.
      return busy > BUSY_UTILIZATION ? Infinity : Math.max(previous, current);
    },
    close() {
      histogram?.disable();
      histogram = undefined;
    },
  };
}
