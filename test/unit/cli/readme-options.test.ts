// Every option the README lists for a command is accepted by that command: the command table's rows, the
// "Connection options of `…`:" sentence and the "`cmd` also takes" sentences are read from README.md, and each
// option is passed to the real command, which must not call it unknown. (Each run fails later on purpose, for a
// missing or extra argument or an unreadable file, before connecting anywhere.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_LOADERS } from '../../../main/cli/index';
import { runCli } from '../../support/run-cli';

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** `--name` or `-x`, with the placeholder after it when there is one (`--proxy URL` → ['--proxy', 'URL']). */
function optionsIn(text: string): string[][] {
  const out: string[][] = [];
  const re = /(?<![\w-])(--?[a-z][a-z0-9-]*)(?:[ =]([A-Za-z0-9.:|,…_/-]+))?/g;
  for (const m of text.matchAll(re)) {
    const [, name, placeholder] = m;
    if (!name) continue;
    out.push(placeholder !== undefined && !placeholder.startsWith('-') ? [name, placeholder] : [name]);
  }
  return out;
}

function readmeOptions(): Map<string, string[][]> {
  const byCommand = new Map<string, string[][]>();
  const add = (cmd: string, opts: string[][]): void => {
    byCommand.set(cmd, [...(byCommand.get(cmd) ?? []), ...opts]);
  };
  const cli = README.slice(README.indexOf('## Command line'), README.indexOf('## Desktop app'));
  for (const row of cli.matchAll(/^\| `saffron ([a-z-]+)([^`]*)` \|/gm)) add(row[1]!, optionsIn(row[2]!));
  const shared = /Connection options of ((?:`[a-z-]+`(?:, | and )?)+): ([\s\S]*?)\(protocol progress/.exec(
    cli,
  );
  assert.ok(shared, 'the README has its "Connection options of …:" sentence');
  const sharedOptions = [...shared[2]!.matchAll(/`([^`]+)`/g)].flatMap((m) => optionsIn(m[1]!));
  for (const cmd of shared[1]!.matchAll(/`([a-z-]+)`/g)) add(cmd[1]!, sharedOptions);
  for (const also of cli.matchAll(/`([a-z-]+)` also takes ([^.(]*)/g)) {
    add(
      also[1]!,
      [...also[2]!.matchAll(/`([^`]+)`/g)].flatMap((m) => optionsIn(m[1]!)),
    );
  }
  return byCommand;
}

/** A value each option's parser accepts, whatever the README's placeholder looks like. */
function sampleValue(option: string): string {
  const samples: Record<string, string> = {
    '--listen': '127.0.0.1:0',
    '--timeout': '5',
    '--display': '0',
    '--quiet-ms': '30',
    '--secure-channels': 'all',
    '--runs': '1',
    '-o': 'out.png',
  };
  return samples[option] ?? 'x';
}

/** Arguments that make the command stop after parsing its options, before it connects or serves anything. */
const STOP_AFTER_PARSING: Record<string, string[]> = {
  screenshot: [], // no target: usage error
  info: [], // no target: usage error
  web: ['spice://127.0.0.1:1', 'extra-argument'], // a second positional: usage error
  'bench-decode': ['/nonexistent/manifest.json'], // unreadable manifest
  'capture-audio': [], // no target: usage error
  usb: ['a', 'b'], // two targets: usage error
  'send-file': [], // no target: usage error
  gateway: ['extra-argument'], // gateway takes no positional argument: usage error
};

void test('the README lists options for every command, including the connection options of web', () => {
  const options = readmeOptions();
  assert.deepEqual([...options.keys()].sort(), Object.keys(COMMAND_LOADERS).sort());
  const web = (options.get('web') ?? []).map((o) => o[0]);
  for (const o of [
    '--proxy',
    '--ca-file',
    '--host-subject',
    '--tls-ciphers',
    '--secure-channels',
    '--timeout',
  ])
    assert.ok(web.includes(o), `web lists ${o}`);
});

void test('every option the README lists for a command is accepted by that command', async () => {
  for (const [cmd, options] of readmeOptions()) {
    const stop = STOP_AFTER_PARSING[cmd];
    assert.ok(stop, `the test knows how to stop ${cmd} after parsing`);
    for (const [name, placeholder] of options) {
      const argv = [cmd, name!, ...(placeholder !== undefined ? [sampleValue(name!)] : []), ...stop];
      const r = await runCli(argv, {});
      assert.doesNotMatch(
        r.stderr,
        /unknown option|needs a value|must be a non-negative|needs HOST:PORT/,
        `saffron ${argv.join(' ')}: ${r.stderr}`,
      );
      assert.notEqual(r.code, 0, `saffron ${argv.join(' ')} stopped after parsing (${r.stdout})`);
    }
  }
});

void test('an option a command does not have is refused (the check above can fail)', async () => {
  for (const cmd of ['screenshot', 'info', 'web']) {
    const r = await runCli([cmd, '--no-such-option', ...(STOP_AFTER_PARSING[cmd] ?? [])], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --no-such-option/);
  }
});
