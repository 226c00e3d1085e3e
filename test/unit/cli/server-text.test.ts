// Terminal injection: every server string the CLI prints — a MIGRATE host in the error, a NOTIFY text in the
// log, the VM name in --json — goes through the one printable-text helper; raw ESC, C1 CSI or BEL never reach
// the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { EXIT_CLOSED, EXIT_OK } from '../../../main/cli/exit-codes';
import { printableText, terminalSafeJson } from '../../../shared/printable-text';
import { ScriptedServer } from '../../support/scripted-server';
import { mainInit } from '../../support/session-harness';
import { runCli } from '../../support/run-cli';

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EVIL = 'evil\x1b]0;owned\x07\x1b[2J\x9b31m\u202eexe.';

void test(
  'printableText: controls, bidi overrides and invisibles replaced; long text cut; JSON escaped',
  { timeout: 30_000 },
  () => {
    assert.equal(printableText('a\x1b[2Jb'), 'a?[2Jb');
    assert.equal(printableText('line1\r\nline2\tx'), 'line1  line2 x');
    assert.equal(printableText('\u202egnp.exe\u200b'), '?gnp.exe?');
    assert.equal(printableText('né 名前 😀'), 'né 名前 😀');
    assert.equal(printableText('\ud800x'), '?x');
    assert.equal(printableText('x'.repeat(2000)).length, 512);
    assert.ok(printableText('x'.repeat(2000)).endsWith('…'));
    const json = terminalSafeJson({ name: 'a\x9b\u202eb\x1b' });
    assert.doesNotMatch(json, CONTROL);
    assert.deepEqual(JSON.parse(json), { name: 'a\x9b\u202eb\x1b' }, 'the data itself is unchanged');
  },
);

void test('a MIGRATE host full of terminal controls is printed harmless', { timeout: 30_000 }, async () => {
  const server = new ScriptedServer();
  const port = await server.listen();
  try {
    const run = runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '10']);
    const main = await server.connection();
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    const host = Buffer.from(EVIL + '\0', 'latin1');
    const w = new SpiceWriter().u16(5900).u16(0).u32(host.length).u32(20).u32(0).u32(0).bytes(host);
    main.send(E.SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST, w.finish());
    const r = await run;
    assert.equal(r.code, EXIT_CLOSED, r.stderr);
    assert.match(r.stderr, /migration \(switch to evil\?\]0;owned\?\?\[2J/);
    assert.doesNotMatch(r.stderr, CONTROL);
  } finally {
    await server.close();
  }
});

void test('notices in the log and the VM name in --json are printable too', { timeout: 30_000 }, async () => {
  const server = new ScriptedServer();
  const port = await server.listen();
  try {
    const run = runCli(['info', `spice://127.0.0.1:${port}`, '--json', '--verbose', '--timeout', '10']);
    const main = await server.connection();
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    const text = Buffer.from(EVIL, 'latin1');
    main.send(
      E.SPICE_MSG_NOTIFY,
      new SpiceWriter().u64(0n).u32(1).u32(0).u32(0).u32(text.length).bytes(text).u8(0).finish(),
    );
    const name = Buffer.from(EVIL + '\0', 'latin1');
    main.send(E.SPICE_MSG_MAIN_NAME, new SpiceWriter().u32(name.length).bytes(name).finish());
    const r = await run;
    assert.equal(r.code, EXIT_OK, r.stderr);
    assert.match(r.stderr, /server notice: evil\?\]0;owned/);
    assert.doesNotMatch(r.stderr, CONTROL);
    assert.doesNotMatch(r.stdout, CONTROL);
    assert.equal((JSON.parse(r.stdout) as { name: string }).name.startsWith('evil\x1b]0;owned'), true);
  } finally {
    await server.close();
  }
});
