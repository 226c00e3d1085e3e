// The reason phrase of a proxy's refusal is shown to the user (stderr, dialogs, the window): a proxy must not
// be able to put terminal control sequences (ESC …) or other control characters into that message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openProxyTunnel } from '../../../main/spice/transport/http-connect';
import { SpiceError } from '../../../main/spice/errors';

void test('control characters in the proxy reason phrase are not passed on', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 403 \x1b]0;owned\x07\x1b[2JForbidden\x85\x9b31m\r\n\r\n', 'latin1'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      openProxyTunnel({ scheme: 'http', host: '127.0.0.1', port }, 'h', 1, { timeoutMs: 2000 }),
      (e: unknown) => {
        assert.ok(e instanceof SpiceError && e.code === 'proxy', String(e));
        assert.match(e.message, /refused the target h:1 \(403 .*Forbidden/);
        assert.doesNotMatch(e.message, /[\x00-\x1f\x7f-\x9f]/);
        return true;
      },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
