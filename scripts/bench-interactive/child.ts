// Child processes of the benchmark: line-oriented stdout, bounded waits, and a stop that ends the child and
// every process it started (found through /proc by parentage, ended by pid — never by name).
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processTree } from './proc-stats';

export interface LineChild {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly lines: string[];
  /** Resolves with the first line (from `from` on) that matches; rejects after timeoutMs or on exit. */
  waitLine(match: (line: string) => boolean, timeoutMs: number, from?: number): Promise<string>;
  write(text: string): void;
  stderr(): string;
  stop(graceMs?: number): Promise<void>;
}

export function startLineChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): LineChild {
  const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = proc.pid;
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let errText = '';
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exited = true;
      for (const w of [...waiters]) w();
      resolve();
    }),
  );
  proc.once('error', (e) => {
    errText += `${e.message}\n`;
  });
  proc.stdin?.on('error', () => undefined);
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      lines.push(line);
      for (const w of [...waiters]) w();
    });
  }
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    errText = (errText + chunk).slice(-16384);
  });
  return {
    proc,
    pid,
    lines,
    waitLine(match, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (let i = from; i < lines.length; i++) {
            if (match(lines[i]!)) {
              done();
              resolve(lines[i]!);
              return;
            }
          }
          if (exited) {
            done();
            reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}): ${errText.trim()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no expected output within ${timeoutMs} ms; stderr: ${errText.trim()}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    write(text) {
      if (!exited) proc.stdin?.write(text);
    },
    stderr: () => errText,
    async stop(graceMs = 3000) {
      const family = [...processTree([pid]).keys()];
      if (!exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const p of family) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }, graceMs);
      await exitPromise;
      clearTimeout(timer);
      // descendants that outlived their parent (e.g. a session process) end too
      for (const p of family) {
        if (p === pid) continue;
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          // gone already
        }
      }
      proc.stdin?.destroy();
      proc.stdout?.destroy();
      proc.stderr?.destroy();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
