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

/** The display table in Markdown, one column per client, for the README (`--markdown`, or `--markdown FILE.json`). */
export function markdownTables(
  rows: readonly Measurement[],
  inputs: readonly { client: string; input: InputFigures }[],
): string {
  const clients = [...new Set(rows.map((r) => r.client))];
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const cell = (r: Measurement | undefined): string =>
    r
      ? `${num(r.framesPerSecond)} / ${num(r.updatesPerSecond, 0)} · ${num(r.cpuMsPerFrame, 0)} ms · ` +
        `${num(r.pssPeakMb, 0)} MB · ${num(r.latencyMs.median, 0)} / ${num(r.latencyMs.p99, 0)} ms`
      : 'failed';
  const lines = [
    `| workload | ${clients.join(' | ')} |`,
    `|---|${clients.map(() => '---').join('|')}|`,
    ...workloads.map(
      (w) =>
        `| ${w} | ${clients.map((c) => cell(rows.find((r) => r.workload === w && r.client === c))).join(' | ')} |`,
    ),
  ];
  if (inputs.length > 0) {
    lines.push('', '| input (ms, p50 / p99) | key | pointer |', '|---|---|---|');
    for (const i of inputs) {
      lines.push(
        `| ${i.client} | ${num(i.input.keyMs.median, 1)} / ${num(i.input.keyMs.p99, 1)} | ` +
          `${num(i.input.pointerMs.median, 1)} / ${num(i.input.pointerMs.p99, 1)} |`,
      );
    }
  }
  return lines.join('\n');
}
