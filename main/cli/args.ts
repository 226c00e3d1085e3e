// A small strict argument parser: known flags only, `--flag value` or `--flag=value`, booleans without values.
import { SpiceError } from '../spice/errors';

export interface ArgSpec {
  /** Flags taking a value, e.g. ['password', 'output'] (aliases map short names). */
  values?: readonly string[];
  booleans?: readonly string[];
  aliases?: Readonly<Record<string, string>>;
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  const values = new Set(spec.values ?? []);
  const booleans = new Set([...(spec.booleans ?? []), 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    name = spec.aliases?.[name] ?? name;
    if (values.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new SpiceError('config', `option --${name} needs a value`);
      out.values.set(name, value);
    } else if (booleans.has(name) && eq < 0) {
      out.flags.add(name);
    } else {
      throw new SpiceError('config', `unknown option ${arg}`);
    }
  }
  return out;
}

export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.values.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new SpiceError('config', `--${name} must be a non-negative number, got '${raw}'`);
  return n;
}
