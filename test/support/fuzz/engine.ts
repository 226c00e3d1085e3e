// The fuzz loop shared by `npm run fuzz` (long campaigns) and the seeded slice in the unit suite: each input
// is drawn from the target's seeds (real captures, builders) or from inputs that earlier produced an outcome
// not seen before (a cheap stand-in for coverage feedback), then mutated by the target's structure-aware
// mutator. An outcome is ok, rejected (a SpiceError: the documented way to refuse input) or a crash.
import { isSpiceError } from '../../../main/spice/errors';
import { prng } from '../prng';
import { pick, type Rnd } from './mutate';

export interface FuzzTargetDef<T> {
  name: string;
  /** What is fuzzed, for the report. */
  what: string;
  seeds(): T[] | Promise<T[]>;
  /** A new input from `base` (never modifies it); `pool` offers material to splice in. */
  mutate(base: T, rnd: Rnd, pool: readonly T[]): T;
  /** Processes one input; returns normally or throws a SpiceError. */
  run(input: T): unknown;
  /** Bytes for a reproducer file, and back. */
  serialize(input: T): Uint8Array;
  deserialize(bytes: Uint8Array): T;
  /** Called every `resetEvery` inputs to drop accumulated state (channels, caches). */
  reset?(): void | Promise<void>;
  resetEvery?: number;
}

export type Outcome =
  { kind: 'ok' } | { kind: 'rejected'; message: string } | { kind: 'crash'; error: unknown };

export async function runInput<T>(target: FuzzTargetDef<T>, input: T): Promise<Outcome> {
  try {
    await target.run(input);
    return { kind: 'ok' };
  } catch (e) {
    if (isSpiceError(e)) return { kind: 'rejected', message: e.message };
    return { kind: 'crash', error: e };
  }
}

/** What makes an outcome new: the kind and the error text with its numbers and quoted input blanked. */
function signature(o: Outcome): string {
  if (o.kind !== 'rejected') return o.kind;
  // Quoted input echoed in the message ('spice://…', "key=…") would make every input look new.
  return o.message
    .replace(/'[^']*'|"[^"]*"/g, '…')
    .replace(/\d+/g, '#')
    .slice(0, 80);
}

export interface Campaign<T> {
  readonly iterations: number;
  readonly ok: number;
  readonly rejected: number;
  readonly crashes: { iteration: number; input: T; error: unknown }[];
  /** Distinct outcome signatures seen. */
  readonly outcomes: number;
  /** Runs one more input; returns its outcome. `onStart` is called with the input before it runs. */
  step(onStart?: (input: T) => void): Promise<Outcome>;
}

const MAX_POOL = 512;

export async function startCampaign<T>(target: FuzzTargetDef<T>, seed: number): Promise<Campaign<T>> {
  const seeds = await target.seeds();
  if (seeds.length === 0) throw new Error(`${target.name}: no seeds`);
  const rnd = prng(seed);
  const pool: T[] = [];
  const seen = new Set<string>();
  const state = { iterations: 0, ok: 0, rejected: 0, crashes: [] as Campaign<T>['crashes'] };
  const campaign: Campaign<T> = {
    get iterations() {
      return state.iterations;
    },
    get ok() {
      return state.ok;
    },
    get rejected() {
      return state.rejected;
    },
    get crashes() {
      return state.crashes;
    },
    get outcomes() {
      return seen.size;
    },
    async step(onStart) {
      if (target.reset && state.iterations > 0 && state.iterations % (target.resetEvery ?? 1000) === 0)
        await target.reset();
      const fromPool = pool.length > 0 && rnd() < 0.3;
      const base: T = fromPool ? (pool[pick(rnd, pool.length)] as T) : (seeds[pick(rnd, seeds.length)] as T);
      let input = base;
      const edits = 1 + (rnd() < 0.7 ? pick(rnd, 2) : pick(rnd, 8));
      for (let e = 0; e < edits; e++) input = target.mutate(input, rnd, seeds);
      onStart?.(input);
      const outcome = await runInput(target, input);
      const iteration = state.iterations++;
      if (outcome.kind === 'ok') state.ok++;
      else if (outcome.kind === 'rejected') state.rejected++;
      else state.crashes.push({ iteration, input, error: outcome.error });
      const sig = signature(outcome);
      if (!seen.has(sig)) {
        seen.add(sig);
        if (outcome.kind !== 'crash') {
          if (pool.length >= MAX_POOL) pool.splice(pick(rnd, pool.length), 1);
          pool.push(input);
        }
      }
      return outcome;
    },
  };
  return campaign;
}
