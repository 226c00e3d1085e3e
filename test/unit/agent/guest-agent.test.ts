// The agent's state machines at the wire, where a real agent cannot be made to misbehave on cue: lifecycle and
// announce, grab serials and grab races, the release delay, loop prevention, request timeouts with late answers,
// the clipboard cap in both directions, selections without CLIPBOARD_SELECTION, and every unexpected message type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAnnounceCapabilities, decodeClipboardGrab } from '../../../main/spice/agent/agent-messages';
import { CLIENT_AGENT_CAPS } from '../../../main/spice/agent/agent-caps';
import type { ClipboardAdapter, ClipboardContent } from '../../../main/spice/agent/clipboard-adapter';
import { clipboardFingerprint } from '../../../main/spice/agent/clipboard-content';
import * as V from '../../../main/spice/agent/vd-agent';
import { capsHas } from '../../../main/spice/transport/caps';
import { LINUX_AGENT_CAPS, agentWire, announce, guest, u32 } from '../../support/agent-wire';

const WIRE = { selectionPrefix: true, grabSerial: true };

function fakeAdapter(content: ClipboardContent | null = { kind: 'text', text: 'host' }) {
  const calls: string[] = [];
  const adapter: ClipboardAdapter = {
    guestGrab: (s, kinds) => calls.push(`grab ${s} ${kinds.join(',')}`),
    guestRelease: (s) => calls.push(`release ${s}`),
    readHost: (s, kind) => {
      calls.push(`read ${s} ${kind}`);
      return Promise.resolve(content);
    },
  };
  return { adapter, calls };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(
  'start: AGENT_START with an unlimited budget, then ANNOUNCE{request=1} of every client cap',
  { timeout: 10_000 },
  () => {
    const w = agentWire();
    w.agent.mainInit(true, 10);
    assert.deepEqual(w.starts, [0xffffffff]);
    const [a] = w.take(V.VD_AGENT_ANNOUNCE_CAPABILITIES);
    const caps = decodeAnnounceCapabilities(a!.data);
    assert.equal(caps.request, true);
    for (const c of CLIENT_AGENT_CAPS) assert.ok(capsHas(caps.caps, c), `announces cap ${c}`);
    for (const c of [
      V.VD_AGENT_CAP_FILE_XFER_DISABLED,
      V.VD_AGENT_CAP_GUEST_LINEEND_CRLF,
      V.VD_AGENT_CAP_DISPLAY_CONFIG,
    ]) {
      assert.ok(!capsHas(caps.caps, c), `does not announce cap ${c}`);
    }
    assert.equal(w.agent.state.ready, false);
    // The agent asks back: answered with request=0; MAX_CLIPBOARD follows.
    w.deliver(V.VD_AGENT_ANNOUNCE_CAPABILITIES, announce(true, LINUX_AGENT_CAPS));
    assert.equal(
      decodeAnnounceCapabilities(w.take(V.VD_AGENT_ANNOUNCE_CAPABILITIES)[0]!.data).request,
      false,
    );
    assert.deepEqual([...w.take(V.VD_AGENT_MAX_CLIPBOARD)[0]!.data], [...u32(100 * 1024 * 1024)]);
    assert.equal(w.agent.state.ready, true);
    assert.equal(w.agent.state.lineEnding, 'lf');
  },
);

test(
  'no agent at start: nothing is sent until AGENT_CONNECTED, and agent data before it is dropped',
  { timeout: 10_000 },
  () => {
    const w = agentWire();
    w.agent.mainInit(false, 10);
    w.deliver(V.VD_AGENT_ANNOUNCE_CAPABILITIES, announce(false, LINUX_AGENT_CAPS));
    assert.deepEqual(w.sent(), []);
    assert.equal(w.agent.state.connected, false);
    w.connect(LINUX_AGENT_CAPS);
    assert.equal(w.agent.state.ready, true);
  },
);

test(
  'grab serials: ours count up per selection; a guest grab must carry the next one; both at once: ours wins',
  { timeout: 10_000 },
  () => {
    const { adapter, calls } = fakeAdapter();
    const w = agentWire({ clipboard: adapter });
    w.connect(LINUX_AGENT_CAPS);
    assert.ok(w.agent.clipboard.hostGrab('clipboard', ['text']));
    assert.ok(w.agent.clipboard.hostGrab('primary', ['text', 'image']));
    const grabs = w.take(V.VD_AGENT_CLIPBOARD_GRAB).map((g) => decodeClipboardGrab(g.data, WIRE));
    assert.deepEqual(grabs, [
      { selection: 0, serial: 0, types: [V.VD_AGENT_CLIPBOARD_UTF8_TEXT] },
      { selection: 1, serial: 0, types: [V.VD_AGENT_CLIPBOARD_UTF8_TEXT, V.VD_AGENT_CLIPBOARD_IMAGE_PNG] },
    ]);
    // The guest grabs with serial 1 (after ours): taken.
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 1, [V.VD_AGENT_CLIPBOARD_UTF8_TEXT]));
    assert.deepEqual(calls, ['grab clipboard text']);
    // Race: we grab (serial 2) while the guest's grab with serial 2 is in flight: the guest's is stale.
    w.agent.clipboard.hostGrab('clipboard', ['text']);
    assert.equal(decodeClipboardGrab(w.take(V.VD_AGENT_CLIPBOARD_GRAB)[0]!.data, WIRE).serial, 2);
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 2, [V.VD_AGENT_CLIPBOARD_UTF8_TEXT]));
    assert.deepEqual(calls, ['grab clipboard text'], 'stale guest grab dropped');
    assert.deepEqual(w.agent.clipboard.guestOffers('clipboard'), []);
    // A new agent: serials restart.
    w.agent.agentDisconnected(0);
    w.connect(LINUX_AGENT_CAPS);
    const regrab = w.take(V.VD_AGENT_CLIPBOARD_GRAB).map((g) => decodeClipboardGrab(g.data, WIRE));
    assert.deepEqual(
      regrab.map((g) => [g.selection, g.serial]),
      [
        [0, 0],
        [1, 0],
      ],
      'what the host offered is offered to the new agent',
    );
  },
);

