// `saffron info` names capability bits by spice-protocol's names (text and --json), keeps the bit numbers in
// JSON, and shows a bit it has no name for as its number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import * as P from '../../../main/spice/protocol/protocol';
import { channelCapNames, commonCapNames } from '../../../main/cli/capability-names';
import { ScriptedServer } from '../../support/scripted-server';
import { mainInit } from '../../support/session-harness';
import { runCli } from '../../support/run-cli';

void test('capability bits by name, per channel type; unknown bits by number', () => {
  assert.deepEqual(commonCapNames([0, 1, 3]), ['PROTOCOL_AUTH_SELECTION', 'AUTH_SPICE', 'MINI_HEADER']);
  assert.deepEqual(channelCapNames(E.SPICE_CHANNEL_DISPLAY, [P.SPICE_DISPLAY_CAP_CODEC_VP8, 31]), [
    'CODEC_VP8',
    'bit 31',
  ]);
  assert.deepEqual(channelCapNames(E.SPICE_CHANNEL_USBREDIR, [0]), ['DATA_COMPRESS_LZ4']);
  assert.deepEqual(channelCapNames(E.SPICE_CHANNEL_CURSOR, [0]), ['bit 0']);
});

async function infoAgainst(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const server = new ScriptedServer({
    commonCaps: [0, 1, 3],
    channelCaps: (type) => (type === E.SPICE_CHANNEL_MAIN ? [P.SPICE_MAIN_CAP_NAME_AND_UUID, 21] : []),
  });
  const port = await server.listen();
  try {
    const run = runCli(['info', `spice://127.0.0.1:${port}`, '--timeout', '20', ...args]);
    const main = await server.connection();
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    return await run;
  } finally {
    await server.close();
  }
}

void test('info prints capability names', async () => {
  const r = await infoAgainst([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /main +open +server caps: common \[PROTOCOL_AUTH_SELECTION, AUTH_SPICE, MINI_HEADER\] channel \[NAME_AND_UUID, bit 21\]/,
  );
});

void test('info --json has the names and the bit numbers', async () => {
  const r = await infoAgainst(['--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    channels: {
      type: string;
      serverCommonCaps: number[];
      serverCommonCapNames: string[];
      serverChannelCaps: number[];
      serverChannelCapNames: string[];
      clientChannelCapNames: string[];
    }[];
  };
  const main = report.channels.find((c) => c.type === 'main');
  assert.ok(main);
  assert.deepEqual(main.serverCommonCaps, [0, 1, 3]);
  assert.deepEqual(main.serverCommonCapNames, ['PROTOCOL_AUTH_SELECTION', 'AUTH_SPICE', 'MINI_HEADER']);
  assert.deepEqual(main.serverChannelCaps, [1, 21]);
  assert.deepEqual(main.serverChannelCapNames, ['NAME_AND_UUID', 'bit 21']);
  assert.ok(
    main.clientChannelCapNames.every((n) => !n.startsWith('bit ')),
    main.clientChannelCapNames.join(),
  );
});
