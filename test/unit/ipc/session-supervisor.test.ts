// The supervisor of the session process: init first, log records to the logger, shell messages to the shell; a
// process that dies is replaced by one that shows the error with the connection to Reconnect to; a process that
// keeps dying is given up on; close() stops it for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostMessage, ProcessMessage } from '../../../main/ipc/host-protocol';
import { SessionSupervisor, type SessionProcessLink } from '../../../main/ipc/session-supervisor';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import type { Logger } from '../../../main/spice/logger';

class FakeProcess implements SessionProcessLink {
  readonly sent: HostMessage[] = [];
  killed = false;
  private messageListener: ((m: ProcessMessage) => void) | undefined;
  private exitListener: ((reason: string) => void) | undefined;
  send(m: HostMessage): void {
    this.sent.push(m);
  }
  onMessage(l: (m: ProcessMessage) => void): void {
    this.messageListener = l;
  }
  onExit(l: (reason: string) => void): void {
    this.exitListener = l;
  }
  kill(): void {
    this.killed = true;
  }
  say(m: ProcessMessage): void {
    this.messageListener?.(m);
  }
  die(reason: string): void {
    this.exitListener?.(reason);
  }
}

function setup(maxRestarts = 2) {
  const processes: FakeProcess[] = [];
  const logged: string[] = [];
  const shell: unknown[] = [];
  const events: string[] = [];
  let now = 0;
  const logger: Logger = {
    debug: (m) => logged.push(`debug ${m}`),
    info: (m) => logged.push(`info ${m}`),
    warn: (m) => logged.push(`warn ${m}`),
    error: (m) => logged.push(`error ${m}`),
  };
  const supervisor = new SessionSupervisor({
    launch: () => {
      const p = new FakeProcess();
      processes.push(p);
      return p;
    },
    init: { shell: 'web', debug: false },
    onMessage: (m) => shell.push(m),
    onRestart: () => events.push('restart'),
    onGiveUp: (reason) => events.push(`give up: ${reason}`),
    logger,
    maxRestarts,
    windowMs: 1000,
    now: () => now,
  });
  return { supervisor, processes, logged, shell, events, tick: (ms: number) => (now += ms) };
}

void test('init first; logs go to the logger, the rest to the shell', () => {
  const { supervisor, processes, logged, shell } = setup();
  supervisor.start();
  const p = processes[0]!;
  assert.deepEqual(p.sent[0], { t: 'init', shell: 'web', debug: false });
  p.say({ t: 'log', level: 'warn', message: 'careful' });
  p.say({ t: 'monitor-count', count: 2 });
  assert.deepEqual(logged, ['warn careful']);
  assert.deepEqual(shell, [{ t: 'monitor-count', count: 2 }]);
});

void test('a dead process is replaced by one showing the error, with the last connection to reconnect to', () => {
  const { supervisor, processes, events } = setup();
  supervisor.start();
  const config = parseSpiceUri('spice://vm.example:5900?password=secret');
  processes[0]!.say({ t: 'connecting', config });
  processes[0]!.die('killed by SIGKILL');
  assert.equal(processes.length, 2);
  assert.deepEqual(events, ['restart']);
  const init = processes[1]!.sent[0];
  assert.ok(init?.t === 'init' && init.crashed);
  assert.match(init.crashed.message, /stopped unexpectedly \(killed by SIGKILL\)\. Reconnect/);
  assert.equal(init.crashed.config?.host, 'vm.example');
  assert.equal(init.crashed.config?.password, 'secret', 'Reconnect needs the same credentials');
  supervisor.send({ t: 'disconnect' });
  assert.deepEqual(processes[1]!.sent.at(-1), { t: 'disconnect' });
});

void test('restarts are bounded within the window; later crashes restart again', () => {
  const { supervisor, processes, events, tick } = setup(2);
  supervisor.start();
  processes[0]!.die('exited with code 70');
  processes[1]!.die('exited with code 70');
  processes[2]!.die('exited with code 70');
  assert.equal(processes.length, 3);
  assert.match(events.at(-1) ?? '', /give up: the session process keeps stopping/);
  assert.equal(supervisor.running, false);
  tick(5000);
  supervisor.start();
  processes[3]!.die('exited with code 70');
  assert.equal(processes.length, 5, 'outside the window a crash is restarted again');
});

void test('close() shuts the process down and a later exit is not a crash', () => {
  const { supervisor, processes, events } = setup();
  supervisor.start();
  supervisor.close();
  assert.deepEqual(processes[0]!.sent.at(-1), { t: 'shutdown' });
  assert.equal(processes[0]!.killed, true);
  processes[0]!.die('exited with code 0');
  assert.deepEqual(events, []);
  assert.equal(processes.length, 1);
});
