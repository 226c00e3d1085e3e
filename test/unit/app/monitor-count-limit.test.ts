// A server controls how many monitors it announces (MONITORS_CONFIG heads, display channels). Each monitor is a
// window in the Electron shell, so a hostile server announcing thousands must not open thousands of windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService, MAX_MONITORS } from '../../../main/session/session-service';
import { noShellEvents } from '../../../main/session/shell-events';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

void test('the monitor count (windows) is bounded however many heads the server announces', async () => {
  const sessions: FakeSession[] = [];
  const counts: number[] = [];
  const host = new SessionService({
    createSession: () => {
      const s = new FakeSession();
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'electron',
    events: { ...noShellEvents, monitorCount: (n) => counts.push(n) },
    streamOptions: { schedule: (cb) => (cb(), { cancel() {} }) },
  });
  const messages: ViewMessage[] = [];
  const view = host.attachView(0, { send: (m) => messages.push(m) });
  view.request('connectUri', { uri: 'spice://127.0.0.1:5930' });
  await new Promise((r) => setImmediate(r));
  const s = sessions[0]!;
  s.addPrimary(0, 0, 64, 8, () => [0, 0, 0]);
  s.setMonitorsConfig(
    0,
    Array.from({ length: 5000 }, (_, id) => ({
      id,
      surfaceId: 0,
      x: 0,
      y: 0,
      width: 64,
      height: 8,
    })),
  );
  assert.ok(MAX_MONITORS >= 4 && MAX_MONITORS <= 64, String(MAX_MONITORS));
  assert.equal(host.monitorCount, MAX_MONITORS);
  assert.ok(Math.max(...counts) <= MAX_MONITORS, `onMonitorCount saw ${Math.max(...counts)}`);
  assert.ok(
    messages.some((m) => m.kind === 'notice' && /monitors/.test(m.message)),
    'the user is told that monitors were left out',
  );
  view.detach();
  host.close();
});
