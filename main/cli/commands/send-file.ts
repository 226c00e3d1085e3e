// `saffron send-file <uri|file.vv> FILE...`: sends files (folders: every file inside) to the guest through its
// SPICE agent, with a progress bar on a terminal or progress lines otherwise. Exits 0 once the agent confirmed
// every file; otherwise prints each file's reason and exits EXIT_AGENT (or the connection's own exit code).
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestAgent } from '../../spice/agent/guest-agent';
import { openFileSource, type FileSource } from '../../spice/agent/file-source';
import type { TransferResult } from '../../spice/agent/file-transfer';
import { SpiceError } from '../../spice/errors';
import * as E from '../../spice/protocol/enums';
import { SpiceSession } from '../../spice/session';
import { createStreamOpener } from '../../spice/transport/opener';
import { numberOption, parseArgs } from '../args';
import { cliLogger } from '../cli-logger';
import type { CliCommand, CliIo } from '../command';
import { CONNECT_ARG_SPEC, CONNECT_USAGE, configFromArgs, maxMemoryFromArgs } from '../connect-options';
import { reportError } from '../errors';
import { EXIT_AGENT, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, exitCodeFor } from '../exit-codes';
import { sessionDeadline } from '../wait';
import {
  formatBytes,
  formatRate,
  printable,
  progressView,
  type ProgressSnapshot,
} from './send-file-progress';

/** Every channel but main: sending files needs nothing else. */
const NOT_MAIN = [
  E.SPICE_CHANNEL_DISPLAY,
  E.SPICE_CHANNEL_INPUTS,
  E.SPICE_CHANNEL_CURSOR,
  E.SPICE_CHANNEL_PLAYBACK,
  E.SPICE_CHANNEL_RECORD,
  E.SPICE_CHANNEL_TUNNEL,
  E.SPICE_CHANNEL_SMARTCARD,
  E.SPICE_CHANNEL_USBREDIR,
  E.SPICE_CHANNEL_PORT,
  E.SPICE_CHANNEL_WEBDAV,
];

const NO_AGENT_HINT =
  'the guest runs no SPICE agent: install spice-vdagent in the guest (a Windows guest: spice-guest-tools), and give ' +
  'the VM a virtio-serial port named com.redhat.spice.0 (QEMU: -chardev spicevmc,name=vdagent)';

/** Regular files named by `paths`, folders expanded recursively (sorted; symlink loops followed once). */
export async function expandPaths(paths: readonly string[], warn: (line: string) => void): Promise<string[]> {
  const files: string[] = [];
  const seenDirs = new Set<string>();
  const visit = async (path: string, top: boolean): Promise<void> => {
    let s;
    try {
      s = await stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      if (top) throw new SpiceError('config', `cannot read '${path}': ${code}`);
      warn(`saffron: warning: skipping '${printable(path)}': ${code}`);
      return;
    }
    if (s.isFile()) {
      files.push(path);
    } else if (s.isDirectory()) {
      const real = await realpath(path);
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      const names = (await readdir(path)).sort();
      for (const name of names) await visit(join(path, name), false);
    } else if (top) {
      throw new SpiceError('config', `'${path}' is neither a file nor a folder`);
    } else {
      warn(`saffron: warning: skipping '${printable(path)}' (not a regular file)`);
    }
  };
  for (const p of paths) await visit(p, true);
  return files;
}

/** Resolves once the agent announced its capabilities; rejects after `timeoutMs` with the reason. */
function agentReady(agent: GuestAgent, timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let off = (): void => {};
  const promise = new Promise<void>((resolve, reject) => {
    if (agent.state.ready) return resolve();
    off = agent.on('state', (s) => {
      if (s.ready) resolve();
    });
    timer = setTimeout(
      () =>
        reject(
          new SpiceError(
            'timeout',
            agent.state.connected
              ? `the guest agent did not answer within ${Math.round(timeoutMs / 1000)} s`
              : `no guest agent within ${Math.round(timeoutMs / 1000)} s: ${NO_AGENT_HINT}`,
          ),
        ),
      Math.min(timeoutMs, 2 ** 31 - 1),
    );
  });
  promise.catch(() => {});
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      off();
    },
  };
}

