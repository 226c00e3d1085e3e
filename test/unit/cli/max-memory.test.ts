// --max-memory caps the session memory budget in every connecting command, including those whose --timeout means
// something else (usb: the first connection; capture-audio: waiting for sound; send-file: silence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { EXIT_PROTOCOL } from '../../../main/cli/exit-codes';
import { ScriptedServer } from '../../support/scripted-server';
import { runCli } from '../../support/run-cli';

/** A main channel that declares a 64 MiB message and sends 24 MiB of it: over a 16 MiB budget, under the default. */
async function withHoardingServer(run: (port: number) => Promise<void>): Promise<void> {
  const server = new ScriptedServer();
  const port = await server.listen();
  const serve = (async () => {
    const main = await server.connection(10_000).catch(() => null);
    if (!main) return;
    main.sendRaw(
      new SpiceWriter(6)
        .u16(E.SPICE_MSG_MAIN_CHANNELS_LIST)
        .u32(64 * 1024 * 1024)
        .finish(),
    );
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 24; i++) main.sendRaw(chunk);
  })();
  try {
    await run(port);
  } finally {
    await serve.catch(() => undefined);
    await server.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'saffron-max-memory-'));
const file = join(dir, 'a.txt');
writeFileSync(file, 'hello');
const wav = join(dir, 'out.wav');

for (const [command, extra] of [
  ['capture-audio', ['-o', wav, '--seconds', '1']],
  ['usb', []],
  ['send-file', [file]],
] as const) {
  void test(
    `${command} --max-memory 16 refuses a server that makes it hold more (exit 7)`,
    { timeout: 60_000 },
    async () => {
      await withHoardingServer(async (port) => {
        const started = performance.now();
        const r = await runCli([
          command,
          `spice://127.0.0.1:${port}`,
          ...extra,
          '--max-memory',
          '16',
          '--timeout',
          '20',
        ]);
        assert.equal(r.code, EXIT_PROTOCOL, r.stderr);
        assert.match(r.stderr, /16\.0 MiB memory budget|16 MiB memory budget/);
        assert.ok(performance.now() - started < 15_000, 'without waiting for --timeout');
      });
    },
  );
}

void test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
