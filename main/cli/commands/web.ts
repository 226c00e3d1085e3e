// `saffron web <uri|file.vv> [--listen 127.0.0.1:PORT] [--password P]`: the app's renderer served to a browser,
// with the SPICE session running here in Node and the app contract carried over a WebSocket.
import type { CliCommand, CliIo } from '../command';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../exit-codes';
import { resolveTarget } from '../../spice/connect/resolve';
import { errorMessage, isSpiceError } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import { redact } from '../../spice/logger';
import { defaultRendererDir } from '../../web/static-files';
import { startWebHarness } from '../../web/harness';

const USAGE = `usage: saffron web [URI | FILE.vv] [--listen HOST:PORT] [--password PASSWORD] [--verbose]
                   [--udpack-public-key FILE] [--udpack-token TOKEN]

Serves the Saffron viewer to a web browser: the SPICE session runs in this process and the page talks to it
over a WebSocket. Without a URI the page shows the connect form.

  --listen HOST:PORT   address to listen on (default 127.0.0.1:0 = a free loopback port). Anything but a
                       loopback address exposes the VM to the network: only do that on a trusted network.
  --password PASSWORD  SPICE ticket (also: the password= URI parameter or the .vv file)
  --udpack-public-key FILE, --udpack-token TOKEN
                       for spice+udpack://GATEWAY:PORT (also SAFFRON_UDPACK_PUBLIC_KEY / SAFFRON_UDPACK_TOKEN)
  --verbose            log protocol details to stderr

Prints "listening http://HOST:PORT/#token=…" once ready: open that address (the token, new each run, is what
lets a page drive the VM; other monitors: add ?monitor=N before the #). Runs until interrupted (Ctrl+C).`;

interface WebArgs {
  target?: string;
  listenHost: string;
  listenPort: number;
  password?: string;
  udpackPublicKeyFile?: string;
  udpackToken?: string;
  verbose: boolean;
}

function parseListen(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseArgs(argv: string[]): WebArgs | string {
  const args: WebArgs = { listenHost: '127.0.0.1', listenPort: 0, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string | undefined => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      i++;
      return argv[i];
    };
    if (arg === '--listen' || arg.startsWith('--listen=')) {
      const v = value();
      const listen = v === undefined ? undefined : parseListen(v);
      if (!listen) return `--listen needs HOST:PORT (got ${v ?? 'nothing'})`;
      args.listenHost = listen.host;
      args.listenPort = listen.port;
    } else if (arg === '--password' || arg.startsWith('--password=')) {
      const v = value();
      if (v === undefined) return '--password needs a value';
      args.password = v;
    } else if (arg === '--udpack-public-key' || arg.startsWith('--udpack-public-key=')) {
      const v = value();
      if (v === undefined) return '--udpack-public-key needs a file';
      args.udpackPublicKeyFile = v;
    } else if (arg === '--udpack-token' || arg.startsWith('--udpack-token=')) {
      const v = value();
      if (v === undefined) return '--udpack-token needs a value';
      args.udpackToken = v;
    } else if (arg === '--verbose' || arg === '-v') {
      args.verbose = true;
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg}`;
    } else if (args.target === undefined) {
      args.target = arg;
    } else {
      return `unexpected argument ${arg}`;
    }
  }
  return args;
}

function stderrLogger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string, m: string, f?: Record<string, unknown>) =>
    io.stderr(`${level}: ${m}${f ? ' ' + JSON.stringify(redact(f)) : ''}`);
  return {
    debug: (m, f) => {
      if (verbose) line('debug', m, f);
    },
    info: (m, f) => {
      if (verbose) line('info', m, f);
    },
    warn: (m, f) => line('warning', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/** Resolves on SIGINT/SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export const webCommand: CliCommand = {
  name: 'web',
  summary: 'serve the viewer to a web browser (session in Node, page over a WebSocket)',
  usage: USAGE,
  async run(argv, io) {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    const parsed = parseArgs(argv);
    if (typeof parsed === 'string') {
      io.stderr(`saffron web: ${parsed}`);
      io.stderr(USAGE);
      return EXIT_USAGE;
    }
    const logger = stderrLogger(io, parsed.verbose);
    const rendererDir = defaultRendererDir();
    if (!rendererDir) {
      io.stderr('saffron web: the renderer is not built (dist/renderer missing) — run `npm run build`');
      return EXIT_FAILURE;
    }
    let config;
    if (parsed.target !== undefined) {
      try {
        config = await resolveTarget(parsed.target, {
          env: io.env,
          capabilities: { window: true, hotkeys: true },
          ...(parsed.password !== undefined ? { password: parsed.password } : {}),
          ...(parsed.udpackPublicKeyFile !== undefined
            ? { udpackPublicKeyFile: parsed.udpackPublicKeyFile }
            : {}),
          ...(parsed.udpackToken !== undefined ? { udpackToken: parsed.udpackToken } : {}),
        });
      } catch (e) {
        io.stderr(`saffron web: ${errorMessage(e)}`);
        return isSpiceError(e) ? exitCodeFor(e.code) : EXIT_USAGE;
      }
    }
    if (!['127.0.0.1', '::1', 'localhost'].includes(parsed.listenHost)) {
      io.stderr(`warning: listening on ${parsed.listenHost}: anyone who can reach it can use the VM`);
    }
    let harness;
    try {
      harness = await startWebHarness({
        rendererDir,
        listenHost: parsed.listenHost,
        listenPort: parsed.listenPort,
        logger,
        env: io.env,
        ...(config ? { config } : {}),
      });
    } catch (e) {
      io.stderr(
        `saffron web: cannot listen on ${parsed.listenHost}:${parsed.listenPort}: ${errorMessage(e)}`,
      );
      return EXIT_FAILURE;
    }
    io.stdout(`listening ${harness.url}`);
    await untilInterrupted();
    await harness.close();
    return EXIT_OK;
  },
};
