// `saffron web <uri|file.vv> [--listen 127.0.0.1:PORT] [connection options]`: the app's renderer served to a browser,
// with the SPICE session in a session process this command starts (and restarts if it dies), and the contract
// carried over a WebSocket.
import { printableText, terminalSafeJson } from '../../../shared/printable-text';
import type { CliCommand, CliIo } from '../command';
import { numberOption, parseArgs, type ParsedArgs } from '../args';
import { CONNECT_ARG_SPEC, CONNECT_USAGE, configFromArgs, maxMemoryFromArgs } from '../connect-options';
import { EXIT_FAILURE, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, exitCodeFor } from '../exit-codes';
import { errorMessage, isSpiceError } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import { redact } from '../../spice/logger';
import { defaultRendererDir } from '../../web/static-files';
import { startWebHarness } from '../../web/harness';
import { userSettingsPath } from '../../session/settings/settings-store';
import { checkImagePath } from '../../session/bridges/usb-images';
import { extractUsbLaunchArgs, type UsbLaunchOptions } from '../../session/bridges/usb-launch-options';
import { extractAgentLaunchArgs } from '../../session/bridges/agent-launch-options';

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

import {
  TlsSetupError,
  generateSelfSigned,
  isLoopbackHost,
  loadTlsFiles,
  type TlsMaterial,
} from '../../web/web-tls';

/** The user's settings file (shared with the desktop app's schema), from the environment; none without a home. */
function settingsFileOption(env: Record<string, string | undefined>): { settingsFile?: string } {
  const path = userSettingsPath(env, process.platform);
  return path !== undefined ? { settingsFile: path } : {};
}

const USAGE = `usage: saffron web [URI | FILE.vv] [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [USB options] [connection options]

Serves the Saffron viewer to a web browser: the SPICE session runs in a session process started by this command
and the page talks to it over a WebSocket. Without a URI the page shows the connect form.

  --listen HOST:PORT   address to listen on (default 127.0.0.1:0 = a free loopback port). Anything but a
                       loopback address exposes the VM to the network: only do that on a trusted network.
  --tls-cert FILE      serve HTTPS with this PEM certificate (with --tls-key). Beyond localhost, without them,
  --tls-key FILE       a self-signed certificate is generated for the run and its SHA-256 fingerprint printed
                       ("certificate sha256 AB:CD:…"): check it against what the browser shows. HTTPS is what
                       lets the browser share its clipboard with the guest from another machine.
  --no-reconnect       do not reconnect by itself when the connection drops (default: retry with a countdown,
                       see docs/reconnect.md)
  --auto-resize=always|never   resize the guest to the browser viewport (default: the saved choice, on at
                       first); never = keep the guest's resolution for this run (as remote-viewer's option)

USB options (docs/usb.md; the page's USB picker shows the devices of this machine):
  --share-cd FILE.iso          share an ISO as a USB CD-ROM drive (repeatable)
  --share-disk FILE.img        share a raw disk image read-only (repeatable); --share-disk-rw: read-write
  --usb-auto-redirect FILTER   auto-share filter for devices plugged in (usbredir filter syntax)
  --usb-redirect-on-connect FILTER   devices already plugged in and matching FILTER are shared on connect
  The page may also share an image by typing its path, when listening on a loopback address.

${CONNECT_USAGE}
For web, --timeout bounds the first connection to the URI or .vv given here (default: none, the page shows
the outcome and offers to reconnect); still connecting after that long, saffron web exits with code 8.

Prints "listening http(s)://HOST:PORT/#token=…" once ready: open that address (the token, new each run, is what
lets a page drive the VM; other monitors: add ?monitor=N before the #). Runs until interrupted (Ctrl+C).`;

