// One clock for every process in a run: CLOCK_MONOTONIC in microseconds. Node's process.hrtime, GLib's
// g_get_monotonic_time (the test server) and the X probe all read it directly; a Chromium page's
// performance.now() runs on the same clock from an unknown origin, so its offset is measured (calibratePage).

export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ClockOffset {
  /** Add to a page's performance.now() (in µs) to get monotonic µs. */
  offsetUs: number;
  /** Round trip of the best sample: the offset is known to ± half of it. */
  rttUs: number;
}

/**
 * Estimates a remote clock's offset from round trips: `readRemoteUs` returns the remote clock in µs. The sample
 * with the shortest round trip wins (its midpoint is the tightest bound).
 */
export async function calibrate(readRemoteUs: () => Promise<number>, rounds = 25): Promise<ClockOffset> {
  let best: ClockOffset | undefined;
  for (let i = 0; i < rounds; i++) {
    const before = monoUs();
    const remote = await readRemoteUs();
    const after = monoUs();
    const rtt = after - before;
    if (!best || rtt < best.rttUs) best = { offsetUs: (before + after) / 2 - remote, rttUs: rtt };
  }
  return best!;
}
