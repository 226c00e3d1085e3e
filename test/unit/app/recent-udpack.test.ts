// A UDPack connection (spice+udpack:// or a .vv with x-udpack-gateway) is not remembered as a recent connection:
// an entry holds host, port and TLS only, so it would come back as plain TCP to the gateway's UDP port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionService } from '../../../main/session/session-service';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

void test('a UDPack gateway is not remembered as a recent connection; a plain host still is', async () => {
  const recent = memoryRecentStore();
  const host = new SessionService({
    createSession: () => new FakeSession(),
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'web',
    recent,
    now: () => 1000,
  });
  const view = host.attachView(0, { send: () => undefined });
  const vv = ['[virt-viewer]', 'type=spice', 'host=vm', 'port=5900', 'x-udpack-gateway=gw.example:5999', ''];
  view.request('openVv', { fileName: 'gw.vv', text: vv.join('\n') });
  await new Promise((r) => setImmediate(r));
  assert.equal(host.currentState, 'connected');
  assert.deepEqual(recent.load(), [], 'the .vv with a gateway left no entry');
  await host.connect(parseSpiceUri('spice+udpack://gw.example:5999'));
  assert.equal(host.currentState, 'connected');
  assert.deepEqual(recent.load(), [], 'the spice+udpack:// URI left no entry');
  view.request('connect', { host: '127.0.0.1', port: 5930, tls: false });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    recent.load().map((e) => e.id),
    ['spice://127.0.0.1:5930'],
  );
  view.detach();
  host.close();
});
