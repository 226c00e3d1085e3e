// A sorted set of disjoint half-open integer ranges [start, end): acknowledged stream bytes, bytes waiting for
// retransmission, received packet numbers. Adjacent and overlapping ranges merge. Sizes stay small in practice
// (a few ranges per loss episode); callers that take untrusted input bound the count with `limit`.

export interface Range {
  start: number;
  end: number;
}

export class RangeSet {
  private readonly ranges: Range[] = [];

  get size(): number {
    return this.ranges.length;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** The lowest range, or undefined. */
  first(): Range | undefined {
    return this.ranges[0];
  }

  last(): Range | undefined {
    return this.ranges[this.ranges.length - 1];
  }

  /** Ranges from the lowest up (do not mutate). */
  all(): readonly Range[] {
    return this.ranges;
  }

  /** Index of the first range whose end >= value. */
  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]!.end < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const i = this.lowerBound(start);
    let s = start;
    let e = end;
    let j = i;
    while (j < this.ranges.length && this.ranges[j]!.start <= e) {
      s = Math.min(s, this.ranges[j]!.start);
      e = Math.max(e, this.ranges[j]!.end);
      j++;
    }
    this.ranges.splice(i, j - i, { start: s, end: e });
  }

  remove(start: number, end: number): void {
    if (end <= start) return;
    const out: Range[] = [];
    let i = this.lowerBound(start);
    // lowerBound finds ranges whose end >= start; a range ending exactly at start is untouched.
    while (i < this.ranges.length && this.ranges[i]!.end === start) i++;
    let j = i;
    while (j < this.ranges.length && this.ranges[j]!.start < end) {
      const r = this.ranges[j]!;
      if (r.start < start) out.push({ start: r.start, end: start });
      if (r.end > end) out.push({ start: end, end: r.end });
      j++;
    }
    this.ranges.splice(i, j - i, ...out);
  }

  contains(value: number): boolean {
    const i = this.lowerBound(value + 1);
    const r = this.ranges[i];
    return r !== undefined && r.start <= value && value < r.end;
  }

  /** True when [start, end) lies entirely inside the set. */
  covers(start: number, end: number): boolean {
    const i = this.lowerBound(start + 1);
    const r = this.ranges[i];
    return r !== undefined && r.start <= start && end <= r.end;
  }

  /** Removes everything below `value`. */
  dropBelow(value: number): void {
    this.remove(Number.MIN_SAFE_INTEGER, value);
  }

  /** Drops the lowest ranges until at most `max` remain. */
  limit(max: number): void {
    if (this.ranges.length > max) this.ranges.splice(0, this.ranges.length - max);
  }

  clear(): void {
    this.ranges.length = 0;
  }
}
