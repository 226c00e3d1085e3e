// `saffron info` prints what the server says about itself; a hostile server's VM name must not put terminal
// control sequences (ESC ] … BEL sets the window title, CSI clears the screen, …) on the user's terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { ScriptedServer } from '../../support/scripted-server';
import { mainInit } from '../../support/session-harness';
import { runCli } from '../../support/run-cli';

void test('info: control characters in the VM name are not printed raw', async () => {
  const server = new ScriptedServer();
  const port = await server.listen();
  try {
    const run = runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '10']);
    const main = await server.connection();
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    const name = Buffer.from('evil\x1b]0;owned\x07\x1b[2J\x9b31mvm\0', 'latin1');
    main.send(E.SPICE_MSG_MAIN_NAME, new SpiceWriter().u32(name.length).bytes(name).finish());
    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /name: +evil.*vm/);
    assert.doesNotMatch(result.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.doesNotMatch(result.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  } finally {
    await server.close();
  }
});
