// Order statistics for the benchmark's samples.

/** The q-quantile (0..1) by the nearest-rank method; NaN for no samples. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Spread {
  median: number;
  p99: number;
  count: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: quantile(values, 0.5), p99: quantile(values, 0.99), count: values.length };
}
