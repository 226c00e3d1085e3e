// The terminal table of a run (the README's copy is taken from it).
import type { InputFigures } from './input-latency';
import type { Measurement } from './measure';

export interface Failure {
  workload: string;
  client: string;
  error: string;
}

const num = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
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
  ]);
  for (const f of failures)
    body.push([f.workload, f.client, 'failed:', f.error.split('\n')[0]!.slice(0, 100), '', '', '', '', '']);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.filter((b) => b[2] !== 'failed:').map((b) => b[i]!.length)),
  );
  return [
    pad(head, widths),
    ...body.map((b) =>
      b[2] === 'failed:'
        ? `${b[0]!.padEnd(widths[0]!)}  ${b[1]!.padEnd(widths[1]!)}  failed: ${b[3]}`
        : pad(b, widths),
    ),
  ].join('\n');
}

export function inputTable(rows: readonly { client: string; input: InputFigures }[]): string {
  const head = ['client', 'key ms p50', 'p99', 'pointer ms p50', 'p99', 'matched'];
  const body = rows.map((r) => [
    r.client,
    '',
    num(r.input.keyMs.median, 2),
    num(r.input.keyMs.p99, 2),
    num(r.input.pointerMs.median, 2),
    num(r.input.pointerMs.p99, 2),
    `${r.input.matched}/${r.input.sent}`,
  ]);
  const cells = body.map((b) => [b[0]!, ...b.slice(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  '))
    .join('\n');
}
