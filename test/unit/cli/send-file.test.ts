// send-file's pieces that need no server: the progress bar fits any width and hides control characters, progress
// lines come every 10 %, and folder expansion is recursive, sorted, and survives a symlink loop.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { expandPaths } from '../../../main/cli/commands/send-file';
import {
  progressView,
  renderBar,
  type ProgressSnapshot,
} from '../../../main/cli/commands/send-file-progress';

const snap = (sentBytes: number, extra: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  sentBytes,
  totalBytes: 100 * 1024 * 1024,
  filesDone: 1,
  filesTotal: 3,
  current: 'report.pdf',
  elapsedMs: 2000,
  ...extra,
});

test('the bar fits every terminal width and never prints control characters', { timeout: 10_000 }, () => {
  for (let columns = 1; columns <= 200; columns++) {
    const bar = renderBar(snap(42 * 1024 * 1024, { current: 'evil\x1b]0;title\x07.txt' }), columns);
    assert.ok(bar.length <= Math.max(0, columns - 1), `${columns}: ${bar}`);
    assert.ok(!/[\x00-\x1f\x7f-\x9f]/.test(bar));
  }
  const wide = renderBar(snap(50 * 1024 * 1024), 120);
  assert.match(wide, /^\[={15} {15}\]  50%  50\.0 MB\/100\.0 MB  25\.0 MB\/s  \(1\/3\) report\.pdf$/);
});

test('without a terminal: one line per 10 %, and the final one', { timeout: 10_000 }, () => {
  const lines: string[] = [];
  const view = progressView({ stderr: (l) => lines.push(l) });
  for (let mb = 0; mb <= 100; mb += 1) view.update(snap(mb * 1024 * 1024));
  view.finish(snap(100 * 1024 * 1024, { filesDone: 3 }));
  assert.equal(lines.length, 10);
  assert.match(lines[0]!, /^saffron: send-file: 10% \(10\.0 MB of 100\.0 MB, 1 of 3 files, [\d.]+ MB\/s\)$/);
  assert.match(lines.at(-1)!, /100% .* 3 of 3 files/);
});

test(
  'folders expand recursively, sorted; a symlink loop is followed once; odd entries are skipped',
  { timeout: 10_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saffron-expand-'));
    try {
      mkdirSync(join(dir, 'top', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'top', 'b.txt'), 'b');
      writeFileSync(join(dir, 'top', 'a.txt'), 'a');
      writeFileSync(join(dir, 'top', 'sub', 'c.txt'), 'c');
      symlinkSync(join(dir, 'top'), join(dir, 'top', 'sub', 'loop'));
      symlinkSync(join(dir, 'missing'), join(dir, 'top', 'dangling'));
      const warnings: string[] = [];
      const files = await expandPaths([join(dir, 'top')], (l) => warnings.push(l));
      assert.deepEqual(
        files.map((f) => f.slice(dir.length + 1)),
        ['top/a.txt', 'top/b.txt', 'top/sub/c.txt'],
      );
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /skipping '.*dangling': ENOENT/);
      await assert.rejects(
        expandPaths([join(dir, 'nothing')], () => {}),
        /cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
