// Long fuzz campaigns over every parser and decoder that reads untrusted input (the unit suite runs a short,
// seeded slice of the same targets: test/unit/fuzz/fuzz-slice.test.ts).
//
//   npm run fuzz -- [--minutes N | --seconds N] [--count N] [--target NAME,…|all] [--jobs J] [--seed S]
//                   [--out DIR] [--hang-ms MS]
//   npm run fuzz -- --list
//   npm run fuzz -- --target NAME --reproduce FILE      run one saved input and print its outcome
//
// Targets (test/support/fuzz/all-targets.ts): the link stage, the framer (mini and full header), the main,
// display, cursor, inputs, playback and record channels' message handling through the real channel classes, the
// audio message decoders and Opus packet check, the usbredir parser and the virtual disk's SCSI commands, .vv
// files, URIs / proxy URLs / host subjects, the app contract's request guard and port-message decoder, every image
// decoder, the clipboard BMP decoder and the guest agent's message stream (decode-*). Inputs are structure-aware mutations of real captures and builders, with a pool of inputs
// that produced outcomes not seen before.
//
// --minutes/--seconds is the total wall time, shared equally by the targets (J at a time); --count stops each
// target after N inputs (whichever comes first; --count alone runs to the count). Each target runs in a worker
// thread watched by the main thread: no progress for --hang-ms (default 10000) is a hang. Every crash (an
// exception other than a SpiceError) and hang writes its input to --out (default /tmp/saffron-fuzz) as
// TARGET-sSEED-iN.bin with a .txt of the error. Exit status 1 if anything crashed or hung.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ALL_TARGETS } from '../test/support/fuzz/all-targets';
import { runInput, startCampaign } from '../test/support/fuzz/engine';

interface Options {
  targets: string[];
  seconds: number;
  count: number;
  jobs: number;
  seed: number;
  out: string;
  hangMs: number;
  reproduce?: string;
}

/** Largest input kept in shared memory so a hung input can still be saved. */
const MAX_SHARED_INPUT = 4 * 1024 * 1024;

interface WorkerJob {
  target: string;
  seed: number;
  seconds: number;
  count: number;
  /** [0] = iterations started, [1] = length of the input being run; then the input bytes. */
  shared: SharedArrayBuffer;
}

type FromWorker =
  | { t: 'crash'; iteration: number; input: Uint8Array; error: string }
  | { t: 'done'; iterations: number; ok: number; rejected: number; outcomes: number; seconds: number };

function usage(): string {
  return (
    'usage: npm run fuzz -- [--minutes N | --seconds N] [--count N] [--target NAME,…|all] [--jobs J] [--seed S]\n' +
    '                       [--out DIR] [--hang-ms MS] | --list | --target NAME --reproduce FILE\n'
  );
}

