// Progress of `saffron send-file`: a one-line bar redrawn in place on a terminal (at most every 100 ms), or plain
// lines when stderr is a pipe or a file (each 10 % of the total, and one line per finished file). File names come
// from the user's own command line, but are still printed with control characters replaced.

export interface ProgressSnapshot {
  sentBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
  /** The file currently moving (the most recent progress). */
  current: string;
  elapsedMs: number;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${(((bytes / ms) * 1000) / 1024 ** 2).toFixed(1)} MB/s` : '—';
}

/** Text for a terminal or a log: control characters become '?'. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

function percent(s: ProgressSnapshot): number {
  return s.totalBytes === 0
    ? s.filesDone === s.filesTotal
      ? 100
      : 0
    : Math.floor((s.sentBytes / s.totalBytes) * 100);
}

/** One bar line fitting `columns` (no newline). */
export function renderBar(s: ProgressSnapshot, columns: number): string {
  const pct = percent(s);
  const info = ` ${String(pct).padStart(3)}%  ${formatBytes(s.sentBytes)}/${formatBytes(s.totalBytes)}  ${formatRate(
    s.sentBytes,
    s.elapsedMs,
  )}  (${s.filesDone}/${s.filesTotal}) `;
  const room = Math.max(0, columns - 1 - info.length);
  const barWidth = Math.min(30, Math.max(0, room - 12));
  const filled = Math.round((barWidth * pct) / 100);
  const bar = barWidth > 0 ? `[${'='.repeat(filled)}${' '.repeat(barWidth - filled)}]` : '';
  const nameRoom = Math.max(0, columns - 1 - info.length - bar.length);
  let name = printable(s.current);
  if (name.length > nameRoom) name = nameRoom > 1 ? '…' + name.slice(name.length - nameRoom + 1) : '';
  return (bar + info + name).slice(0, Math.max(0, columns - 1));
}

/** The line printed (without a terminal) each time the total passes another 10 %. */
export function renderLine(s: ProgressSnapshot): string {
  return `saffron: send-file: ${percent(s)}% (${formatBytes(s.sentBytes)} of ${formatBytes(s.totalBytes)}, ${s.filesDone} of ${s.filesTotal} files, ${formatRate(s.sentBytes, s.elapsedMs)})`;
}

export interface ProgressView {
  update(s: ProgressSnapshot): void;
  /** Prints a whole line (a finished file, a warning) without garbling the bar. */
  line(text: string): void;
  /** Final state; the bar is left on screen with a newline. */
  finish(s: ProgressSnapshot): void;
}

export function progressView(
  io: { stderr: (line: string) => void; progress?: { readonly columns: number; write(text: string): void } },
  nowMs: () => number = () => performance.now(),
): ProgressView {
  const tty = io.progress;
  if (tty) {
    let shown = '';
    let lastDraw = -Infinity;
    const draw = (s: ProgressSnapshot): void => {
      shown = renderBar(s, tty.columns);
      tty.write(`\r\x1b[2K${shown}`);
    };
    let latest: ProgressSnapshot | null = null;
    return {
      update: (s) => {
        latest = s;
        const now = nowMs();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        draw(s);
      },
      line: (text) => {
        tty.write(`\r\x1b[2K${text}\n`);
        if (latest) draw(latest);
      },
      finish: (s) => {
        draw(s);
        tty.write('\n');
      },
    };
  }
  let lastTenth = -1;
  return {
    update: (s) => {
      const tenth = Math.floor(percent(s) / 10);
      if (tenth <= lastTenth || tenth >= 10) return;
      lastTenth = tenth;
      if (tenth > 0) io.stderr(renderLine(s));
    },
    line: (text) => io.stderr(text),
    finish: (s) => io.stderr(renderLine(s)),
  };
}
