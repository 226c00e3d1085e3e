// Floods from a hostile server: thousands of the same bad message give one log line and one channel-error per
// kind (then a count), not one per message; references to images that are never sent stall seconds in all,
// not five seconds each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { ProtocolError } from '../../../main/spice/errors';
import type { Logger } from '../../../main/spice/logger';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { RepeatLimiter, limitRepeats } from '../../../main/spice/repeat-limiter';
import { StallBudget } from '../../../main/spice/stall-budget';
import { linkDisplays, startHarness } from '../../support/session-harness';
import * as B from '../../support/display-builders';

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => {
    lines.push(m);
  };
  return { logger: { debug: () => {}, info: push, warn: push, error: push }, lines };
}

void test(
  '10,000 bad display messages: one warning and one channel-error per kind, then a count',
  { timeout: 30_000 },
  async () => {
    const { logger, lines } = capture();
    const h = await startHarness({ display: true, session: { logger } });
    let errors = 0;
    h.session.on('channel-error', () => errors++);
    try {
      const display = (await linkDisplays(h)).get(0)!;
      const onMissingSurface = B.encodeDrawFill({
        base: B.displayBase(9, B.rect(0, 0, 4, 4)),
        data: {
          brush: { type: E.SPICE_BRUSH_TYPE_SOLID, color: 1 },
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          mask: B.NO_MASK,
        },
      });
      for (let i = 0; i < 5000; i++) {
        display.send(E.SPICE_MSG_DISPLAY_DRAW_FILL, onMissingSurface);
        display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(i % 64, 0, new Uint8Array(4)));
      }
      display.send(E.SPICE_MSG_DISPLAY_MARK);
      await h.waitFor('mark', undefined, 20_000);
      assert.equal(errors, 1, 'one channel-error for the repeated failure');
      const fails = lines.filter((l) => /draw on surface 9/.test(l));
      const unknown = lines.filter((l) => /STREAM_DATA for unknown stream/.test(l));
      assert.equal(fails.length, 1, fails.join('\n'));
      assert.equal(unknown.length, 1, unknown.join('\n'));
    } finally {
      await h.close();
    }
    // Closing summarises what was counted.
    assert.ok(
      lines.some((l) => /4999 more message errors like this were not shown/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /4999 more like this were not shown: .*STREAM_DATA for unknown stream/.test(l)),
    );
  },
);

void test(
  'RepeatLimiter: first of a kind through, repeats counted, reported again after the interval',
  { timeout: 30_000 },
  () => {
    let now = 0;
    const limiter = new RepeatLimiter({ reportEveryMs: 1000, now: () => now });
    assert.deepEqual(limiter.admit('surface 1 gone'), { report: true, repeats: 0 });
    assert.deepEqual(limiter.admit('surface 2 gone'), { report: false, repeats: 0 });
    assert.deepEqual(limiter.admit('surface 3 gone'), { report: false, repeats: 0 });
    assert.deepEqual(limiter.admit('another thing'), { report: true, repeats: 0 });
    now = 1500;
    assert.deepEqual(limiter.admit('surface 4 gone'), { report: true, repeats: 2 });
    assert.deepEqual(limiter.drain(), []);
    const lines: string[] = [];
    const log = limitRepeats({ debug() {}, info() {}, warn: (m) => lines.push(m), error() {} });
    for (let i = 0; i < 100; i++) log.warn(`bad ${i}`);
    log.flush();
    assert.deepEqual(lines, ['bad 0', '99 more like this were not shown: bad 0']);
  },
);

void test(
  'GLZ references to images never sent: the total wait is bounded, later ones fail at once',
  { timeout: 30_000 },
  async () => {
    const w = new GlzWindow(1 << 20, { waitTimeoutMs: 100, stallBudgetMs: 250 });
    const started = performance.now();
    const outcomes: string[] = [];
    for (let id = 10; id < 20; id++) {
      await w.waitFor(id).then(
        () => outcomes.push('ok'),
        (e: unknown) => outcomes.push(e instanceof ProtocolError ? 'refused' : 'crash'),
      );
    }
    const elapsed = performance.now() - started;
    assert.deepEqual(new Set(outcomes), new Set(['refused']));
    // 100 + 100 + 50 ms of waiting, then nothing: far from 10 × 100 ms.
    assert.ok(elapsed < 700, `${Math.round(elapsed)} ms in all`);
    // Once spent, a reference is refused without waiting at all.
    const t = performance.now();
    await assert.rejects(w.waitFor(99), /earlier references already waited in vain/);
    assert.ok(performance.now() - t < 50);
    // Images that do arrive are unaffected.
    w.add(30, 0, new Uint32Array(4), false);
    await w.waitFor(30);
  },
);

void test('StallBudget: only waits that time out are charged', { timeout: 30_000 }, () => {
  const b = new StallBudget(1000);
  assert.equal(b.timeoutFor(5000), 1000);
  b.charge(600);
  assert.equal(b.timeoutFor(5000), 400);
  b.charge(400);
  assert.equal(b.timeoutFor(5000), 0);
  assert.equal(b.exhausted, true);
});