function parse(argv: string[]): Options {
  const o: Options = {
    targets: ['all'],
    seconds: 0,
    count: 0,
    jobs: 1,
    seed: Date.now() % 1_000_000_007,
    out: '/tmp/saffron-fuzz',
    hangMs: 10_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = (): number => {
      const n = Number(v());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${a} needs a non-negative number`);
      return n;
    };
    if (a === '--target' || a === '--targets') o.targets = v().split(',');
    else if (a === '--decoder')
      o.targets = v()
        .split(',')
        .map((d) => (d === 'all' ? d : `decode-${d}`));
    else if (a === '--minutes') o.seconds = num() * 60;
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--count' || a === '--iterations') o.count = Math.floor(num());
    else if (a === '--jobs') o.jobs = Math.max(1, Math.floor(num()));
    else if (a === '--seed') o.seed = Math.floor(num());
    else if (a === '--out') o.out = v();
    else if (a === '--hang-ms') o.hangMs = num();
    else if (a === '--reproduce') o.reproduce = v();
    else if (a === '--list') {
      for (const [name, make] of Object.entries(ALL_TARGETS))
        process.stdout.write(`${name.padEnd(20)} ${make().what}\n`);
      process.exit(0);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.targets.includes('all')) o.targets = Object.keys(ALL_TARGETS);
  for (const t of o.targets) if (!(t in ALL_TARGETS)) throw new Error(`unknown target ${t} (see --list)`);
  if (o.seconds === 0 && o.count === 0) o.seconds = 60;
  return o;
}

// ---- worker side ----

async function campaign(job: WorkerJob): Promise<void> {
  const port = parentPort!;
  const target = ALL_TARGETS[job.target]!();
  const progress = new Int32Array(job.shared, 0, 2);
  const bytes = new Uint8Array(job.shared, 8);
  const c = await startCampaign(target, job.seed);
  const started = performance.now();
  const deadline = job.seconds > 0 ? started + job.seconds * 1000 : Infinity;
  const limit = job.count > 0 ? job.count : Infinity;
  let reported = 0;
  while (c.iterations < limit && performance.now() < deadline) {
    await c.step((input) => {
      const data = target.serialize(input);
      const n = Math.min(data.length, MAX_SHARED_INPUT);
      bytes.set(data.subarray(0, n));
      Atomics.store(progress, 1, n);
      Atomics.add(progress, 0, 1);
    });
    for (; reported < c.crashes.length; reported++) {
      const crash = c.crashes[reported]!;
      const error =
        crash.error instanceof Error ? (crash.error.stack ?? crash.error.message) : String(crash.error);
      port.postMessage({
        t: 'crash',
        iteration: crash.iteration,
        input: target.serialize(crash.input),
        error,
      } satisfies FromWorker);
    }
  }
  port.postMessage({
    t: 'done',
    iterations: c.iterations,
    ok: c.ok,
    rejected: c.rejected,
    outcomes: c.outcomes,
    seconds: (performance.now() - started) / 1000,
  } satisfies FromWorker);
}

// ---- main side ----

interface Result {
  target: string;
  iterations: number;
  seconds: number;
  ok: number;
  rejected: number;
  outcomes: number;
  crashes: number;
  hangs: number;
}

function save(o: Options, target: string, iteration: number, input: Uint8Array, error: string): string {
  mkdirSync(o.out, { recursive: true });
  const base = join(o.out, `${target}-s${o.seed}-i${iteration}`);
  writeFileSync(`${base}.bin`, input);
  writeFileSync(
    `${base}.txt`,
    `${error}\n\nreproduce: npm run fuzz -- --target ${target} --reproduce ${base}.bin\n`,
  );
  return base;
}

function runTarget(o: Options, target: string, seconds: number): Promise<Result> {
  return new Promise((resolve) => {
    const shared = new SharedArrayBuffer(8 + MAX_SHARED_INPUT);
    const progress = new Int32Array(shared, 0, 2);
    const self = pathToFileURL(fileURLToPath(import.meta.url)).href;
    const job: WorkerJob = { target, seed: o.seed, seconds, count: o.count, shared };
    const worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(self)}); })`,
      { eval: true, workerData: job },
    );
    const result: Result = {
      target,
      iterations: 0,
      seconds: 0,
      ok: 0,
      rejected: 0,
      outcomes: 0,
      crashes: 0,
      hangs: 0,
    };
    let last = -1;
    let still = 0;
    const started = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== last) {
        last = now;
        still = 0;
        return;
      }
      if (now === 0) return; // still loading seeds
      still += 500;
      if (still < o.hangMs) return;
      const n = Atomics.load(progress, 1);
      const input = new Uint8Array(shared, 8, n).slice();
      const base = save(o, target, now - 1, input, `no progress for ${o.hangMs} ms (hang)`);
      process.stdout.write(`${target}: HANG at input ${now - 1} → ${base}.bin\n`);
      result.hangs++;
      result.iterations = now;
      result.seconds = (performance.now() - started) / 1000;
      void worker.terminate();
    }, 500);
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'crash') {
        result.crashes++;
        const base = save(o, target, m.iteration, m.input, m.error);
        process.stdout.write(
          `${target}: CRASH at input ${m.iteration}: ${m.error.split('\n')[0]} → ${base}.bin\n`,
        );
      } else {
        Object.assign(result, {
          iterations: m.iterations,
          ok: m.ok,
          rejected: m.rejected,
          outcomes: m.outcomes,
          seconds: m.seconds,
        });
      }
    });
    worker.on('error', (e) => {
      result.crashes++;
      const n = Atomics.load(progress, 1);
      const base = save(
        o,
        target,
        Atomics.load(progress, 0) - 1,
        new Uint8Array(shared, 8, n).slice(),
        e.stack ?? e.message,
      );
      process.stdout.write(`${target}: worker died: ${e.message} → ${base}.bin\n`);
    });
    worker.on('exit', () => {
      clearInterval(watchdog);
      resolve(result);
    });
  });
}

