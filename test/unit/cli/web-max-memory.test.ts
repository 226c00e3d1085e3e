// `saffron web --max-memory` goes to the session process in its init message (checked by the host protocol's guard),
// where realSessionDeps gives it to every session it creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostMessage } from '../../../main/ipc/host-protocol';
import { runCli } from '../../support/run-cli';

void test('the init message carries the memory budget: 16 MiB or more, an integer', () => {
  const init = { t: 'init', shell: 'web', debug: false };
  assert.ok(isHostMessage({ ...init, maxMemoryBytes: 16 * 1024 * 1024 }));
  assert.ok(isHostMessage(init));
  assert.ok(!isHostMessage({ ...init, maxMemoryBytes: 1024 }));
  assert.ok(!isHostMessage({ ...init, maxMemoryBytes: 16.5 * 1024 * 1024 + 0.5 }));
  assert.ok(!isHostMessage({ ...init, maxMemoryBytes: '512' }));
});

void test('web --max-memory below 16 MiB is a usage error', async () => {
  const r = await runCli(['web', 'spice://127.0.0.1:1', '--max-memory', '8'], {});
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--max-memory must be at least 16/);
});