export const sendFileCommand: CliCommand = {
  name: 'send-file',
  summary: 'send files (or folders) to the guest through its SPICE agent (spice-vdagent)',
  usage: `Usage: saffron send-file <spice://host:port | file.vv> FILE... [options]

Sends each FILE to the guest's agent, which saves it in its transfer folder (spice-vdagent: the guest user's
Downloads folder, or as configured; an existing name gets " (1)"). A folder sends every file inside it, recursively
(by file name: the guest receives them side by side). Shows a progress bar on a terminal, progress lines otherwise.
Exits 0 once the guest confirmed every file; otherwise prints each file's reason and exits 12 (8 when the
agent stops answering; see the README's exit codes).

  --timeout SECONDS   give up when the server or the guest agent stays silent this long (default 30); a transfer
                      that keeps moving is never cut off

${CONNECT_USAGE}`,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, CONNECT_ARG_SPEC);
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(this.usage);
      return EXIT_OK;
    }
    if (args.positional.length < 2) {
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    let session: SpiceSession | undefined;
    try {
      const timeoutMs = numberOption(args, 'timeout', 30) * 1000;
      const [target, ...paths] = args.positional as [string, ...string[]];
      const files = await expandPaths(paths, io.stderr);
      if (files.length === 0) throw new SpiceError('config', 'no files to send (the folders are empty)');
      const sources = await Promise.all(files.map((f) => openFileSource(f)));
      const config = await configFromArgs(target, args, io);
      const logger = cliLogger(io.stderr, args.flags.has('verbose'));
      session = new SpiceSession({
        opener: createStreamOpener(config, { logger }),
        ...(config.password !== undefined ? { password: config.password } : {}),
        logger,
        disableChannels: NOT_MAIN,
        maxMemoryBytes: maxMemoryFromArgs(args),
      });
      const connected = sessionDeadline(session, timeoutMs, 'the server');
      try {
        await Promise.race([session.connect(), connected.promise]);
      } finally {
        connected.cancel();
      }
      const ready = agentReady(session.agent, timeoutMs);
      const closed = sessionDeadline(session, 2 ** 31 - 1, 'the guest agent');
      try {
        await Promise.race([ready.promise, closed.promise]);
      } catch (e) {
        if (e instanceof SpiceError && e.code === 'timeout') {
          // No agent at all is the guest's setup (12); an agent that does not answer is a timeout (8).
          io.stderr(`saffron: ${e.message}`);
          return session.agent.state.connected ? EXIT_TIMEOUT : EXIT_AGENT;
        }
        throw e;
      } finally {
        ready.cancel();
        closed.cancel();
      }
      return await transfer(session, sources, timeoutMs, io);
    } catch (e) {
      return reportError(e, io);
    } finally {
      session?.close();
    }
  },
};

async function transfer(
  session: SpiceSession,
  sources: FileSource[],
  stallTimeoutMs: number,
  io: CliIo,
): Promise<number> {
  const agent = session.agent;
  const startedMs = performance.now();
  const view = progressView(io);
  const names = new Map<number, string>();
  let filesDone = 0;
  let current = sources[0]?.name ?? '';
  const batch = agent.sendFiles(sources);
  batch.transfers.forEach((t) => names.set(t.id, t.name));
  const snapshot = (): ProgressSnapshot => ({
    sentBytes: batch.sentBytes(),
    totalBytes: batch.totalBytes,
    filesDone,
    filesTotal: sources.length,
    current,
    elapsedMs: performance.now() - startedMs,
  });
  // A stall watchdog, not a deadline: every sign of life from the transfers restarts it.
  let stalled = false;
  let watchdog: NodeJS.Timeout | undefined;
  const poke = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(
      () => {
        stalled = true;
        batch.cancel();
      },
      Math.min(stallTimeoutMs, 2 ** 31 - 1),
    );
  };
  const offProgress = agent.on('transfer-progress', (p) => {
    if (!names.has(p.id)) return;
    current = p.name;
    poke();
    view.update(snapshot());
  });
  const offFinished = agent.on('transfer-finished', (f) => {
    if (!names.has(f.id)) return;
    filesDone++;
    poke();
    if (!f.result.ok && !stalled) view.line(`saffron: ${printable(f.name)}: ${f.result.message}`);
    view.update(snapshot());
  });
  // The session ending (server closed, network gone) ends the transfers; its reason decides the exit code.
  let sessionError: SpiceError | null = null;
  const offClosed = session.on('closed', ({ error }) => {
    sessionError = error;
  });
  let results: TransferResult[];
  poke();
  try {
    results = await batch.done;
  } finally {
    clearTimeout(watchdog);
    offProgress();
    offFinished();
    offClosed();
  }
  const final = snapshot();
  view.finish(final);
  if (stalled) {
    io.stderr(
      `saffron: the guest agent stopped answering for ${Math.round(stallTimeoutMs / 1000)} s; transfers cancelled ` +
        '(the server may have file transfer disabled, e.g. QEMU -spice disable-agent-file-xfer=on)',
    );
    return EXIT_TIMEOUT;
  }
  const lost = sessionError as SpiceError | null;
  if (lost) {
    io.stderr(`saffron: ${lost.message}`);
    return exitCodeFor(lost.code);
  }
  const failed = results.filter((r) => !r.ok).length;
  const sentOk = batch.transfers.filter((_, i) => results[i]!.ok).reduce((n, t) => n + t.sizeBytes, 0);
  const seconds = final.elapsedMs / 1000;
  io.stderr(
    `saffron: sent ${sources.length - failed} of ${sources.length} file${sources.length === 1 ? '' : 's'} ` +
      `(${formatBytes(sentOk)}) in ${seconds.toFixed(2)} s, ${formatRate(sentOk, final.elapsedMs)}`,
  );
  return failed === 0 ? EXIT_OK : EXIT_AGENT;
}
