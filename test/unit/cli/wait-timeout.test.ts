// A very long --timeout (beyond setTimeout's 2^31-1 ms, ~24.8 days) must mean "wait long", not fire at once
// (Node clamps an overflowing delay to 1 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionDeadline } from '../../../main/cli/wait';
import type { SpiceSession } from '../../../main/spice/session';

void test('an overlong deadline does not expire immediately', async () => {
  const session = { on: () => () => {} } as unknown as SpiceSession;
  const deadline = sessionDeadline(session, 99_999_999 * 1000, 'the server');
  try {
    const outcome = await Promise.race([
      deadline.promise.then(
        () => 'resolved',
        (e: Error) => `rejected: ${e.message}`,
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 100)),
    ]);
    assert.equal(outcome, 'still waiting');
  } finally {
    deadline.cancel();
  }
});
