// The video bridge and the forward backend through the session service, with a scripted session: the views'
// decoder reports make the backend's codec list (what every view decodes) and end its wait before the link; stream
// events reach the views that show the stream, in monitor coordinates, frames as copies of the server's bytes; a
// view's failure report reaches the stream table once and shows one notice; streams end with the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SessionService } from '../../../main/session/session-service';
import { memoryRecentStore } from '../../../main/session/bridges/recent-store';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { silentLogger } from '../../../main/spice/logger';
import { createForwardVideo } from '../../../main/spice/video/forward-backend';
import type { VideoStream, VideoTarget } from '../../../main/spice/video/video-decoder';
import { FakeSession } from './fake-session';

const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  const forward = createForwardVideo({ waitForViewsMs: 50 });
  const sessions: FakeSession[] = [];
  const host = new SessionService({
    createSession: () => {
      const s = new FakeSession();
      sessions.push(s);
      return s;
    },
    parseUri: parseSpiceUri,
    parseVv: (text) => parseVvFile(text),
    logger: silentLogger,
    shell: 'web',
    recent: memoryRecentStore(),
    streamOptions: { schedule: (cb) => (cb(), { cancel() {} }) },
    forwardVideo: forward,
  });
  return { host, forward, sessions };
}

void test('codecs: what every reporting view decodes; ready() waits for the first report or the timeout', async () => {
  const { host, forward } = setup();
  const started = Date.now();
  await forward.backend.ready!();
  assert.ok(Date.now() - started >= 40, 'waited for a view');
  assert.deepEqual(forward.backend.codecs, []);
  const a = host.attachView(0, { send: () => {} });
  const b = host.attachView(0, { send: () => {} });
  const waiting = forward.backend.ready!();
  a.request('videoDecoders', { codecs: [2, 3, 4] });
  await waiting;
  assert.deepEqual(forward.backend.codecs, [2, 3, 4]);
  b.request('videoDecoders', { codecs: [3, 2] });
  assert.deepEqual(forward.backend.codecs, [2, 3]);
  b.detach();
  assert.deepEqual(forward.backend.codecs, [2, 3, 4]);
});

void test('streams reach the views that show them; feedback reaches the stream table; one notice', async () => {
  const { host, forward, sessions } = setup();
  const left: ViewMessage[] = [];
  const right: ViewMessage[] = [];
  const viewLeft = host.attachView(0, { send: (m) => left.push(m) });
  host.attachView(1, { send: (m) => right.push(m) });
  viewLeft.request('connectUri', { uri: 'spice://h:1' });
  await tick();
  const s = sessions[0]!;
  s.addPrimary(0, 0, 200, 100, () => [0, 0, 0]);
  s.setMonitorsConfig(0, [
    { id: 0, surfaceId: 0, x: 0, y: 0, width: 100, height: 100 },
    { id: 1, surfaceId: 0, x: 100, y: 0, width: 100, height: 100 },
  ]);
  // The display channel side: a stream on the right monitor, played by the forward backend.
  const failed: string[] = [];
  const drops: number[] = [];
  const target: VideoTarget = {
    drawFrame: () => assert.fail('nothing is drawn in the core'),
    reserveFrame: () => assert.fail('the forward backend reserves no decoded frame'),
    emit: (name, payload) => s.emit(name, payload),
    fail: (_stream, reason) => failed.push(reason),
    drops: (_stream, count) => drops.push(count),
  };
  const stream: VideoStream = {
    channelId: 0,
    id: 4,
    surfaceId: 0,
    codec: 2,
    topDown: false,
    width: 40,
    height: 30,
    dest: { left: 120, top: 10, right: 160, bottom: 40 },
    clip: { type: 0, rects: [] },
  };
  const decoder = forward.backend.create(stream, target);
  const bytes = Uint8Array.of(1, 2, 3, 4);
  await decoder.frame({ data: bytes, dest: stream.dest, width: 40, height: 30, mmTimeMs: 5, marginMs: 80 });
  assert.equal(left.filter((m) => m.kind.startsWith('video')).length, 0, 'the left monitor does not show it');
  const announced = right.find((m) => m.kind === 'video-stream');
  assert.deepEqual(announced, {
    kind: 'video-stream',
    channelId: 0,
    streamId: 4,
    codec: 2,
    topDown: false,
    rect: { left: 20, top: 10, right: 60, bottom: 40 },
    clip: null,
  });
  const frame = right.find((m) => m.kind === 'video-frame');
  assert.ok(frame && frame.kind === 'video-frame');
  assert.deepEqual([...frame.data], [1, 2, 3, 4]);
  assert.notEqual(frame.data.buffer, bytes.buffer, 'a copy: the message buffer is reused');
  assert.equal(frame.delayMs, 80);
  // a clip change is announced again, in monitor coordinates
  stream.clip = { type: 1, rects: [{ left: 120, top: 10, right: 130, bottom: 20 }] };
  decoder.clipChanged!();
  const clipped = right.filter((m) => m.kind === 'video-stream').pop();
  assert.deepEqual(clipped?.kind === 'video-stream' && clipped.clip, [
    { left: 20, top: 10, right: 30, bottom: 20 },
  ]);
  // feedback: only from a view that shows the stream
  viewLeft.request('videoFeedback', { channelId: 0, streamId: 4, drops: 3, error: 'x' });
  assert.deepEqual(failed, []);
  // a view attached later gets the running stream, and its report counts
  right.length = 0;
  host.attachView(1, { send: (m) => right.push(m) }).request('videoFeedback', {
    channelId: 0,
    streamId: 4,
    drops: 2,
    error: 'decoder error: bad profile',
  });
  assert.ok(right.some((m) => m.kind === 'video-stream'));
  assert.deepEqual(drops, [2]);
  assert.deepEqual(failed, ['decoder error: bad profile']);
  assert.equal(right.filter((m) => m.kind === 'notice').length, 1);
  // the stream ends: its views are told
  decoder.destroy();
  assert.ok(right.some((m) => m.kind === 'video-stream-end'));
});
