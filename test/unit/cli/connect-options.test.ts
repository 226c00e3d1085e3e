import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChannelList } from '../../../main/cli/connect-options';
import * as E from '../../../main/spice/protocol/enums';
import { runCli } from '../../support/run-cli';

test('--secure-channels takes all or a list of channel names', () => {
  assert.equal(parseChannelList('all'), 'all');
  assert.deepEqual(parseChannelList('main, display;inputs'), [
    E.SPICE_CHANNEL_MAIN,
    E.SPICE_CHANNEL_DISPLAY,
    E.SPICE_CHANNEL_INPUTS,
  ]);
  assert.throws(() => parseChannelList('main,bogus'), /unknown channel 'bogus'/);
});

test('the CLI rejects unknown options, missing arguments and unknown commands with usage exit code 2', async () => {
  assert.equal((await runCli(['screenshot', 'spice://h:1'])).code, 2, 'no -o');
  assert.equal((await runCli(['info', 'spice://h:1', '--bogus'])).code, 2);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /screenshot/);
  const bad = await runCli(['info', 'http://example.com']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /spice:\/\//);
});

test('every registered command loads and is named as registered', async () => {
  const { COMMAND_LOADERS } = await import('../../../main/cli/index');
  for (const [name, load] of Object.entries(COMMAND_LOADERS)) {
    const command = await load();
    assert.equal(command.name, name);
    assert.ok(command.summary.length > 0 && command.usage.includes(`saffron ${name}`));
  }
});
