// remote-viewer's `--auto-resize=always|never` on the shells' command lines (the app and `saffron web`): whether the
// guest is resized to the windows from the start of this run. It wins over the user's saved choice for the run,
// as remote-viewer's option does; absent, the saved choice (default: on) stands.
export interface AgentLaunchArgs {
  /** true for `always`, false for `never`, undefined when the option is absent. */
  autoResize?: boolean;
  /** The arguments without the option. */
  rest: string[];
}

const VALUES: Record<string, boolean> = { always: true, never: false };

function valueOf(raw: string): boolean {
  const v = VALUES[raw.trim().toLowerCase()];
  if (v === undefined) throw new Error(`--auto-resize takes always or never (got ${JSON.stringify(raw)})`);
  return v;
}

/** Takes `--auto-resize=VALUE` or `--auto-resize VALUE` out of `argv`; throws on a bad or missing value. */
export function extractAgentLaunchArgs(argv: readonly string[]): AgentLaunchArgs {
  const rest: string[] = [];
  let autoResize: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--auto-resize=')) {
      autoResize = valueOf(arg.slice('--auto-resize='.length));
    } else if (arg === '--auto-resize') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) throw new Error('--auto-resize takes always or never');
      autoResize = valueOf(next);
      i++;
    } else {
      rest.push(arg);
    }
  }
  return autoResize === undefined ? { rest } : { autoResize, rest };
}
