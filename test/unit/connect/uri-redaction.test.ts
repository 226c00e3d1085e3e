// A SPICE URI's password never appears in an error message about that URI, however the key is spelled
// (percent-encoded, mixed case) — the message goes to stderr, dialogs and the window's status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpiceUri, redactUri } from '../../../main/spice/connect/uri';

const SECRET = 'hunter2-secret';

function messageOf(uri: string): string {
  try {
    parseSpiceUri(uri);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${uri} should not parse`);
}

void test('the password is redacted in URI errors whatever the key spelling', () => {
  for (const uri of [
    `spice://host:99999?password=${SECRET}`,
    `spice://host:99999?PassWord=${SECRET}`,
    `spice://host:99999?pass%77ord=${SECRET}`,
    `spice://host:99999?%70assword=${SECRET}`,
    `spice://host:99999?port=1;password=${SECRET}`,
    `spice://host:5900?password=${SECRET}&password=again`,
  ]) {
    const message = messageOf(uri);
    assert.ok(!message.includes(SECRET), `${uri} → ${message}`);
    assert.ok(!message.includes('again'), `${uri} → ${message}`);
  }
});

void test('redactUri keeps everything but the password', () => {
  assert.equal(redactUri('spice://h:1?pass%77ord=x&port=2'), 'spice://h:1?pass%77ord=<redacted>&port=2');
  assert.equal(redactUri('spice://h:1?port=2&password=x'), 'spice://h:1?port=2&password=<redacted>');
  assert.equal(redactUri('spice://h:1?port=2'), 'spice://h:1?port=2');
});
