// The test server's guest-side devices: the vdagent talks to a real client (spicy-screenshot's main
// channel announces its capabilities), and the agent, usbredir and port commands validate their input.
// Clipboard, file transfer, USB transfers and port echo need a client with those channels; their
// client-side tests come with the client features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import { spicyScreenshot, writeSolidPng } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server', 'spicy']);

const VD_AGENT_CAP_CLIPBOARD_BY_DEMAND = 5;
const VD_AGENT_CAP_CLIPBOARD_SELECTION = 6;

void test('agent: a real client exchanges capabilities with the guest agent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-agent-'));
  const server = await startTestServer({ agent: true, xferDir: dir, width: 64, height: 48 });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const mark = server.eventCount;
  const shot = await spicyScreenshot(join(dir, 'shot.ppm'), { port: server.port! });
  assert.ok(shot.ok, shot.stderr);
  const caps = await server.waitFor((e) => e.event === 'agent_caps', { after: mark });
  assert.equal(caps.request, true);
  const list = caps.caps as number[];
  assert.ok(list.includes(VD_AGENT_CAP_CLIPBOARD_BY_DEMAND));
  assert.ok(list.includes(VD_AGENT_CAP_CLIPBOARD_SELECTION));
  // spice-server tells the agent which display channel drives which monitor, and the client's clipboard limit
  const info = await server.waitFor((e) => e.event === 'graphics_device_info', { after: mark });
  assert.ok(Number(info.count) >= 1);
  await server.waitFor((e) => e.event === 'max_clipboard', { after: mark });
  await server.waitFor((e) => e.event === 'agent_client_disconnected', { after: mark });
  // no agent error was reported while parsing the stream
  assert.equal(
    server.events.some((e) => e.event === 'agent_error'),
    false,
  );
});

void test('agent commands validate and follow the agent being plugged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-agent2-'));
  const server = await startTestServer({ width: 32, height: 32 });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const unplugged = await server.send({ cmd: 'clipboard_grab', text: 'x' });
  assert.equal(unplugged.ok, false);
  assert.match(unplugged.error ?? '', /not connected/);
  await server.sendOk({ cmd: 'agent_connect' });
  assert.equal((await server.send({ cmd: 'agent_connect' })).ok, false);
  assert.equal((await server.send({ cmd: 'clipboard_grab' })).ok, false);
  assert.equal((await server.send({ cmd: 'clipboard_grab', text: 'a', png: 'b' })).ok, false);
  const grab = await server.sendOk({ cmd: 'clipboard_grab', text: 'héllo' });
  assert.equal(grab.size, 6);
  const png = join(dir, 'clip.png');
  await writeSolidPng(png, 4, 4, [1, 2, 3]);
  await server.sendOk({ cmd: 'clipboard_grab', png, selection: 1 });
  assert.equal((await server.send({ cmd: 'clipboard_grab', text: 'x', selection: 3 })).ok, false);
  await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
  await server.sendOk({ cmd: 'clipboard_request', type: 2, selection: 1 });
  assert.equal((await server.send({ cmd: 'clipboard_request', type: 'gif' as never })).ok, false);
  await server.sendOk({ cmd: 'clipboard_release' });
  const announce = await server.sendOk({ cmd: 'agent_announce', request: true, caps: [0, 1, 5] });
  assert.deepEqual(announce.caps, [0, 1, 5]);
  assert.equal((await server.send({ cmd: 'agent_announce', caps: [99] })).ok, false);
  await server.sendOk({ cmd: 'agent_disconnect' });
  assert.equal((await server.send({ cmd: 'agent_disconnect' })).ok, false);
});

void test('usbredir and port commands need their devices and a client', async (t) => {
  const plain = await startTestServer({ width: 32, height: 32 });
  t.after(() => plain.stop());
  const noDevice = await plain.send({
    cmd: 'usb_control',
    request: 6,
    requesttype: 0x80,
    value: 0x100,
    length: 18,
  });
  assert.equal(noDevice.ok, false);
  assert.match(noDevice.error ?? '', /--usbredir/);

  const server = await startTestServer({
    width: 32,
    height: 32,
    usbredir: true,
    portChannel: 'org.test.echo',
  });
  t.after(() => server.stop());
  const noClient = await server.send({ cmd: 'usb_bulk', endpoint: 0x81, length: 64 });
  assert.equal(noClient.ok, false);
  assert.match(noClient.error ?? '', /no client/);
  assert.equal((await server.send({ cmd: 'usb_reset' })).ok, false);

  const sent = await server.sendOk({ cmd: 'port_send', text: 'ping' });
  assert.equal(sent.size, 4);
  const hex = await server.sendOk({ cmd: 'port_send', hex: '00ff10' });
  assert.equal(hex.size, 3);
  assert.equal((await server.send({ cmd: 'port_send', hex: 'abc' })).ok, false);
  assert.equal((await server.send({ cmd: 'port_send' })).ok, false);
  await server.sendOk({ cmd: 'port_event', event: 'break' });
  assert.equal((await server.send({ cmd: 'port_event', event: 'nope' as never })).ok, false);
});
