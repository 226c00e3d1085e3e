// The production Clock of UDPack connections: performance.now() for intervals, Date.now() for header timestamps,
// Node timers, and microtasks to coalesce back-to-back writes into one packet.
import type { Clock } from './connection';

export const realClock: Clock = {
  now: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
  defer: (fn) => queueMicrotask(fn),
};
