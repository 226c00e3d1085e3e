// The desktop app's OS clipboard sync over a fake clipboard: a change is reported once with its formats, what was
// written for the guest comes back with its fingerprint (no echo), the guest's paste is answered, PRIMARY only where
// the OS has it, and a failing clipboard still answers (null) instead of leaving the guest waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentHostMessage } from '../../../main/ipc/agent-host-protocol';
import { OsClipboardSync, type OsClipboard } from '../../../main/ipc/os-clipboard-sync';

function fakeClipboard(primary: boolean) {
  const boards: Record<'clipboard' | 'primary', { text: string; png: Uint8Array }> = {
    clipboard: { text: '', png: new Uint8Array(0) },
    primary: { text: '', png: new Uint8Array(0) },
  };
  let fail = false;
  const clipboard: OsClipboard = {
    has: (s) => s === 'clipboard' || primary,
    readText: (s) => (fail ? Promise.reject(new Error('locked')) : Promise.resolve(boards[s].text)),
    readPng: (s) => Promise.resolve(boards[s].png),
    writeText: (s, text) => Promise.resolve(void (boards[s] = { text, png: new Uint8Array(0) })),
    writePng: (s, png) => Promise.resolve(void (boards[s] = { text: '', png })),
  };
  return { boards, clipboard, setFail: (f: boolean) => (fail = f) };
}

void test('changes are reported once; our own write comes back with its fingerprint', async () => {
  const { boards, clipboard } = fakeClipboard(false);
  const sent: AgentHostMessage[] = [];
  const sync = new OsClipboardSync(clipboard, (m) => sent.push(m));
  boards.clipboard = { text: 'copied on the host', png: new Uint8Array(0) };
  sync.check();
  sync.check();
  await sync.idle();
  assert.deepEqual(sent, [{ t: 'clipboard-changed', selection: 'clipboard', formats: ['text'] }]);
  sync.write('clipboard', { png: new Uint8Array([1, 2, 3]) }, 'image:abc');
  sync.check();
  await sync.idle();
  assert.equal(sent.length, 1, 'reading back our own write is not a change');
  boards.clipboard = { text: 'other', png: new Uint8Array(0) };
  sync.check();
  await sync.idle();
  boards.clipboard = { text: '', png: new Uint8Array([1, 2, 3]) };
  sync.check();
  await sync.idle();
  assert.deepEqual(sent.slice(1), [
    { t: 'clipboard-changed', selection: 'clipboard', formats: ['text'] },
    { t: 'clipboard-changed', selection: 'clipboard', formats: ['image'], fingerprint: 'image:abc' },
  ]);
});

void test("the guest's paste is answered, with null when there is nothing or the clipboard fails", async () => {
  const { boards, clipboard, setFail } = fakeClipboard(true);
  const sent: AgentHostMessage[] = [];
  const sync = new OsClipboardSync(clipboard, (m) => sent.push(m));
  boards.primary = { text: 'selected', png: new Uint8Array(0) };
  sync.answer(1, 'primary', 'text');
  sync.answer(2, 'primary', 'image');
  await sync.idle();
  setFail(true);
  sync.answer(3, 'clipboard', 'text');
  await sync.idle();
  assert.deepEqual(sent, [
    { t: 'clipboard-content', requestId: 1, content: { text: 'selected' } },
    { t: 'clipboard-content', requestId: 2, content: null },
    { t: 'clipboard-content', requestId: 3, content: null },
  ]);
});

void test('polling while focused reads only the stamp until it changes, then reports CLIPBOARD once', async () => {
  const { boards, clipboard } = fakeClipboard(true);
  let pngReads = 0;
  let stamps = 0;
  const polled: OsClipboard = {
    ...clipboard,
    readPng: (s) => {
      pngReads++;
      return clipboard.readPng(s);
    },
    stamp: (s) => {
      stamps++;
      return Promise.resolve(`${boards[s].png.byteLength > 0 ? 'image/png' : ''}|${boards[s].text}`);
    },
  };
  const sent: AgentHostMessage[] = [];
  const sync = new OsClipboardSync(polled, (m) => sent.push(m));
  sync.poll(); // first look: the clipboard as it is now (empty) is the baseline the guest hears about
  await sync.idle();
  const baseline = sent.length;
  const readsAfterBaseline = pngReads;
  for (let i = 0; i < 5; i++) {
    sync.poll();
    await sync.idle();
  }
  assert.equal(sent.length, baseline, 'nothing changed: nothing sent');
  assert.equal(pngReads, readsAfterBaseline, 'an unchanged stamp reads no image');
  boards.clipboard = { text: 'copied by a password manager', png: new Uint8Array(0) };
  boards.primary = { text: 'a selection elsewhere', png: new Uint8Array(0) };
  sync.poll();
  await sync.idle();
  sync.poll();
  await sync.idle();
  assert.deepEqual(sent.slice(baseline), [
    { t: 'clipboard-changed', selection: 'clipboard', formats: ['text'] },
  ]);
  assert.ok(stamps >= 7);
  // Without a stamp (a shell that cannot give one) polling does nothing; focus still checks.
  const quiet: AgentHostMessage[] = [];
  const unstamped = new OsClipboardSync(clipboard, (m) => quiet.push(m));
  unstamped.poll();
  await unstamped.idle();
  assert.deepEqual(quiet, []);
});
