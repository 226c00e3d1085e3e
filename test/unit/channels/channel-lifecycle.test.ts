// A channel closed in any state — connecting, linking, linked — releases its socket and timers at once, and no
// rejection of the session's connect path is ever left unhandled. A huge CHANNELS_LIST is bounded and reported in
// a few lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceError } from '../../../main/spice/errors';
import type { Logger } from '../../../main/spice/logger';
import { SpiceSession } from '../../../main/spice/session';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { createStreamOpener } from '../../../main/spice/transport/opener';
import type { OpenRequest, StreamOpener } from '../../../main/spice/transport/stream-opener';
import { silentLogger } from '../../../main/spice/logger';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { ScriptedServer, type StallMode } from '../../support/scripted-server';
import { startHarness } from '../../support/session-harness';

const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;

/** Collects unhandled rejections while `run` runs (and a little after). */
async function noUnhandledRejections(run: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onReject = (e: unknown): void => {
    seen.push(e);
  };
  process.on('unhandledRejection', onReject);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('unhandledRejection', onReject);
  }
  assert.deepEqual(seen.map(String), [], 'no unhandled rejection');
}

void test(
  'closed while connecting: the pending connect is aborted and closed settles',
  { timeout: 30_000 },
  async () => {
    let signal: AbortSignal | undefined;
    const opener: StreamOpener = {
      open: (req: OpenRequest) =>
        new Promise<Duplex>((_, reject) => {
          signal = req.signal;
          req.signal?.addEventListener('abort', () => reject(new SpiceError('cancelled', 'aborted')));
        }),
      prefersSecure: () => false,
      hasSecurePort: false,
      hasPlainPort: true,
      describe: () => 'nowhere',
    };
    await noUnhandledRejections(async () => {
      const session = new SpiceSession({ opener });
      const connecting = session.connect();
      await new Promise((r) => setImmediate(r));
      assert.ok(signal, 'the opener got an abort signal');
      session.close();
      assert.equal(signal.aborted, true);
      await assert.rejects(connecting, (e: unknown) => e instanceof SpiceError);
      const main = session.mainChannel!;
      assert.equal(main.phase, 'closed');
      assert.equal(await main.closed, null);
    });
  },
);

for (const mode of ['silent', 'trickle', 'no-link-result'] as StallMode[]) {
  void test(
    `closed while the main channel is linking (${mode} server): socket and timers released, connect rejects`,
    { timeout: 30_000 },
    async () => {
      const server = new ScriptedServer({ stall: () => mode });
      const port = await server.listen();
      await noUnhandledRejections(async () => {
        const session = new SpiceSession({
          opener: createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger }),
          linkTimeoutMs: 60_000,
        });
        const connecting = session.connect();
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(session.mainChannel?.phase, 'linking');
        session.close();
        await assert.rejects(connecting, (e: unknown) => e instanceof SpiceError && e.code === 'cancelled');
        await server.close();
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(
          count('TCPSocketWrap'),
          0,
          `sockets left: ${process.getActiveResourcesInfo().join(',')}`,
        );
        assert.equal(count('Timeout'), 0, `timers left: ${process.getActiveResourcesInfo().join(',')}`);
      });
    },
  );
}

void test(
  'a secondary channel still linking when the session closes is released at once',
  { timeout: 30_000 },
  async () => {
    const h = await startHarness({
      stall: (type) => (type === E.SPICE_CHANNEL_CURSOR ? 'silent' : undefined),
    });
    try {
      h.main.send(
        E.SPICE_MSG_MAIN_CHANNELS_LIST,
        new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_CURSOR).u8(0).finish(),
      );
      await new Promise((r) => setTimeout(r, 150));
      const cursor = h.session.getChannel(E.SPICE_CHANNEL_CURSOR, 0);
      assert.equal(cursor?.phase, 'linking');
    } finally {
      h.session.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    // The client's cursor socket is gone well before the 3 s link timeout, so the server's end closed too.
    const open = count('TCPSocketWrap');
    const timers = count('Timeout');
    await h.server.close();
    assert.equal(open, 0, 'no socket left open 100 ms after close()');
    assert.equal(timers, 0, 'no timer left');
  },
);

void test(
  'a CHANNELS_LIST of 10^6 entries is bounded and reported in a few lines',
  { timeout: 30_000 },
  async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const h = await startHarness({ session: { logger } });
    try {
      const n = 1_000_000;
      const w = new SpiceWriter(4 + 2 * n).u32(n);
      // Types 5..11 (none implemented in this harness session) with every id, over and over.
      for (let i = 0; i < n; i++) w.u8(5 + (i % 7)).u8((i >> 3) & 0xff);
      h.main.send(E.SPICE_MSG_MAIN_CHANNELS_LIST, w.finish());
      const listed = await h.waitFor('channels', undefined, 10_000);
      assert.ok(listed.channels.length <= 256, `${listed.channels.length} channels kept`);
      h.main.send(E.SPICE_MSG_PING, new SpiceWriter().u32(3).u64(0n).finish());
      assert.equal(new SpiceReader((await h.main.nextOfType(E.SPICE_MSGC_PONG, 10_000)).body).u32(), 3);
      assert.ok(lines.length <= 10, `${lines.length} log lines:\n${lines.join('\n')}`);
      assert.ok(lines.some((l) => /only the first 256/.test(l)));
      assert.ok(
        lines.some((l) =>
          /usbredir channel is not supported by this version; not opening it \(\d+ listed\)/.test(l),
        ),
      );
      assert.equal(h.session.openChannels().length, 1, 'only main is open');
    } finally {
      await h.close();
    }
  },
);
