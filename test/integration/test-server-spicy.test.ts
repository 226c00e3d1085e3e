// The test server with spice-gtk's full client (spicy under Xvfb): every channel links, the spiceport echoes
// both ways, playback frames reach the client, and the client's record stream arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server';
import { startSpicyGui } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy', 'xvfb']);

void test('spicy: channels, port echo, playback and record', async (t) => {
  const server = await startTestServer({ width: 320, height: 200, portChannel: 'org.spice.spicy' });
  const spicy = startSpicyGui(server.port!);
  t.after(async () => {
    await spicy.stop();
    await server.stop();
  });
  // spicy links its channels one after another: wait for the last ones we need
  for (const channel of ['main', 'display', 'inputs', 'cursor', 'playback', 'record', 'port']) {
    await server.waitFor((e) => e.event === 'channel' && e.state === 'initialized' && e.channel === channel, {
      timeoutMs: 20000,
    });
  }
  await server.waitFor((e) => e.event === 'port_state' && e.connected === true, { timeoutMs: 10000 });

  await t.test('port: client bytes reach the guest and are echoed back', async () => {
    const mark = server.eventCount;
    spicy.write('ping-from-client\n');
    const data = await server.waitFor((e) => e.event === 'port_data', { after: mark });
    assert.equal(data.text, 'ping-from-client\n');
    assert.equal(data.name, 'org.spice.spicy');
    await spicy.waitForStdout('ping-from-client\n');
    await server.sendOk({ cmd: 'port_send', text: 'from-guest\n' });
    await spicy.waitForStdout('from-guest\n');
  });

  await t.test('playback: every frame of the sine goes to the client', async () => {
    const mark = server.eventCount;
    const reply = await server.sendOk({ cmd: 'play_sine', freq: 440, ms: 300 });
    assert.equal(reply.frames, 14400);
    const done = await server.waitFor((e) => e.event === 'playback_done', { after: mark });
    assert.equal(done.reason, 'complete');
    assert.equal(done.frames_sent, 14400);
    assert.equal(done.frames_dropped, 0);
  });

  await t.test('record: the client streams samples at 48 kHz', async () => {
    const mark = server.eventCount;
    await server.sendOk({ cmd: 'record_start' });
    const progress = await server.waitFor((e) => e.event === 'record_progress', {
      after: mark,
      timeoutMs: 10000,
    });
    assert.ok(Number(progress.frames) > 0);
    const stats = await server.sendOk({ cmd: 'record_stop' });
    assert.equal(stats.format, 's16');
    assert.equal(stats.rate, 48000);
    assert.ok(Number(stats.frames) >= Number(progress.frames));
    assert.equal(typeof stats.rms, 'number');
  });
});