test(
  'loop prevention: content the shell wrote for the guest is not grabbed back; a real copy is',
  { timeout: 10_000 },
  async () => {
    const { adapter } = fakeAdapter();
    const w = agentWire({ clipboard: adapter });
    w.connect(LINUX_AGENT_CAPS);
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [V.VD_AGENT_CLIPBOARD_UTF8_TEXT]));
    const read = w.agent.clipboard.readGuest('clipboard', 'text');
    assert.equal(w.take(V.VD_AGENT_CLIPBOARD_REQUEST).length, 1);
    w.deliver(
      V.VD_AGENT_CLIPBOARD,
      guest.data(0, V.VD_AGENT_CLIPBOARD_UTF8_TEXT, new TextEncoder().encode('guest')),
    );
    const content = await read;
    assert.deepEqual(content, { kind: 'text', text: 'guest' });
    assert.equal(w.agent.clipboard.hostGrab('clipboard', ['text'], clipboardFingerprint(content)), false);
    assert.equal(w.take(V.VD_AGENT_CLIPBOARD_GRAB).length, 0, 'the echo is not sent');
    assert.equal(
      w.agent.clipboard.hostGrab('clipboard', ['text'], clipboardFingerprint({ kind: 'text', text: 'new' })),
      true,
    );
    assert.equal(w.take(V.VD_AGENT_CLIPBOARD_GRAB).length, 1);
  },
);

test(
  'the guest pastes: host text goes out with CRLF for a Windows agent; nothing offered: NONE',
  { timeout: 10_000 },
  async () => {
    const { adapter, calls } = fakeAdapter({ kind: 'text', text: 'a\nb' });
    const w = agentWire({ clipboard: adapter });
    w.connect([
      ...LINUX_AGENT_CAPS.filter((c) => c !== V.VD_AGENT_CAP_GUEST_LINEEND_LF),
      V.VD_AGENT_CAP_GUEST_LINEEND_CRLF,
    ]);
    assert.equal(w.agent.state.lineEnding, 'crlf');
    w.deliver(V.VD_AGENT_CLIPBOARD_REQUEST, guest.request(0, V.VD_AGENT_CLIPBOARD_UTF8_TEXT));
    await tick();
    assert.deepEqual(
      [...w.take(V.VD_AGENT_CLIPBOARD)[0]!.data],
      [0, 0, 0, 0, ...u32(0)],
      'not offered: NONE',
    );
    w.agent.clipboard.hostGrab('clipboard', ['text']);
    w.deliver(V.VD_AGENT_CLIPBOARD_REQUEST, guest.request(0, V.VD_AGENT_CLIPBOARD_IMAGE_PNG));
    w.deliver(V.VD_AGENT_CLIPBOARD_REQUEST, guest.request(0, V.VD_AGENT_CLIPBOARD_UTF8_TEXT));
    await tick(10);
    const [png, text] = w.take(V.VD_AGENT_CLIPBOARD);
    assert.deepEqual([...png!.data], [0, 0, 0, 0, ...u32(0)], 'a kind we did not offer: NONE');
    assert.equal(new TextDecoder().decode(text!.data.subarray(8)), 'a\r\nb');
    assert.deepEqual(calls, ['read clipboard text']);
  },
);

