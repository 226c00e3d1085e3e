// `npm run bench:interactive`: the interactive path measured against spice-gtk and spice-html5 in one run.
// Every workload (test server generator, docs/benchmarks.md) is shown by every client in turn — Saffron's core
// alone, Saffron in Chromium through `saffron web`, spicy under Xvfb, spice-html5 in the same Chromium — and each
// gets frames/s on screen, CPU per frame, peak RSS and draw-to-screen latency; then input latency (page or X
// event → the server's inputs channel), then `saffron screenshot` against `spicy-screenshot` on a paused QEMU
// (scripts/bench-screenshot.ts). Prints tables and writes bench-results/interactive-<date>.json. docs/benchmarks.md
// says what each figure measures and its known biases.
//
//   npm run bench:interactive -- [--quick] [--workloads a,b] [--clients a,b] [--codecs mjpeg,vp8]
//                                [--window-ms N] [--warmup-ms N] [--out FILE] [--no-screenshot] [--markdown]
//   npm run bench:interactive -- --markdown bench-results/FILE.json   (only prints that result's Markdown tables)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchClient } from './bench-interactive/client';
import { html5Client } from './bench-interactive/client-html5';
import { saffronWebClient } from './bench-interactive/client-saffron-web';
import { sinkClient } from './bench-interactive/client-sink';
import { spicyClient } from './bench-interactive/client-spicy';
import type { Measurement } from './bench-interactive/measure';
import { measure } from './bench-interactive/measure';
import type { Failure } from './bench-interactive/report';
import { displayTable, inputTable, markdownTables } from './bench-interactive/report';
import { workloads } from './bench-interactive/workloads';

const ALL_CLIENTS: BenchClient[] = [sinkClient, saffronWebClient, spicyClient, html5Client];

interface Args {
  quick: boolean;
  workloads: string[] | undefined;
  clients: string[] | undefined;
  codecs: string[];
  windowMs: number;
  warmupMs: number;
  out: string | undefined;
  screenshot: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (k: string): string | undefined => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (k: string): string[] | undefined =>
    get(k)
      ?.split(',')
      .filter((s) => s.length > 0);
  const quick = argv.includes('--quick');
  return {
    quick,
    workloads: list('--workloads'),
    clients: list('--clients'),
    codecs: list('--codecs') ?? ['mjpeg'],
    windowMs: Number(get('--window-ms') ?? (quick ? 2000 : 8000)),
    warmupMs: Number(get('--warmup-ms') ?? (quick ? 1000 : 2000)),
    out: get('--out'),
    screenshot: !argv.includes('--no-screenshot'),
  };
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): Record<string, unknown> {
  const pkg = (name: string) => version('dpkg-query', ['-W', '-f=${Version}', name]);
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    chromium: version('/usr/bin/chromium', ['--version']),
    spiceClientGtk: pkg('spice-client-gtk'),
    spiceHtml5: pkg('spice-html5'),
    libspiceServer: pkg('libspice-server1'),
    commit: version('git', ['rev-parse', '--short', 'HEAD']),
    loadAverageAtStart: loadavg(),
  };
}