function report(results: Result[]): string {
  const rows = results.map((r) => {
    const rate = r.seconds > 0 ? Math.round(r.iterations / r.seconds) : 0;
    return `| ${r.target} | ${r.iterations} | ${r.seconds.toFixed(0)} | ${rate} | ${r.ok} | ${r.rejected} | ${r.outcomes} | ${r.crashes} | ${r.hangs} |`;
  });
  return [
    '| target | inputs | s | inputs/s | ok | rejected | distinct outcomes | crashes | hangs |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n${usage()}`);
    process.exit(2);
  }
  if (o.reproduce !== undefined) {
    if (o.targets.length !== 1) throw new Error('--reproduce needs exactly one --target');
    const target = ALL_TARGETS[o.targets[0]!]!();
    await target.seeds(); // some targets build their context there
    const outcome = await runInput(target, target.deserialize(new Uint8Array(readFileSync(o.reproduce))));
    process.stdout.write(
      outcome.kind === 'crash'
        ? `crash: ${outcome.error instanceof Error ? outcome.error.stack : String(outcome.error)}\n`
        : `${outcome.kind}${outcome.kind === 'rejected' ? `: ${outcome.message}` : ''}\n`,
    );
    process.exit(outcome.kind === 'crash' ? 1 : 0);
  }
  const perTarget = o.seconds > 0 ? (o.seconds * o.jobs) / o.targets.length : 0;
  process.stdout.write(
    `fuzzing ${o.targets.length} targets, seed ${o.seed}` +
      (perTarget > 0 ? `, ${perTarget.toFixed(0)} s each` : '') +
      (o.count > 0 ? `, at most ${o.count} inputs each` : '') +
      `, ${o.jobs} at a time\n`,
  );
  const results: Result[] = [];
  const queue = [...o.targets];
  await Promise.all(
    Array.from({ length: Math.min(o.jobs, queue.length) }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
        const r = await runTarget(o, t, perTarget);
        process.stdout.write(
          `${t}: ${r.iterations} inputs in ${r.seconds.toFixed(0)} s (${r.seconds > 0 ? Math.round(r.iterations / r.seconds) : 0}/s), ` +
            `${r.ok} ok, ${r.rejected} rejected, ${r.outcomes} distinct outcomes, ${r.crashes} crashes, ${r.hangs} hangs\n`,
        );
        results.push(r);
      }
    }),
  );
  results.sort((a, b) => o.targets.indexOf(a.target) - o.targets.indexOf(b.target));
  const table = report(results);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(o.out, { recursive: true });
  writeFileSync(
    join(o.out, `summary-s${o.seed}.json`),
    JSON.stringify({ seed: o.seed, results }, null, 2) + '\n',
  );
  writeFileSync(join(o.out, `summary-s${o.seed}.md`), table + '\n');
  process.exit(results.some((r) => r.crashes + r.hangs > 0) ? 1 : 0);
}

if (isMainThread) {
  await main();
} else {
  await campaign(workerData as WorkerJob);
}