test(
  'host clipboard over the cap: the guest gets NONE and the user a notice',
  { timeout: 10_000 },
  async () => {
    const { adapter } = fakeAdapter({ kind: 'text', text: 'x'.repeat(5000) });
    const w = agentWire({ clipboard: adapter, maxClipboardBytes: 4096 });
    const notices: string[] = [];
    w.agent.on('notice', (n) => notices.push(n.code));
    w.connect(LINUX_AGENT_CAPS);
    w.agent.clipboard.hostGrab('clipboard', ['text']);
    w.deliver(V.VD_AGENT_CLIPBOARD_REQUEST, guest.request(0, V.VD_AGENT_CLIPBOARD_UTF8_TEXT));
    await tick(10);
    assert.deepEqual([...w.take(V.VD_AGENT_CLIPBOARD)[0]!.data], [0, 0, 0, 0, ...u32(0)]);
    assert.deepEqual(notices, ['clipboard-too-large']);
  },
);

test(
  'guest clipboard over the cap: skipped by declared size, the request fails, the next one works',
  { timeout: 10_000 },
  async () => {
    const w = agentWire({ maxClipboardBytes: 4096 });
    const notices: string[] = [];
    w.agent.on('notice', (n) => notices.push(n.message));
    w.connect(LINUX_AGENT_CAPS.filter((c) => c !== V.VD_AGENT_CAP_MAX_CLIPBOARD));
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(1, 0, [V.VD_AGENT_CLIPBOARD_UTF8_TEXT]));
    const big = w.agent.clipboard.readGuest('primary', 'text');
    w.deliver(V.VD_AGENT_CLIPBOARD, guest.data(1, 1, new Uint8Array(10_000).fill(65)));
    await assert.rejects(
      big,
      (e: Error & { code?: string }) => e.code === 'too-large' && /limit/.test(e.message),
    );
    assert.match(notices[0]!, /larger than the 4 KB limit/);
    const small = w.agent.clipboard.readGuest('primary', 'text');
    w.deliver(V.VD_AGENT_CLIPBOARD, guest.data(1, 1, new TextEncoder().encode('ok')));
    assert.deepEqual(await small, { kind: 'text', text: 'ok' });
    // An agent that honours MAX_CLIPBOARD answers with the type and no data: also "too large".
    const w2 = agentWire({ maxClipboardBytes: 4096 });
    w2.connect(LINUX_AGENT_CAPS);
    w2.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [V.VD_AGENT_CLIPBOARD_UTF8_TEXT]));
    const withheld = w2.agent.clipboard.readGuest('clipboard', 'text');
    w2.deliver(V.VD_AGENT_CLIPBOARD, guest.data(0, 1, new Uint8Array(0)));
    await assert.rejects(withheld, /larger than/);
  },
);

test(
  'release: at once with NO_RELEASE_ON_REGRAB, else held 500 ms and cancelled by a regrab',
  { timeout: 10_000 },
  async () => {
    const { adapter, calls } = fakeAdapter();
    const w = agentWire({ clipboard: adapter });
    w.connect(LINUX_AGENT_CAPS.filter((c) => c !== V.VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB));
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [1]));
    w.deliver(V.VD_AGENT_CLIPBOARD_RELEASE, guest.release(0));
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 1, [2]));
    await tick(600);
    assert.deepEqual(
      calls,
      ['grab clipboard text', 'grab clipboard image'],
      'the release between two grabs is hidden',
    );
    w.deliver(V.VD_AGENT_CLIPBOARD_RELEASE, guest.release(0));
    assert.equal(calls.length, 2);
    await tick(600);
    assert.deepEqual(calls.at(-1), 'release clipboard');
    const w2 = agentWire({ clipboard: adapter });
    w2.connect(LINUX_AGENT_CAPS);
    w2.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [1]));
    w2.deliver(V.VD_AGENT_CLIPBOARD_RELEASE, guest.release(0));
    assert.deepEqual(calls.at(-1), 'release clipboard', 'immediate with NO_RELEASE_ON_REGRAB');
  },
);