function parseListen(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseWebArgs(argv: string[]): ParsedArgs {
  return parseArgs(argv, {
    values: [...CONNECT_ARG_SPEC.values, 'listen', 'tls-cert', 'tls-key'],
    booleans: [...CONNECT_ARG_SPEC.booleans, 'no-reconnect'],
    aliases: { v: 'verbose', h: 'help' },
  });
}

function stderrLogger(io: CliIo, verbose: boolean): Logger {
  // Log lines carry server text (notices, names, errors): printable only.
  const line = (level: string, m: string, f?: Record<string, unknown>) =>
    io.stderr(
      `${level}: ${printableText(m, 2048)}${f ? ' ' + printableText(terminalSafeJson(redact(f)), 2048) : ''}`,
    );
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

/** Resolves with EXIT_TIMEOUT if the host is still connecting after `timeoutMs` (never resolves otherwise). */
function firstConnectDeadline(host: { readonly currentState: string }, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    setTimeout(() => {
      // 'idle': the session process has not even reported the attempt yet (it may still be starting).
      if (host.currentState === 'connecting' || host.currentState === 'idle') resolve(EXIT_TIMEOUT);
    }, timeoutMs).unref();
  });
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
    let args: ParsedArgs;
    let listen = { host: '127.0.0.1', port: 0 };
    let timeoutMs: number | undefined;
    let usb: Omit<UsbLaunchOptions, 'typedImagePaths'>;
    let autoResize: boolean | undefined;
    try {
      const agentArgs = extractAgentLaunchArgs(argv);
      autoResize = agentArgs.autoResize;
      const extracted = extractUsbLaunchArgs(agentArgs.rest, process.cwd());
      usb = extracted.usb;
      args = parseWebArgs(extracted.rest);
      if (args.flags.has('help')) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      const listenArg = args.values.get('listen');
      if (listenArg !== undefined) {
        const parsed = parseListen(listenArg);
        if (!parsed) throw new Error(`--listen needs HOST:PORT (got ${listenArg})`);
        listen = parsed;
      }
      if (args.values.has('tls-cert') !== args.values.has('tls-key'))
        throw new Error('--tls-cert and --tls-key go together');
      if (args.values.has('timeout')) timeoutMs = numberOption(args, 'timeout', 0) * 1000;
      if (args.positional.length > 1) throw new Error(`unexpected argument ${args.positional[1]}`);
    } catch (e) {
      io.stderr(`saffron web: ${errorMessage(e)}`);
      io.stderr(USAGE);
      return EXIT_USAGE;
    }
    for (const image of usb.images) {
      const check = await checkImagePath(image.path, image, 'this computer');
      if (!check.ok) {
        io.stderr(
          `saffron web: --share-${image.imageKind}: ${check.message}${check.hint ? ` (${check.hint})` : ''}`,
        );
        return EXIT_USAGE;
      }
    }
    const parsed = { listenHost: listen.host, listenPort: listen.port, target: args.positional[0] };
    const logger = stderrLogger(io, args.flags.has('verbose'));
    const rendererDir = defaultRendererDir();
    if (!rendererDir) {
      io.stderr('saffron web: the renderer is not built (dist/renderer missing) — run `npm run build`');
      return EXIT_FAILURE;
    }
    let config;
    if (parsed.target !== undefined) {
      try {
        config = await configFromArgs(parsed.target, args, io, {
          capabilities: { window: true, hotkeys: true, usbredir: true },
        });
      } catch (e) {
        io.stderr(`saffron web: ${printableText(errorMessage(e), 2048)}`);
        return isSpiceError(e) ? exitCodeFor(e.code) : EXIT_USAGE;
      }
    }
    if (!LOOPBACK_HOSTS.includes(parsed.listenHost)) {
      io.stderr(`warning: listening on ${parsed.listenHost}: anyone who can reach it can use the VM`);
    }
    let maxMemoryBytes: number | undefined;
    try {
      if (args.values.has('max-memory')) maxMemoryBytes = maxMemoryFromArgs(args);
    } catch (e) {
      io.stderr(`saffron web: ${errorMessage(e)}`);
      return EXIT_USAGE;
    }
    let tls: TlsMaterial | undefined;
    try {
      const certPath = args.values.get('tls-cert');
      const keyPath = args.values.get('tls-key');
      if (certPath !== undefined && keyPath !== undefined) tls = loadTlsFiles(certPath, keyPath);
      else if (!isLoopbackHost(parsed.listenHost)) tls = generateSelfSigned(parsed.listenHost);
    } catch (e) {
      io.stderr(`saffron web: ${errorMessage(e)}`);
      return e instanceof TlsSetupError ? EXIT_USAGE : EXIT_FAILURE;
    }
    if (tls) {
      io.stdout(
        `certificate sha256 ${tls.fingerprint256}${tls.selfSigned ? ' (self-signed for this run)' : ''}`,
      );
    }
    let harness;
    try {
      harness = await startWebHarness({
        rendererDir,
        listenHost: parsed.listenHost,
        listenPort: parsed.listenPort,
        logger,
        env: io.env,
        debug: args.flags.has('verbose'),
        ...settingsFileOption(io.env),
        ...(args.flags.has('no-reconnect') ? { autoReconnect: false } : {}),
        ...(maxMemoryBytes !== undefined ? { maxMemoryBytes } : {}),
        ...(autoResize !== undefined ? { agent: { autoResize } } : {}),
        ...(config ? { config } : {}),
        usb: { ...usb, typedImagePaths: LOOPBACK_HOSTS.includes(parsed.listenHost) },
        ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
      });
    } catch (e) {
      io.stderr(
        `saffron web: cannot listen on ${parsed.listenHost}:${parsed.listenPort}: ${errorMessage(e)}`,
      );
      return EXIT_FAILURE;
    }
    // A long-running server: a stray error (a bug, a path nobody foresaw) is logged and the server keeps
    // answering; the session itself runs in its own process (a failure there is shown in the page).
    const releaseGuard = io.guard?.keepRunning((e) => {
      logger.error(`internal error (the web server keeps running): ${errorMessage(e)}`);
    });
    io.stdout(`listening ${harness.url}`);
    let outcome = EXIT_OK;
    try {
      outcome = await Promise.race([
        untilInterrupted().then(() => EXIT_OK),
        ...(config && timeoutMs !== undefined ? [firstConnectDeadline(harness.views, timeoutMs)] : []),
      ]);
      if (outcome === EXIT_TIMEOUT)
        io.stderr(`saffron web: gave up after ${timeoutMs! / 1000} s waiting for the server`);
    } finally {
      await harness.close();
      releaseGuard?.();
    }
    return outcome;
  },
};
