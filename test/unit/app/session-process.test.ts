// The session process's main loop over its socket (run in-process here with a scripted session; the e2e tests run
// the real child): a replacement for a crashed process starts in the error state, and Reconnect connects to the
// connection the crashed one was making; views receive the contract as frames; invalid control is ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage } from '../../../shared/contract';
import { decodePortMessage } from '../../../shared/port-codec';
import { MuxType } from '../../../main/ipc/mux';
import { inProcessSessionLauncher } from '../../../main/session/process/in-process';
import type { ConnectionConfig } from '../../../main/spice/connect/config';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { FakeSession } from './fake-session';

void test('a replacement process shows the crash and reconnects to the crashed connection', async () => {
  const configs: ConnectionConfig[] = [];
  const launch = inProcessSessionLauncher({
    sessionDeps: {
      createSession: (config) => {
        configs.push(config);
        return new FakeSession();
      },
      parseUri: parseSpiceUri,
      parseVv: (text) => parseVvFile(text),
    },
  });
  const link = launch();
  const received: PortMessage[] = [];
  const logs: string[] = [];
  let parts: Buffer[] = [];
  link.onViewFragment((f) => {
    parts.push(f.chunk);
    if (!f.last) return;
    const whole = Buffer.concat(parts);
    parts = [];
    const m = decodePortMessage(f.type === MuxType.binary ? whole : whole.toString('utf8'));
    if (m) received.push(m);
  });
  link.onMessage((m) => {
    if (m.t === 'log') logs.push(m.message);
  });
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(what());
  };
  const crashed = parseSpiceUri('spice://vm.example:5930');
  link.send({ t: 'attach', viewId: 1, monitor: 0 }); // before init: refused, logged
  link.send({ t: 'init', shell: 'web', debug: false, crashed: { message: 'It stopped.', config: crashed } });
  link.send({ t: 'attach', viewId: 1, monitor: 0 });
  await until(() => received.some((m) => m.kind === 'status'));
  const status = received.find((m) => m.kind === 'status');
  assert.deepEqual(status, {
    kind: 'status',
    state: 'error',
    message: 'It stopped.',
    errorCode: 'session-process',
    target: 'vm.example:5930',
    form: { host: 'vm.example', port: 5930, tls: false },
    canReconnect: true,
  });
  link.sendViewText(1, JSON.stringify({ method: 'reconnect', payload: {} }));
  await until(() => received.some((m) => m.kind === 'status' && m.state === 'connected'));
  assert.equal(configs[0]?.host, 'vm.example');
  assert.ok(logs.some((l) => /before init/.test(l)));
  link.kill();
});