test(
  'a request that times out swallows its late answer; the agent leaving fails pending requests',
  { timeout: 10_000 },
  async () => {
    const w = agentWire({ clipboardRequestTimeoutMs: 50 });
    w.connect(LINUX_AGENT_CAPS);
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [1]));
    await assert.rejects(w.agent.clipboard.readGuest('clipboard', 'text'), /did not send its clipboard/);
    const next = w.agent.clipboard.readGuest('clipboard', 'text');
    w.deliver(V.VD_AGENT_CLIPBOARD, guest.data(0, 1, new TextEncoder().encode('late')));
    w.deliver(V.VD_AGENT_CLIPBOARD, guest.data(0, 1, new TextEncoder().encode('fresh')));
    assert.deepEqual(
      await next,
      { kind: 'text', text: 'fresh' },
      'the late answer went to the timed-out request',
    );
    const pending = w.agent.clipboard.readGuest('clipboard', 'text');
    w.agent.agentDisconnected(0);
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'agent-gone');
    assert.equal(await w.agent.clipboard.readGuest('clipboard', 'text'), null, 'nothing offered any more');
  },
);

test(
  'without CLIPBOARD_SELECTION only CLIPBOARD is shared and no prefix is sent; without BY_DEMAND nothing',
  { timeout: 10_000 },
  () => {
    const { adapter, calls } = fakeAdapter();
    const w = agentWire({ clipboard: adapter });
    w.connect([V.VD_AGENT_CAP_CLIPBOARD_BY_DEMAND]);
    assert.equal(w.agent.clipboard.hostGrab('primary', ['text']), false);
    assert.equal(w.agent.clipboard.hostGrab('clipboard', ['text']), true);
    assert.deepEqual([...w.take(V.VD_AGENT_CLIPBOARD_GRAB)[0]!.data], [...u32(1)], 'no prefix, no serial');
    w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, u32(V.VD_AGENT_CLIPBOARD_IMAGE_BMP));
    assert.deepEqual(calls, ['grab clipboard image']);
    const w2 = agentWire({ clipboard: adapter });
    w2.connect([V.VD_AGENT_CAP_MONITORS_CONFIG]);
    assert.equal(w2.agent.clipboard.hostGrab('clipboard', ['text']), false);
    assert.equal(w2.agent.state.clipboard, false);
  },
);

test(
  'every other agent message type has a logged path; unknown types and garbage never throw',
  { timeout: 10_000 },
  () => {
    const w = agentWire();
    const unsupported: string[] = [];
    const notices: string[] = [];
    w.agent.on('unsupported', (u) => unsupported.push(u.what));
    w.agent.on('notice', (n) => notices.push(n.code));
    w.connect(LINUX_AGENT_CAPS);
    for (const type of [1, 2, 5, 12, 13, 14, 15, 16, 99]) w.deliver(type, new Uint8Array(4));
    assert.equal(unsupported.length, 9);
    // FILE_XFER_START from the guest is refused with DISABLED so it never waits.
    w.deliver(V.VD_AGENT_FILE_XFER_START, u32(77));
    assert.deepEqual(
      [...w.take(V.VD_AGENT_FILE_XFER_STATUS)[0]!.data],
      [...u32(77, V.VD_AGENT_FILE_XFER_STATUS_DISABLED)],
    );
    w.deliver(V.VD_AGENT_CLIPBOARD_REQUEST, new Uint8Array(2));
    w.deliver(V.VD_AGENT_REPLY, new Uint8Array(3));
    assert.deepEqual(notices, ['agent-malformed'], 'reported once per kind');
    let replies = 0;
    w.agent.on('monitors-reply', () => replies++);
    w.deliver(V.VD_AGENT_REPLY, u32(V.VD_AGENT_MONITORS_CONFIG, V.VD_AGENT_SUCCESS));
    assert.equal(replies, 1);
  },
);
