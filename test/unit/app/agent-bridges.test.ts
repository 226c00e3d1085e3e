// The guest agent's session bridges against a scripted agent: auto-resize layouts from view sizes and the toggle,
// agent-state to every view, the clipboard both ways with the page as the host clipboard (grab with fingerprint,
// the guest's paste answered in pieces, offers and fetches, each direction's toggle), and a page's dropped file read
// block by block with progress. The real agent is exercised end to end in test/e2e/web-agent.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import type { AgentLike } from '../../../main/session/session-like';
import { ClipboardRelay } from '../../../main/session/bridges/agent-bridges';
import { layoutFor } from '../../../main/session/bridges/agent-bridge';
import type { ClipboardContent } from '../../../main/spice/agent/clipboard-adapter';
import type { FileSource } from '../../../main/spice/agent/file-source';
import type { GuestMonitor } from '../../../main/spice/agent/monitors-config';
import type { TransferBatch, TransferResult } from '../../../main/spice/agent/file-transfer';
import type { AgentState, GuestAgentEvents } from '../../../main/spice/agent/guest-agent';
import { TypedEmitter } from '../../../main/spice/typed-emitter';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { FakeSession } from './fake-session';

class FakeAgent extends TypedEmitter<GuestAgentEvents> implements AgentLike {
  state: AgentState = {
    connected: true,
    ready: true,
    caps: [],
    clipboard: true,
    fileTransfer: true,
    lineEnding: 'lf',
  };
  readonly layouts: GuestMonitor[][] = [];
  readonly grabs: { selection: string; kinds: readonly string[]; fingerprint?: string }[] = [];
  readonly releases: string[] = [];
  readonly sent: FileSource[] = [];
  guestContent: ClipboardContent | null = { kind: 'text', text: 'guest text' };
  readonly clipboard = {
    hostGrab: (
      selection: 'clipboard' | 'primary',
      kinds: readonly ('text' | 'image')[],
      fingerprint?: string,
    ) => {
      this.grabs.push({ selection, kinds, ...(fingerprint !== undefined ? { fingerprint } : {}) });
      return true;
    },
    hostRelease: (selection: 'clipboard' | 'primary') => void this.releases.push(selection),
    readGuest: () => Promise.resolve(this.guestContent),
    guestOffers: () => [] as ('text' | 'image')[],
  };
  readonly pendingTransfers = [];
  setMonitors(monitors: readonly GuestMonitor[]): void {
    this.layouts.push([...monitors]);
  }
  sendFiles(sources: readonly FileSource[]): TransferBatch {
    this.sent.push(...sources);
    const done = Promise.resolve<TransferResult[]>([]);
    return { transfers: [], totalBytes: 0, sentBytes: () => 0, done, cancel() {} };
  }
}

class AgentSession extends FakeSession {
  readonly agent = new FakeAgent();
}

