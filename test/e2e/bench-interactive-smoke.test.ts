// `npm run bench:interactive` end to end in its smallest configuration: every client (Saffron's core, Saffron in
// Chromium, spicy under Xvfb, spice-html5 in Chromium) on the terminal workload for one second, then input
// latency. Checks the JSON result has every field for every client, that each client's screen showed frame
// counters, and that every input sent was seen by the server. No timing assertion: speed lives in the benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'chromium', 'spicy', 'xvfb', 'x11-probe', 'spice-html5']);

const CLIENTS = ['saffron-core', 'saffron-chromium', 'spicy', 'spice-html5'];
const INPUT_CLIENTS = ['saffron-chromium', 'spicy', 'spice-html5'];

const isNumber = (v: unknown): boolean => typeof v === 'number' || v === null; // null: NaN in JSON

void test('bench:interactive --quick writes a complete result for every client', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/bench-interactive.ts',
        '--quick',
        '--workloads',
        'terminal',
        '--window-ms',
        '1000',
        '--warmup-ms',
        '300',
        '--no-screenshot',
        '--out',
        out,
      ],
      { encoding: 'utf8', timeout: 280_000 },
    );
    assert.equal(run.status, 0, `bench failed:\n${run.stderr}\n${run.stdout}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    for (const key of [
      'bench',
      'date',
      'durationSeconds',
      'options',
      'machine',
      'workloads',
      'clients',
      'display',
      'input',
      'failures',
      'screenshot',
    ])
      assert.ok(key in result, `missing ${key}`);
    assert.deepEqual(result.failures, []);
    const display = result.display as Record<string, unknown>[];
    assert.deepEqual(
      display.map((d) => d.client),
      CLIENTS,
    );
    for (const d of display) {
      for (const key of [
        'windowSeconds',
        'framesPerSecond',
        'updatesPerSecond',
        'cpuSeconds',
        'cpuMsPerFrame',
        'rssPeakMb',
        'pssPeakMb',
        'drainMs',
        'overheadCpuPerSecond',
      ])
        assert.ok(isNumber(d[key]), `${String(d.client)}: ${key} = ${JSON.stringify(d[key])}`);
      assert.ok(Number(d.framesShown) > 0, `${String(d.client)} showed no frame counter`);
      const latency = d.latencyMs as Record<string, unknown>;
      assert.ok(isNumber(latency.median) && isNumber(latency.p99) && Number(latency.count) > 0);
      const server = d.server as Record<string, unknown>;
      assert.ok(Number(server.framesGenerated) > 0);
      const groups = d.groups as Record<string, unknown>[];
      assert.ok(groups.length > 0);
      for (const g of groups) {
        for (const key of ['cpuSeconds', 'rssPeakMb', 'pssPeakMb', 'processes', 'maxProcessHwmMb'])
          assert.ok(isNumber(g[key]), `${key}`);
        assert.ok(Number(g.processes) > 0, `${String(d.client)}/${String(g.name)} had no process to measure`);
      }
    }
    const input = result.input as Record<string, unknown>[];
    assert.deepEqual(
      input.map((i) => i.client),
      INPUT_CLIENTS,
    );
    for (const i of input) {
      assert.ok(
        Number(i.sent) > 0 && i.matched === i.sent,
        `${String(i.client)}: ${String(i.matched)}/${String(i.sent)} inputs arrived`,
      );
      for (const k of ['keyMs', 'pointerMs'])
        assert.ok(Number((i[k] as Record<string, unknown>).count) > 0, `${String(i.client)} ${k}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