/** Runs a sub-benchmark script and returns its last JSON line. */
function runJsonScript(script: string, args: string[], timeoutMs: number): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal})`);
  const last = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!last) throw new Error(`${script} printed no JSON result`);
  return JSON.parse(last) as Record<string, unknown>;
}

/** What makes a row not mean what its workload says (printed under the table and kept in the JSON). */
function warnings(rows: readonly Measurement[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const lossy = r.framesShown > 0 ? r.lossyFrames / r.framesShown : 0;
    const streamMissed = r.streamWaitMs !== null && Number.isNaN(r.streamWaitMs);
    if (r.workload.startsWith('video-') && r.framesShown > 0 && lossy < 0.5 && !streamMissed) {
      out.push(
        `${r.workload} / ${r.client}: only ${Math.round(100 * lossy)}% of frames arrived lossy, so spice-server did not ` +
          'stream them as video (it starts a stream after 20 frames < 200 ms apart; a loaded machine misses that)',
      );
    }
    if (!r.workload.startsWith('video-') && r.lossyFrames > 0) {
      out.push(`${r.workload} / ${r.client}: ${r.lossyFrames} frames arrived lossy on a lossless workload`);
    }
    if (r.framesOutOfOrder > 0)
      out.push(`${r.workload} / ${r.client}: frame numbers went backwards ${r.framesOutOfOrder}×`);
    if (Number.isNaN(r.drainMs)) {
      out.push(
        `${r.workload} / ${r.client}: still behind 10 s after the generator stopped` +
          (r.input ? ' (its input latency was measured while it caught up)' : ''),
      );
    }
    if (streamMissed) {
      out.push(
        `${r.workload} / ${r.client}: the video stream did not reach it within 20 s of its first frame ` +
          `(${Math.round(100 * lossy)}% of the frames it showed in the window were from the stream)`,
      );
    }
  }
  return out;
}

function printMarkdown(rows: readonly Measurement[]): void {
  const inputs = rows.flatMap((r) => (r.input ? [{ client: r.client, input: r.input }] : []));
  console.log(`\n${markdownTables(rows, inputs)}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const markdownOf = argv[argv.indexOf('--markdown') + 1];
  if (argv.includes('--markdown') && markdownOf?.endsWith('.json')) {
    printMarkdown((JSON.parse(readFileSync(markdownOf, 'utf8')) as { display: Measurement[] }).display);
    return 0;
  }
  const args = parseArgs(argv);
  const allWorkloads = workloads(args.codecs);
  const chosenWorkloads = args.workloads
    ? args.workloads.map((id) => {
        const w = allWorkloads.find((x) => x.id === id);
        if (!w)
          throw new Error(`unknown workload ${id} (known: ${allWorkloads.map((x) => x.id).join(', ')})`);
        return w;
      })
    : allWorkloads;
  const clients = args.clients
    ? args.clients.map((id) => {
        const c = ALL_CLIENTS.find((x) => x.id === id);
        if (!c) throw new Error(`unknown client ${id} (known: ${ALL_CLIENTS.map((x) => x.id).join(', ')})`);
        return c;
      })
    : ALL_CLIENTS;
  const missing = [...new Set(clients.flatMap((c) => c.missing()))];
  if (missing.length > 0) {
    console.error(`bench:interactive needs Debian packages: apt-get install ${missing.join(' ')}`);
    return 1;
  }
  // input latency is measured once per client, after its run of this workload (a light one)
  const inputWorkload = chosenWorkloads.find((w) => w.id === 'terminal') ?? chosenWorkloads[0];
  const info = machine();
  const tmp = mkdtempSync(join(tmpdir(), 'saffron-bench-'));
  const rows: Measurement[] = [];
  const failures: Failure[] = [];
  const started = Date.now();
  // Ctrl+C / SIGTERM: stop the running clients and server (by their pids, in their own stop()) before exiting
  const active = new Set<() => Promise<void>>();
  const track = (stop: () => Promise<void>): (() => void) => {
    active.add(stop);
    return () => active.delete(stop);
  };
  const onSignal = (): void => {
    process.stderr.write('bench:interactive: interrupted, stopping clients and server …\n');
    void Promise.allSettled([...active].map((stop) => stop())).then(() => {
      rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const w of chosenWorkloads) {
      for (const c of clients) {
        process.stderr.write(`bench:interactive: ${w.id} / ${c.id} …\n`);
        try {
          rows.push(
            await measure(w, c, {
              warmupMs: args.warmupMs,
              windowMs: args.windowMs,
              input:
                w === inputWorkload
                  ? { keys: args.quick ? 10 : 40, moves: args.quick ? 10 : 40, gapMs: 30 }
                  : undefined,
              tmpDir: tmp,
              track,
            }),
          );
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          process.stderr.write(`  failed: ${error}\n`);
          failures.push({ workload: w.id, client: c.id, error });
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const screenshot = args.screenshot
    ? runJsonScript('scripts/bench-screenshot.ts', ['--runs', args.quick ? '5' : '21'], 300_000)
    : null;

  const result = {
    bench: 'interactive',
    date: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    options: args,
    machine: { ...info, loadAverageAtEnd: loadavg() },
    workloads: chosenWorkloads,
    clients: clients.map((c) => ({ id: c.id, label: c.label })),
    display: rows,
    warnings: warnings(rows),
    // the summary; the raw send/arrival times stay with each display row's `input`
    input: rows.flatMap((r) => {
      if (!r.input) return [];
      const { raw: _raw, ...figures } = r.input;
      return [{ client: r.client, workload: r.workload, ...figures }];
    }),
    failures,
    screenshot,
  };
  const out =
    args.out ?? join('bench-results', `interactive-${result.date.slice(0, 19).replace(/:/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  console.log(
    `\nInteractive path (${String(info.cores)} cores, ${String(info.cpu)}; window ${args.windowMs} ms):`,
  );
  console.log(displayTable(rows, failures));
  for (const warning of warnings(rows)) console.log(`warning: ${warning}`);
  const inputs = rows.flatMap((r) => (r.input ? [{ client: r.client, input: r.input }] : []));
  if (inputs.length > 0) {
    console.log("\nInput latency (event in the page / X server → the server's inputs channel):");
    console.log(inputTable(inputs));
  }
  if (screenshot) {
    console.log(
      `\nsaffron screenshot / spicy-screenshot (whole process, median): ${Number(screenshot.saffron_median_ms).toFixed(0)} / ${Number(screenshot.spicy_median_ms).toFixed(0)} ms = ${Number(screenshot.ratio).toFixed(2)}×`,
    );
  }
  if (argv.includes('--markdown')) printMarkdown(rows);
  console.log(`\nwrote ${out}`);
  // a Saffron client that cannot run a workload is a bug; a peer that cannot is a finding (kept in the JSON)
  return failures.some((f) => f.client.startsWith('saffron')) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench:interactive: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
