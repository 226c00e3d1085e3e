import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpiceError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { SESSION_ID, startHarness } from '../../support/session-harness';

test('MAIN_INIT: the client attaches channels and secondary channels link with the session id', async () => {
  const h = await startHarness();
  try {
    const attach = await h.main.nextOfType(E.SPICE_MSGC_MAIN_ATTACH_CHANNELS);
    assert.equal(attach.body.length, 0);
    // client mode was offered (mask 3) while server mode is current: the client asks for client mode
    const req = await h.main.nextOfType(E.SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST);
    assert.equal(new SpiceReader(req.body).u16(), E.SPICE_MOUSE_MODE_CLIENT);
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(2).u8(E.SPICE_CHANNEL_INPUTS).u8(0).u8(E.SPICE_CHANNEL_WEBDAV).u8(0).finish(),
    );
    const inputs = await h.server.connection();
    assert.equal(inputs.channelType, E.SPICE_CHANNEL_INPUTS);
    assert.equal(inputs.connectionId, SESSION_ID);
    const unsupported = await h.waitFor('unsupported', (u) => u.channel.type === E.SPICE_CHANNEL_WEBDAV);
    assert.match(unsupported.what, /webdav/);
  } finally {
    await h.close();
  }
});

test('SET_ACK is answered with ACK_SYNC, then one ACK per window of messages (LIST counts once)', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_SET_ACK, new SpiceWriter().u32(7).u32(3).finish());
    const sync = await h.main.nextOfType(E.SPICE_MSGC_ACK_SYNC);
    assert.equal(new SpiceReader(sync.body).u32(), 7);
    const name = (s: string): Uint8Array =>
      new SpiceWriter()
        .u32(s.length + 1)
        .bytes(Buffer.from(s + '\0'))
        .finish();
    h.main.send(E.SPICE_MSG_MAIN_NAME, name('a'));
    h.main.send(E.SPICE_MSG_MAIN_NAME, name('b'));
    // a LIST with two sub-messages counts as one message toward the window
    const sub1 = name('c');
    const sub2 = name('d');
    const list = new SpiceWriter()
      .u16(2)
      .u32(10)
      .u32(10 + 6 + sub1.length);
    list.u16(E.SPICE_MSG_MAIN_NAME).u32(sub1.length).bytes(sub1);
    list.u16(E.SPICE_MSG_MAIN_NAME).u32(sub2.length).bytes(sub2);
    h.main.send(E.SPICE_MSG_LIST, list.finish());
    await h.main.nextOfType(E.SPICE_MSGC_ACK);
    await h.waitFor('name', (n) => n.name === 'd');
    assert.deepEqual(
      h.events.filter((e) => e.name === 'name').map((e) => (e.payload as { name: string }).name),
      ['a', 'b', 'c', 'd'],
    );
  } finally {
    await h.close();
  }
});

test('PING is answered with a PONG echoing id and timestamp, without the padding', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_PING, new SpiceWriter().u32(42).u64(123456789n).zeros(4096).finish());
    const pong = await h.main.nextOfType(E.SPICE_MSGC_PONG);
    assert.equal(pong.body.length, 12);
    const r = new SpiceReader(pong.body);
    assert.equal(r.u32(), 42);
    assert.equal(r.u64(), 123456789n);
  } finally {
    await h.close();
  }
});

test('NOTIFY reaches the user; a malformed message is a channel error and the next one still works', async () => {
  const h = await startHarness();
  try {
    const text = Buffer.from('keyboard channel is insecure\0');
    h.main.send(
      E.SPICE_MSG_NOTIFY,
      new SpiceWriter().u64(0).u32(1).u32(2).u32(0).u32(text.length).bytes(text).finish(),
    );
    const n = await h.waitFor('notify');
    assert.equal(n.message, 'keyboard channel is insecure');
    h.main.send(E.SPICE_MSG_MAIN_NAME, new SpiceWriter().u32(1000).finish()); // length lies
    const err = await h.waitFor('channel-error');
    assert.equal(err.error.code, 'protocol');
    h.main.send(E.SPICE_MSG_MAIN_NAME, new SpiceWriter().u32(3).bytes(Buffer.from('ok\0')).finish());
    assert.equal((await h.waitFor('name')).name, 'ok');
    h.main.send(999);
    const u = await h.waitFor('unsupported');
    assert.match(u.what, /999/);
  } finally {
    await h.close();
  }
});

test('MIGRATE ends the session with an explained migration error', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_MAIN_MIGRATE_BEGIN, new Uint8Array(0));
    const closed = await h.waitFor('closed');
    assert.ok(closed.error instanceof SpiceError);
    assert.equal(closed.error.code, 'migration');
    assert.match(closed.error.message, /reconnect/);
  } finally {
    await h.close();
  }
});

