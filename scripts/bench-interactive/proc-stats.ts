// CPU time and memory of a client's process tree, read from /proc: every descendant of the client's root
// processes (Node and its worker threads, Chromium's browser/renderer/GPU/utility processes, spicy, Xvfb).
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

interface ProcStat {
  ppid: number;
  /** utime + stime in clock ticks (all threads). */
  cpuTicks: number;
  comm: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // exited
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), comm };
}

/** Proportional set size: shared pages split among their users, so a tree's sum counts each page once. */
function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** The roots and all their descendants, with their stats. */
export function processTree(roots: readonly number[]): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.set(Number(name), st);
  }
  const children = new Map<number, number[]>();
  for (const [pid, st] of all) {
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out = new Map<number, ProcStat>();
  const stack = roots.filter((r) => all.has(r));
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (out.has(pid)) continue;
    out.set(pid, all.get(pid)!);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds used so far by the roots and their descendants. */
export function treeCpuSeconds(roots: readonly number[]): number {
  let ticks = 0;
  for (const st of processTree(roots).values()) ticks += st.cpuTicks;
  return ticks / clockTicks();
}

/** A named part of a client (e.g. "node", "chromium", "xvfb") and where its processes are. */
export interface ProcessGroup {
  name: string;
  roots: () => number[];
}

export interface GroupUsage {
  name: string;
  cpuSeconds: number;
  /** Peak of the group's summed resident set (shared pages counted in every process), sampled. */
  rssPeakMb: number;
  /** Peak of the group's summed proportional set size (shared pages counted once), sampled. */
  pssPeakMb: number;
  processes: number;
  /** Highest VmHWM (peak RSS) of one process in the group. */
  maxProcessHwmMb: number;
}

export interface UsageMeter {
  stop(): GroupUsage[];
}

/** Starts measuring CPU (delta of utime+stime over the window) and peak RSS (sampled) for each group. */
export function startUsage(groups: readonly ProcessGroup[], sampleMs = 250): UsageMeter {
  const start = groups.map((g) => processTree(g.roots()));
  const rssPeakKb = groups.map(() => 0);
  const pssPeakKb = groups.map(() => 0);
  const sample = (): void => {
    groups.forEach((g, i) => {
      let rss = 0;
      let pss = 0;
      for (const pid of processTree(g.roots()).keys()) {
        rss += statusKb(pid, 'VmRSS');
        pss += pssKb(pid);
      }
      rssPeakKb[i] = Math.max(rssPeakKb[i]!, rss);
      pssPeakKb[i] = Math.max(pssPeakKb[i]!, pss);
    });
  };
  sample();
  const timer = setInterval(sample, sampleMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return groups.map((g, i) => {
        const end = processTree(g.roots());
        let ticks = 0;
        let hwm = 0;
        for (const [pid, st] of end) {
          ticks += st.cpuTicks - (start[i]!.get(pid)?.cpuTicks ?? 0);
          hwm = Math.max(hwm, statusKb(pid, 'VmHWM'));
        }
        return {
          name: g.name,
          cpuSeconds: ticks / clockTicks(),
          rssPeakMb: rssPeakKb[i]! / 1024,
          pssPeakMb: pssPeakKb[i]! / 1024,
          processes: end.size,
          maxProcessHwmMb: hwm / 1024,
        };
      });
    },
  };
}
