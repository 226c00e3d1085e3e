// `saffron info 127.0.0.1:5900` (no scheme) is not a file: say what was probably meant, instead of a
// "no such file … delete-this-file" message about a connection file the user never had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget } from '../../../main/spice/connect/resolve';
import { SpiceError } from '../../../main/spice/errors';

void test('HOST:PORT without a scheme suggests spice://HOST:PORT', async () => {
  for (const [arg, suggestion] of [
    ['127.0.0.1:5900', 'spice://127.0.0.1:5900'],
    ['vm.example:5930', 'spice://vm.example:5930'],
    ['[::1]:5900', 'spice://[::1]:5900'],
  ] as const) {
    await assert.rejects(resolveTarget(arg, { env: {} }), (e: unknown) => {
      assert.ok(e instanceof SpiceError && e.code === 'config', String(e));
      assert.ok(e.message.includes(suggestion), e.message);
      assert.doesNotMatch(e.message, /delete-this-file/);
      return true;
    });
  }
});

void test('a missing .vv file still gets the connection-file message', async () => {
  await assert.rejects(
    resolveTarget('/nonexistent/dir/console.vv', { env: {} }),
    /no such file .*delete-this-file/,
  );
});
