// Long fuzz campaigns for the image decoders (the unit suite runs short, fixed-seed ones).
//
//   npm run fuzz -- [--decoder NAME|all] [--iterations N] [--seconds T] [--seed S] [--out DIR] [--hang-ms MS]
//   npm run fuzz -- --decoder NAME --seed S --replay I      re-run one iteration (prints the outcome)
//
// Decoders: lz, glz, zlib-glz, lz4, bitmap, quic, jpeg, jpeg-alpha, bmp (guest clipboard), and agent (the guest agent's
// message stream) — targets in test/unit/decoders/fuzz-targets.ts.
// Each campaign runs in a worker thread; the main thread watches it, so a hang (no progress for --hang-ms, default
// 10000) is caught and the iteration that hung is reported. Every crash (an exception other than ProtocolError, or a
// hang) writes a reproducer to --out (default /tmp/saffron-fuzz): NAME-sS-iI.bin (the input bytes) and .json
// (descriptor size, bitmap fields, error). Exit status 1 if anything crashed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FUZZ_TARGETS, fuzzContext, fuzzInput, fuzzOnce } from '../test/unit/decoders/fuzz-targets';

interface Options {
  decoders: string[];
  iterations: number;
  seconds: number;
  seed: number;
  out: string;
  hangMs: number;
  replay: number | undefined;
}

type FromWorker =
  | { t: 'start'; iter: number }
  | { t: 'crash'; iter: number; error: string }
  | { t: 'done'; iterations: number; ok: number; rejected: number };

function parse(argv: string[]): Options {
  const o: Options = {
    decoders: ['all'],
    iterations: 1_000_000,
    seconds: 60,
    seed: Date.now() % 1_000_000_007,
    out: '/tmp/saffron-fuzz',
    hangMs: 10_000,
    replay: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--decoder') o.decoders = v().split(',');
    else if (a === '--iterations') o.iterations = Number(v());
    else if (a === '--seconds') o.seconds = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--hang-ms') o.hangMs = Number(v());
    else if (a === '--replay') o.replay = Number(v());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run fuzz -- [--decoder NAME|all] [--iterations N] [--seconds T] [--seed S] [--out DIR] ' +
          '[--hang-ms MS] [--replay I]\n' +
          `decoders: ${Object.keys(FUZZ_TARGETS).join(', ')}\n`,
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.decoders.includes('all')) o.decoders = Object.keys(FUZZ_TARGETS);
  for (const d of o.decoders) if (!(d in FUZZ_TARGETS)) throw new Error(`unknown decoder ${d}`);
  for (const [k, x] of [
    ['--iterations', o.iterations],
    ['--seconds', o.seconds],
    ['--seed', o.seed],
    ['--hang-ms', o.hangMs],
  ] as const) {
    if (!Number.isFinite(x) || x < 0) throw new Error(`${k} needs a non-negative number`);
  }
  return o;
}

/** Worker side: runs one campaign and reports each iteration before running it. */
async function campaign(name: string, seed: number, iterations: number, seconds: number): Promise<void> {
  const port = parentPort!;
  const target = FUZZ_TARGETS[name]!;
  const seeds = target.seeds();
  const ctx = await fuzzContext(name);
  const deadline = Date.now() + seconds * 1000;
  let ok = 0;
  let rejected = 0;
  let i = 0;
  for (; i < iterations && Date.now() < deadline; i++) {
    port.postMessage({ t: 'start', iter: i } satisfies FromWorker);
    const r = await fuzzOnce(target, fuzzInput(target, seeds, seed, i), ctx);
    if (r.kind === 'ok') ok++;
    else if (r.kind === 'rejected') rejected++;
    else {
      const error = r.error instanceof Error ? (r.error.stack ?? r.error.message) : String(r.error);
      port.postMessage({ t: 'crash', iter: i, error } satisfies FromWorker);
    }
  }
  port.postMessage({ t: 'done', iterations: i, ok, rejected } satisfies FromWorker);
}

function writeReproducer(o: Options, name: string, iter: number, error: string): string {
  const target = FUZZ_TARGETS[name]!;
  const input = fuzzInput(target, target.seeds(), o.seed, iter);
  mkdirSync(o.out, { recursive: true });
  const base = join(o.out, `${name}-s${o.seed}-i${iter}`);
  writeFileSync(`${base}.bin`, input.data);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        decoder: name,
        seed: o.seed,
        iteration: iter,
        width: input.width,
        height: input.height,
        bitmap: input.bitmap,
        wrap: input.wrap,
        error,
        replay: `npm run fuzz -- --decoder ${name} --seed ${o.seed} --replay ${iter}`,
      },
      null,
      2,
    ) + '\n',
  );
  return base;
}

function runCampaign(o: Options, name: string): Promise<number> {
  return new Promise((resolve) => {
    const self = pathToFileURL(fileURLToPath(import.meta.url)).href;
    const worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(self)}); })`,
      { eval: true, workerData: { name, seed: o.seed, iterations: o.iterations, seconds: o.seconds } },
    );
    let current = -1;
    let crashes = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        const base = writeReproducer(o, name, current, `no progress for ${o.hangMs} ms (hang)`);
        process.stdout.write(`${name}: HANG at iteration ${current} → ${base}.bin\n`);
        crashes++;
        void worker.terminate();
      }, o.hangMs);
    };
    // The watchdog starts with the first iteration (loading seeds and the GLZ context may take a while).
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'start') {
        current = m.iter;
        arm();
      } else if (m.t === 'crash') {
        crashes++;
        const base = writeReproducer(o, name, m.iter, m.error);
        process.stdout.write(
          `${name}: CRASH at iteration ${m.iter}: ${m.error.split('\n')[0]} → ${base}.bin\n`,
        );
      } else {
        process.stdout.write(
          `${name}: ${m.iterations} iterations (seed ${o.seed}): ${m.ok} decoded, ${m.rejected} rejected, ${crashes} crashes\n`,
        );
      }
    });
    worker.on('error', (e) => {
      crashes++;
      const base = writeReproducer(o, name, current, e.stack ?? e.message);
      process.stdout.write(`${name}: worker died at iteration ${current}: ${e.message} → ${base}.bin\n`);
    });
    worker.on('exit', () => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(crashes);
    });
  });
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  if (o.replay !== undefined) {
    for (const name of o.decoders) {
      const target = FUZZ_TARGETS[name]!;
      const input = fuzzInput(target, target.seeds(), o.seed, o.replay);
      const r = await fuzzOnce(target, input, await fuzzContext(name));
      process.stdout.write(
        `${name} seed ${o.seed} iteration ${o.replay}: ${input.data.length} bytes, ${input.width}x${input.height}: ` +
          `${r.kind}${r.kind === 'crash' ? `\n${r.error instanceof Error ? r.error.stack : String(r.error)}` : ''}\n`,
      );
    }
    return;
  }
  let total = 0;
  for (const name of o.decoders) total += await runCampaign(o, name);
  process.exit(total > 0 ? 1 : 0);
}

if (isMainThread) {
  await main();
} else {
  const d = workerData as { name: string; seed: number; iterations: number; seconds: number };
  await campaign(d.name, d.seed, d.iterations, d.seconds);
}
