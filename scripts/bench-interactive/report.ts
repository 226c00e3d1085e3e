// The terminal tables of a run (the README's copy is taken from them).
import type { InputFigures } from './input-latency';
import type { Measurement } from './measure';

export interface Failure {
  workload: string;
  client: string;
  error: string;
}

const num = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** Columns: the first `textColumns` left-aligned, the rest right-aligned. */
function table(head: string[], body: string[][], textColumns: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

export function displayTable(rows: readonly Measurement[], failures: readonly Failure[]): string {
  const head = [
    'workload',
    'client',
    'frames/s',
    'updates/s',
    'CPU ms/frame',
    'PSS MB',
    'latency ms p50',
    'p99',
    'server fps',
    'lossy %',
  ];
  const body = rows.map((r) => [
    r.workload,
    r.client,
    num(r.framesPerSecond),
    num(r.updatesPerSecond),
    num(r.cpuMsPerFrame),
    num(r.pssPeakMb, 0),
    num(r.latencyMs.median),
    num(r.latencyMs.p99),
    num(r.server.pulledPerSecond),
    num(r.framesShown > 0 ? (100 * r.lossyFrames) / r.framesShown : Number.NaN, 0),
  ]);
  const failed = failures.map(
    (f) => `${f.workload} / ${f.client} failed: ${f.error.split('\n')[0]!.slice(0, 200)}`,
  );
  return [table(head, body, 2), ...failed].join('\n');
}

export function inputTable(rows: readonly { client: string; input: InputFigures }[]): string {
  const head = ['client', 'key ms p50', 'p99', 'pointer ms p50', 'p99', 'matched'];
  const body = rows.map((r) => [
    r.client,
    num(r.input.keyMs.median, 2),
    num(r.input.keyMs.p99, 2),
    num(r.input.pointerMs.median, 2),
    num(r.input.pointerMs.p99, 2),
    `${r.input.matched}/${r.input.sent}`,
  ]);
  return table(head, body, 1);
}
