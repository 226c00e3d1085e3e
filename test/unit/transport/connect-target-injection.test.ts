// A host with control characters or spaces (e.g. from a .vv file, whose values may hold \r \n escapes) must
// never be written into a proxy's CONNECT request: it would inject headers (or a second request) into the
// proxy conversation, next to the user's Proxy-Authorization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStreamOpener } from '../../../main/spice/transport/opener';
import { buildConnectRequest } from '../../../main/spice/transport/http-connect';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseProxyUrl } from '../../../main/spice/connect/proxy-url';
import { silentLogger } from '../../../main/spice/logger';
import { SpiceError } from '../../../main/spice/errors';
import { SPICE_CHANNEL_MAIN } from '../../../main/spice/protocol/enums';
import { startConnectProxy } from '../../support/connect-proxy';

void test('a .vv host with CR/LF is refused, and never reaches the proxy', async () => {
  const proxy = await startConnectProxy({ route: () => ({ status: 502, reason: 'Bad Gateway' }) });
  try {
    const text = [
      '[virt-viewer]',
      'type=spice',
      'host=target\\r\\nX-Injected: yes\\r\\n',
      'port=5900',
      `proxy=http://127.0.0.1:${proxy.port}`,
      '',
    ].join('\n');
    let config;
    try {
      config = parseVvFile(text);
    } catch (e) {
      assert.ok(e instanceof SpiceError && e.code === 'config', String(e));
      assert.match(e.message, /host/);
      config = undefined;
    }
    if (config) {
      // If the parser let it through, the opener must still not write it into the CONNECT request.
      const opener = createStreamOpener(config, { logger: silentLogger, connectTimeoutMs: 3000 });
      await assert.rejects(opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }));
    }
    assert.deepEqual(
      proxy.heads.filter((h) => /X-Injected/i.test(h)),
      [],
      'an injected header reached the proxy',
    );
    assert.deepEqual(proxy.heads, [], 'nothing should have been sent to the proxy');
  } finally {
    await proxy.close();
  }
});

void test('buildConnectRequest refuses targets with control characters or spaces', () => {
  const proxy = parseProxyUrl('http://user:secret@proxy:3128');
  for (const target of ['a\r\nX: y:5900', 'a b:5900', 'a\u0000b:5900', 'a\tb:5900']) {
    assert.throws(
      () => buildConnectRequest(proxy, target),
      (e: unknown) => e instanceof SpiceError && e.code === 'config' && !e.message.includes('secret'),
      JSON.stringify(target),
    );
  }
  assert.match(buildConnectRequest(proxy, 'pvespiceproxy:abc:1:pve::ff:3128'), /^CONNECT pvespiceproxy/);
});

void test('a URI host with a NUL (%00) is refused before anything is sent to the proxy', async () => {
  const proxy = await startConnectProxy({ route: () => ({ status: 502, reason: 'Bad Gateway' }) });
  try {
    const config = parseSpiceUri('spice://a%00b:5900');
    config.proxy = parseProxyUrl(`http://127.0.0.1:${proxy.port}`);
    const opener = createStreamOpener(config, { logger: silentLogger, connectTimeoutMs: 3000 });
    await assert.rejects(
      opener.open({ channelType: SPICE_CHANNEL_MAIN, channelId: 0, secure: false }),
      (e: unknown) => e instanceof SpiceError && e.code === 'config' && /control characters/.test(e.message),
    );
    assert.deepEqual(proxy.heads, []);
  } finally {
    await proxy.close();
  }
});
