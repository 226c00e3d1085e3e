// The installed app binary runs the CLI for `saffron <command> …` and the app otherwise; a CLI run re-executes
// the binary as plain Node on the CLI bundle and leaves with its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpawnSyncOptions } from 'node:child_process';
import { cliBundlePath, cliDispatch, cliEnvironment, runCli } from '../../../main/app/cli-dispatch';
import { userArgs } from '../../../main/app/launch-args';

void test('a bare word or --help/--version is the CLI; nothing, a URI or a .vv file is the app', () => {
  const packaged = (...args: string[]) => cliDispatch(userArgs(['/opt/Saffron/saffron', ...args], true));
  assert.deepEqual(packaged(), { kind: 'app' });
  assert.deepEqual(packaged('spice://vm:5900'), { kind: 'app' });
  assert.deepEqual(packaged('spice+tls://vm:5901'), { kind: 'app' });
  assert.deepEqual(packaged('/home/u/Downloads/pve-spice.VV'), { kind: 'app' });
  assert.deepEqual(packaged('--no-sandbox', 'spice://vm:1'), { kind: 'app' });
  assert.deepEqual(packaged('-psn_0_12345'), { kind: 'app' }, 'macOS Finder launch');
  assert.deepEqual(packaged('info', 'spice://vm:5900', '--json'), {
    kind: 'cli',
    args: ['info', 'spice://vm:5900', '--json'],
  });
  assert.deepEqual(packaged('--help'), { kind: 'cli', args: ['--help'] });
  assert.deepEqual(packaged('--version'), { kind: 'cli', args: ['--version'] });
  assert.deepEqual(packaged('scrennshot'), { kind: 'cli', args: ['scrennshot'] }, 'a typo reaches the CLI');
  // The AppImage's desktop entry puts --no-sandbox first; from a shell the command still reaches the CLI.
  assert.deepEqual(packaged('--no-sandbox', 'info', 'x.vv'), { kind: 'cli', args: ['info', 'x.vv'] });
  // Development: `electron . info …` (npm start -- info …)
  assert.deepEqual(cliDispatch(userArgs(['electron', '.', 'info', 'spice://h:1'], false)), {
    kind: 'cli',
    args: ['info', 'spice://h:1'],
  });
});

void test('the CLI bundle sits next to the Electron bundle folder; the runtime runs as Node', () => {
  assert.equal(
    cliBundlePath('/opt/Saffron/resources/app.asar/dist/main'),
    '/opt/Saffron/resources/app.asar/dist/cli.cjs',
  );
  const env = cliEnvironment({ PATH: '/usr/bin', SPICE_PROXY: 'http://p:3128' });
  assert.deepEqual(env, { PATH: '/usr/bin', SPICE_PROXY: 'http://p:3128', ELECTRON_RUN_AS_NODE: '1' });
});

void test('runCli passes the arguments, inherits stdio, returns the exit code; a signal or a spawn error is 1', () => {
  const calls: { command: string; args: readonly string[]; options: SpawnSyncOptions }[] = [];
  const fake = (status: number | null, error?: Error) =>
    ((command: string, args: readonly string[], options: SpawnSyncOptions) => {
      calls.push({ command, args, options });
      return {
        pid: 1,
        output: [],
        stdout: '',
        stderr: '',
        status,
        signal: status === null ? 'SIGKILL' : null,
        ...(error ? { error } : {}),
      };
    }) as Parameters<typeof runCli>[4];
  const errors: string[] = [];
  assert.equal(
    runCli('/opt/Saffron/saffron', '/b/cli.cjs', ['info', 'x'], {}, fake(3), (t) => errors.push(t)),
    3,
  );
  assert.deepEqual(calls[0]?.args, ['/b/cli.cjs', 'info', 'x']);
  assert.equal(calls[0]?.options.stdio, 'inherit');
  assert.equal(calls[0]?.options.env?.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(
    runCli('/x', '/b', [], {}, fake(null), (t) => errors.push(t)),
    1,
  );
  assert.equal(
    runCli('/x', '/b', [], {}, fake(null, new Error('ENOENT')), (t) => errors.push(t)),
    1,
  );
  assert.match(errors.join(''), /cannot run the command line \(ENOENT\)/);
});
