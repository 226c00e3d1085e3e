// A Proxmox connection file's host is a signed proxy ticket (pvespiceproxy:<time>:<vmid>:<node>::<sha1>), not
// a place one can connect to: it must not be stored in (or shown from) the recent-connections list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

const TOKEN = 'pvespiceproxy:65f1a2b3:100:pve1::0123456789abcdef0123456789abcdef01234567';

void test('a Proxmox proxy ticket host is not remembered as a recent connection', async () => {
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
  const messages: ViewMessage[] = [];
  const view = host.attachView(0, { send: (m) => messages.push(m) });
  const vv = [
    '[virt-viewer]',
    'type=spice',
    'title=VM 100 - test',
    `host=${TOKEN}`,
    'proxy=http://pve1.example:3128',
    'tls-port=61000',
    'password=one-time-ticket',
    'delete-this-file=1',
    '',
  ].join('\n');
  view.request('openVv', { fileName: 'pve.vv', text: vv });
  await new Promise((r) => setImmediate(r));
  assert.equal(host.currentState, 'connected');
  assert.equal(
    JSON.stringify(recent.load()).includes('0123456789abcdef'),
    false,
    JSON.stringify(recent.load()),
  );
  const sent = messages.filter((m) => m.kind === 'recent');
  assert.equal(JSON.stringify(sent).includes('0123456789abcdef'), false);
  // An ordinary host is still remembered.
  view.request('connect', { host: '127.0.0.1', port: 5930, tls: false });
  await new Promise((r) => setImmediate(r));
  assert.equal(recent.load().length, 1);
  view.detach();
  host.close();
});