async function setup() {
  const relay = new ClipboardRelay();
  const sessions: AgentSession[] = [];
  const service = new SessionService({
    createSession: () => {
      const s = new AgentSession();
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'web',
    agent: { clipboardRelay: relay },
    streamOptions: { schedule: (cb) => (cb(), { cancel() {} }) },
  });
  const messages: PortMessage[][] = [[], []];
  const views = [0, 1].map((monitor) =>
    service.attachView(monitor, { send: (m) => messages[monitor]!.push(m) }),
  );
  views[0]!.request('connectUri', { uri: 'spice://127.0.0.1:5900' });
  await new Promise((r) => setImmediate(r));
  return { service, views, messages, relay, agent: sessions[0]!.agent };
}

const last = <K extends PortMessage['kind']>(messages: PortMessage[], kind: K) =>
  messages.filter((m): m is Extract<PortMessage, { kind: K }> => m.kind === kind).pop();

void test('layoutFor: displays side by side in window order, disabled slots kept below the top one', () => {
  const sizes = new Map([
    [0, { width: 800, height: 600, x: 1920, y: 0 }],
    [1, { width: 1024, height: 768, x: 0, y: 0 }],
    [2, { width: 640, height: 480, x: 3000, y: 0 }],
  ]);
  assert.deepEqual(layoutFor(sizes, new Set()), [
    { id: 0, enabled: true, width: 800, height: 600, x: 1024, y: 0 },
    { id: 1, enabled: true, width: 1024, height: 768, x: 0, y: 0 },
    { id: 2, enabled: true, width: 640, height: 480, x: 1824, y: 0 },
  ]);
  assert.deepEqual(layoutFor(sizes, new Set([1])), [
    { id: 0, enabled: true, width: 800, height: 600, x: 0, y: 0 },
    { id: 1, enabled: false, width: 0, height: 0, x: 0, y: 0 },
    { id: 2, enabled: true, width: 640, height: 480, x: 800, y: 0 },
  ]);
});

void test('auto-resize: view sizes become the guest layout; the toggle stops it; agent-state follows', async () => {
  const { views, messages, agent } = await setup();
  views[0]!.request('viewSize', { width: 1280, height: 720, x: 0, y: 0 });
  views[1]!.request('viewSize', { width: 1024, height: 768, x: 1400, y: 0 });
  assert.deepEqual(
    agent.layouts.at(-1)?.map((m) => [m.id, m.width, m.height, m.x]),
    [
      [0, 1280, 720, 0],
      [1, 1024, 768, 1280],
    ],
  );
  views[1]!.request('agentSettings', { autoResize: false });
  for (const m of messages) assert.equal(last(m, 'agent-state')?.settings.autoResize, false);
  const count = agent.layouts.length;
  views[0]!.request('viewSize', { width: 640, height: 480, x: 0, y: 0 });
  assert.equal(agent.layouts.length, count, 'no layout while auto-resize is off');
  views[0]!.request('agentSettings', { autoResize: true });
  assert.deepEqual(agent.layouts.at(-1)?.[0], { id: 0, enabled: true, width: 640, height: 480, x: 0, y: 0 });
  agent.state = { ...agent.state, ready: false };
  agent.emit('state', agent.state);
  assert.equal(last(messages[0]!, 'agent-state')?.connected, false);
});

void test('clipboard, host → guest: the page grabs, the guest pastes, the page answers in pieces', async () => {
  const { views, messages, relay, agent } = await setup();
  views[1]!.request('clipboardHostGrab', {
    selection: 'clipboard',
    formats: ['text'],
    fingerprint: 'text:1:ab',
  });
  assert.deepEqual(agent.grabs.at(-1), { selection: 'clipboard', kinds: ['text'], fingerprint: 'text:1:ab' });
  const paste = relay.readHost('clipboard', 'text');
  const ask = last(messages[1]!, 'clipboard-host-request');
  assert.ok(ask, 'the page that grabbed is asked');
  assert.equal(last(messages[0]!, 'clipboard-host-request'), undefined);
  const bytes = new TextEncoder().encode('héllo guest');
  views[1]!.request('clipboardHostData', {
    requestId: ask.requestId,
    totalBytes: bytes.length,
    offset: 0,
    data: bytes.subarray(0, 5),
  });
  views[1]!.request('clipboardHostData', {
    requestId: ask.requestId,
    totalBytes: bytes.length,
    offset: 5,
    data: bytes.subarray(5),
  });
  assert.deepEqual(await paste, { kind: 'text', text: 'héllo guest' });
  // Out-of-order pieces are refused (no data rather than wrong data).
  const second = relay.readHost('clipboard', 'text');
  const ask2 = last(messages[1]!, 'clipboard-host-request')!;
  views[1]!.request('clipboardHostData', {
    requestId: ask2.requestId,
    totalBytes: 10,
    offset: 5,
    data: new Uint8Array(5),
  });
  assert.equal(await second, null);
  // Sharing turned off: the guest is released and sees nothing.
  views[0]!.request('agentSettings', { clipboardToGuest: false });
  assert.deepEqual(agent.releases, ['clipboard', 'primary']);
  assert.equal(await relay.readHost('clipboard', 'text'), null);
  const grabs = agent.grabs.length;
  views[1]!.request('clipboardHostGrab', { selection: 'clipboard', formats: ['text'] });
  assert.equal(agent.grabs.length, grabs);
});

void test('clipboard, guest → host: offers reach every page, a fetch gets the data with its fingerprint', async () => {
  const { views, messages, relay } = await setup();
  relay.guestGrab('clipboard', ['text', 'image']);
  assert.deepEqual(last(messages[0]!, 'clipboard-offer')?.formats, ['text', 'image']);
  views[0]!.request('clipboardFetch', { requestId: 7, selection: 'clipboard', format: 'text' });
  await new Promise((r) => setImmediate(r));
  const data = last(messages[0]!, 'clipboard-data');
  assert.equal(data?.requestId, 7);
  assert.equal(new TextDecoder().decode(data?.data), 'guest text');
  assert.match(data?.fingerprint ?? '', /^text:/);
  views[0]!.request('agentSettings', { clipboardToHost: false });
  const offers = messages[0]!.filter((m) => m.kind === 'clipboard-offer').length;
  relay.guestGrab('clipboard', ['text']);
  assert.equal(messages[0]!.filter((m) => m.kind === 'clipboard-offer').length, offers);
  views[0]!.request('clipboardFetch', { requestId: 8, selection: 'clipboard', format: 'text' });
  await new Promise((r) => setImmediate(r));
  assert.equal(last(messages[0]!, 'clipboard-fetch-failed')?.requestId, 8);
});

void test("transfers: a page's file is read block by block through transfer-read", async () => {
  const { views, messages, agent } = await setup();
  views[0]!.request('transferFiles', { files: [{ fileId: 3, name: 'a.bin', sizeBytes: 10 }] });
  const source = agent.sent[0]!;
  assert.equal(source.name, 'a.bin');
  assert.equal(source.sizeBytes, 10);
  const into = new Uint8Array(8);
  const read = source.read(into, 4);
  const ask = last(messages[0]!, 'transfer-read')!;
  assert.deepEqual(
    { ...ask },
    { kind: 'transfer-read', fileId: 3, readId: ask.readId, position: 4, length: 6 },
  );
  views[1]!.request('transferData', { fileId: 3, readId: ask.readId, data: new Uint8Array([9, 9]) });
  views[0]!.request('transferData', {
    fileId: 3,
    readId: ask.readId,
    data: new Uint8Array([1, 2, 3, 4, 5, 6]),
  });
  assert.equal(await read, 6);
  assert.deepEqual([...into.subarray(0, 6)], [1, 2, 3, 4, 5, 6]);
  const failing = source.read(new Uint8Array(4), 0);
  const ask2 = last(messages[0]!, 'transfer-read')!;
  views[0]!.request('transferReadFailed', { fileId: 3, readId: ask2.readId, message: 'NotReadableError' });
  await assert.rejects(failing, /NotReadableError/);
});
