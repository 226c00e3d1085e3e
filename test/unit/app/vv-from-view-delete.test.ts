// A .vv opened in the window (file picker, drag and drop, browser upload) arrives as text: the app cannot
// honour delete-this-file=1 for it. The one-time password then stays on disk — the user must be told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

function vv(deleteThisFile: boolean): string {
  return [
    '[virt-viewer]',
    'type=spice',
    'host=127.0.0.1',
    'port=5930',
    'password=tkt-7f3a9c',
    ...(deleteThisFile ? ['delete-this-file=1'] : []),
    '',
  ].join('\n');
}

void test('opening a delete-this-file .vv from the window tells the user to delete it', async () => {
  const host = new SessionService({
    createSession: () => new FakeSession(),
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'electron',
  });
  const messages: ViewMessage[] = [];
  const view = host.attachView(0, { send: (m) => messages.push(m) });
  const notices = () =>
    messages.filter((m): m is Extract<ViewMessage, { kind: 'notice' }> => m.kind === 'notice');

  view.request('openVv', { fileName: 'console.vv', text: vv(false) });
  await new Promise((r) => setImmediate(r));
  assert.equal(notices().filter((n) => /delete/i.test(n.message)).length, 0);

  view.request('openVv', { fileName: 'pve-console.vv', text: vv(true) });
  await new Promise((r) => setImmediate(r));
  const notice = notices().find((n) => /delete/i.test(n.message));
  assert.ok(notice, JSON.stringify(notices()));
  assert.match(notice.message, /pve-console\.vv/);
  assert.doesNotMatch(notice.message, /tkt-7f3a9c/);
  view.detach();
  host.close();
});