test('DISCONNECTING ends the session; the server closing main ends it too', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_DISCONNECTING, new SpiceWriter().u64(0).u32(0).finish());
    assert.equal((await h.waitFor('closed')).error?.code, 'closed');
  } finally {
    await h.close();
  }
  const h2 = await startHarness();
  try {
    h2.main.socket.destroy();
    assert.equal((await h2.waitFor('closed')).error?.code, 'closed');
  } finally {
    await h2.close();
  }
});

test('WAIT_FOR_CHANNELS holds this channel until the other channel processed the serial', async () => {
  const h = await startHarness();
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_CURSOR).u8(0).finish(),
    );
    const cursor = await h.server.connection();
    await h.waitFor('channel-open');
    h.main.send(
      E.SPICE_MSG_WAIT_FOR_CHANNELS,
      new SpiceWriter().u8(1).u8(E.SPICE_CHANNEL_CURSOR).u8(0).u64(2n).finish(),
    );
    h.main.send(E.SPICE_MSG_MAIN_NAME, new SpiceWriter().u32(2).bytes(Buffer.from('x\0')).finish());
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.events.filter((e) => e.name === 'name').length, 0, 'main waits');
    cursor.send(E.SPICE_MSG_CURSOR_HIDE);
    cursor.send(E.SPICE_MSG_CURSOR_HIDE);
    await h.waitFor('name');
  } finally {
    await h.close();
  }
});

test('a wrong password fails connect() with auth-failed; none at all with password-required', async () => {
  for (const [given, code] of [
    ['nope', 'auth-failed'],
    ['', 'password-required'],
  ] as const) {
    const { ScriptedServer } = await import('../../support/scripted-server');
    const { createStreamOpener } = await import('../../../main/spice/transport/opener');
    const { parseSpiceUri } = await import('../../../main/spice/connect/uri');
    const { SpiceSession } = await import('../../../main/spice/session');
    const { silentLogger } = await import('../../../main/spice/logger');
    const server = new ScriptedServer({ password: 'right' });
    const port = await server.listen();
    const session = new SpiceSession({
      opener: createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger }),
      password: given,
    });
    await assert.rejects(session.connect(), (e: SpiceError) => e.code === code);
    assert.equal(server.tickets.at(-1), given);
    await server.close();
  }
});

test('close() releases every socket and timer of the session and its channels', async () => {
  const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
  const { startHarness: start } = await import('../../support/session-harness');
  const h = await start({ display: true });
  h.main.send(
    E.SPICE_MSG_MAIN_CHANNELS_LIST,
    new SpiceWriter()
      .u32(3)
      .u8(E.SPICE_CHANNEL_DISPLAY)
      .u8(0)
      .u8(E.SPICE_CHANNEL_INPUTS)
      .u8(0)
      .u8(E.SPICE_CHANNEL_CURSOR)
      .u8(0)
      .finish(),
  );
  for (let i = 0; i < 3; i++) await h.server.connection();
  await h.waitFor('channel-open', (c) => c.type === E.SPICE_CHANNEL_CURSOR);
  assert.ok(count('TCPSocketWrap') >= 8, 'client and server ends of four channels are open');
  await h.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(count('TCPSocketWrap'), 0, `sockets left: ${process.getActiveResourcesInfo().join(',')}`);
  assert.equal(count('TCPServerWrap'), 0);
  assert.equal(count('Timeout'), 0, `timers left: ${process.getActiveResourcesInfo().join(',')}`);
});

test('a secondary channel that dies is reported and dropped; the session goes on', async () => {
  const { startHarness: start } = await import('../../support/session-harness');
  const h = await start();
  try {
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_CURSOR).u8(0).finish(),
    );
    const cursor = await h.server.connection();
    await h.waitFor('channel-open');
    cursor.socket.destroy();
    const closed = await h.waitFor('channel-closed');
    assert.equal(closed.type, E.SPICE_CHANNEL_CURSOR);
    const err = await h.waitFor('channel-error', (e) => e.type === E.SPICE_CHANNEL_CURSOR);
    assert.equal(err.error.code, 'closed');
    assert.equal(h.session.isClosed, false);
    h.main.send(E.SPICE_MSG_PING, new SpiceWriter().u32(5).u64(0n).finish());
    assert.equal(new SpiceReader((await h.main.nextOfType(E.SPICE_MSGC_PONG)).body).u32(), 5);
  } finally {
    await h.close();
  }
});
