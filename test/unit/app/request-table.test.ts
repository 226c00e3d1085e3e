// The session process's request table: each contract method answered by exactly one bridge, checked when the
// table is built — a feature that adds a request without a handler, or claims another bridge's, fails at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_METHODS } from '../../../shared/contract';
import { RequestTable } from '../../../main/session/request-table';
import type { RequestHandlers, SessionBridge, ViewPort } from '../../../main/session/session-bridge';
import { SessionService } from '../../../main/session/session-service';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

const noop = () => {};
const all = Object.fromEntries(REQUEST_METHODS.map((m) => [m, noop])) as unknown as RequestHandlers;
const view: ViewPort = { id: 1, monitor: 0, send: noop, sendDamage: noop };

void test('a complete table dispatches each method to its one handler', () => {
  const seen: string[] = [];
  const a: SessionBridge = { name: 'a', handlers: { ...all, key: (r) => seen.push(`key ${r.scancode}`) } };
  new RequestTable([a]).dispatch('key', { scancode: 0x1e, down: true }, view);
  assert.deepEqual(seen, ['key 30']);
});

void test('a method claimed by two bridges, or by none, is refused when the table is built', () => {
  const { key: _key, frameAck: _ack, ...rest } = all;
  assert.throws(
    () => new RequestTable([{ name: 'a', handlers: rest }]),
    /no bridge handles the request\(s\) key, frameAck/,
  );
  assert.throws(
    () =>
      new RequestTable([
        { name: 'a', handlers: all },
        { name: 'b', handlers: { key: noop } },
      ]),
    /'key' is handled by both a and b/,
  );
});

void test("a feature bridge cannot take over a built-in bridge's request", () => {
  assert.throws(
    () =>
      new SessionService({
        createSession: () => new FakeSession(),
        parseUri: parseSpiceUri,
        parseVv: (text) => parseVvFile(text),
        logger: silentLogger,
        shell: 'web',
        bridges: () => [{ name: 'rogue', handlers: { sendKeys: noop } }],
      }),
    /'sendKeys' is handled by both input and rogue/,
  );
});
