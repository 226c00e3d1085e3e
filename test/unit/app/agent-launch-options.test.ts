// remote-viewer's --auto-resize=always|never on the app's and saffron web's command lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractAgentLaunchArgs } from '../../../main/session/bridges/agent-launch-options';
import { autoResizeLaunchOption, launchTarget } from '../../../main/app/launch-args';
import { isHostMessage } from '../../../main/ipc/host-protocol';

void test('--auto-resize takes always or never, with = or as the next argument, and leaves the rest', () => {
  assert.deepEqual(extractAgentLaunchArgs(['--auto-resize=never', 'vm.vv']), {
    autoResize: false,
    rest: ['vm.vv'],
  });
  assert.deepEqual(extractAgentLaunchArgs(['--auto-resize', 'ALWAYS']), { autoResize: true, rest: [] });
  assert.deepEqual(extractAgentLaunchArgs(['spice://h:1']), { rest: ['spice://h:1'] });
  assert.throws(() => extractAgentLaunchArgs(['--auto-resize=sometimes']), /always or never.*sometimes/);
  assert.throws(() => extractAgentLaunchArgs(['--auto-resize']), /always or never/);
  assert.throws(() => extractAgentLaunchArgs(['--auto-resize', '--full-screen']), /always or never/);
});

void test('the app: the option is read, a bad value is reported and ignored, the target is still found', () => {
  const problems: string[] = [];
  assert.equal(
    autoResizeLaunchOption(['--auto-resize=never'], (p) => problems.push(p)),
    false,
  );
  assert.equal(
    autoResizeLaunchOption(['vm.vv'], (p) => problems.push(p)),
    undefined,
  );
  assert.equal(
    autoResizeLaunchOption(['--auto-resize=maybe'], (p) => problems.push(p)),
    undefined,
  );
  assert.match(problems[0] ?? '', /always or never.*ignored/);
  assert.deepEqual(launchTarget(['--auto-resize', 'never', 'spice://h:5900'], '/'), {
    kind: 'uri',
    uri: 'spice://h:5900',
  });
});

void test('the init message carries the agent settings of the command line, partial, and nothing else', () => {
  const init = { t: 'init', shell: 'electron', debug: false };
  assert.ok(isHostMessage({ ...init, agent: { autoResize: false } }));
  assert.ok(isHostMessage({ ...init, agent: {} }));
  assert.ok(!isHostMessage({ ...init, agent: { autoResize: 'no' } }));
  assert.ok(!isHostMessage({ ...init, agent: { autoResize: false, password: 'x' } }));
});
