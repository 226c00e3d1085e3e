// A hostile or broken server must not hang, crash or exhaust the client: crafted messages through the real
// channel code end as a clear channel error (or a bounded refusal) and later messages are still handled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import { startHarness } from '../../support/session-harness';

function nameBody(s: string): Uint8Array {
  return new SpiceWriter()
    .u32(s.length + 1)
    .bytes(Buffer.from(s + '\0'))
    .finish();
}

/** A LIST whose two entries both point at the same nested LIST, `depth` levels deep (2^depth leaves). */
function nestedList(depth: number): Uint8Array {
  let body = new SpiceWriter().u16(0).finish();
  for (let i = 0; i < depth; i++) {
    const w = new SpiceWriter().u16(2).u32(10).u32(10);
    w.u16(E.SPICE_MSG_LIST).u32(body.length).bytes(body);
    body = w.finish();
  }
  return body;
}

void test('a LIST nested in a LIST is refused, not expanded exponentially (no hang)', async () => {
  const h = await startHarness();
  try {
    h.main.send(E.SPICE_MSG_LIST, nestedList(48));
    const err = await h.waitFor('channel-error');
    assert.equal(err.error.code, 'protocol');
    assert.match(err.error.message, /nested/);
    h.main.send(E.SPICE_MSG_MAIN_NAME, nameBody('after'));
    assert.equal((await h.waitFor('name')).name, 'after');
  } finally {
    await h.close();
  }
});
