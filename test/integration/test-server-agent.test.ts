// The test server's vdagent end to end through libspice-server, driven by a bare main channel: capability
// announce, clipboard both ways with the selection and grab-serial extensions, monitors config (to the agent
// and to the QXL device), and file transfer with chunking, tokens, success, cancel and "disabled".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/test-server';
import * as E from '../../main/spice/protocol/enums';
import { RawChannel } from '../server/raw-channel';
import { RawMain } from '../server/raw-main';
import { writeSolidPng } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

// spice/vd_agent.h
const VD_AGENT_MONITORS_CONFIG = 2;
const VD_AGENT_REPLY = 3;
const VD_AGENT_CLIPBOARD = 4;
const VD_AGENT_ANNOUNCE_CAPABILITIES = 6;
const VD_AGENT_CLIPBOARD_GRAB = 7;
const VD_AGENT_CLIPBOARD_REQUEST = 8;
const VD_AGENT_CLIPBOARD_RELEASE = 9;
const VD_AGENT_FILE_XFER_START = 10;
const VD_AGENT_FILE_XFER_STATUS = 11;
const VD_AGENT_FILE_XFER_DATA = 12;
const CAP_MOUSE_STATE = 0;
const CAP_MONITORS_CONFIG = 1;
const CAP_REPLY = 2;
const CAP_CLIPBOARD_BY_DEMAND = 5;
const CAP_CLIPBOARD_SELECTION = 6;
const CAP_FILE_XFER_DETAILED_ERRORS = 14;
const CAP_CLIPBOARD_GRAB_SERIAL = 17;
const CLIPBOARD_UTF8_TEXT = 1;
const CLIPBOARD_IMAGE_PNG = 2;
const XFER_CAN_SEND_DATA = 0;
const XFER_CANCELLED = 1;
const XFER_ERROR = 2;
const XFER_SUCCESS = 3;
const XFER_DISABLED = 7;

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

function capsWord(...bits: number[]): number {
  return bits.reduce((w, b) => w | (1 << b), 0) >>> 0;
}

async function announce(main: RawMain, caps: number[]): Promise<number> {
  await main.sendAgent(VD_AGENT_ANNOUNCE_CAPABILITIES, u32s(1, capsWord(...caps)));
  const reply = await main.nextAgentOfType(VD_AGENT_ANNOUNCE_CAPABILITIES);
  assert.equal(reply.data.readUInt32LE(0), 0, 'the agent answers without asking back');
  return reply.data.readUInt32LE(4);
}

function monitorsConfig(monitors: { width: number; height: number; x: number; y: number }[]): Buffer {
  const b = Buffer.alloc(8 + monitors.length * 20);
  b.writeUInt32LE(monitors.length, 0);
  b.writeUInt32LE(1, 4); // USE_POS
  monitors.forEach((m, i) => {
    const o = 8 + i * 20;
    b.writeUInt32LE(m.height, o); // height comes first (G39)
    b.writeUInt32LE(m.width, o + 4);
    b.writeUInt32LE(32, o + 8);
    b.writeInt32LE(m.x, o + 12);
    b.writeInt32LE(m.y, o + 16);
  });
  return b;
}

function xferStart(id: number, name: string, size: number): Buffer {
  const text = `[vdagent-file-xfer]\nname=${name}\nsize=${size}\n`;
  return Buffer.concat([u32s(id), Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

function xferData(id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(id, 0);
  head.writeBigUInt64LE(BigInt(data.length), 4);
  return Buffer.concat([head, data]);
}

async function xferStatus(main: RawMain, id: number): Promise<number> {
  const m = await main.nextAgent(
    (a) => a.type === VD_AGENT_FILE_XFER_STATUS && a.data.readUInt32LE(0) === id,
  );
  return m.data.readUInt32LE(4);
}

void test('agent through libspice-server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-agent-raw-'));
  const xferDir = join(dir, 'incoming');
  mkdirSync(xferDir);
  const server = await startTestServer({ width: 64, height: 48, agent: true, xferDir });
  const main = await RawMain.open(server.port!);
  t.after(async () => {
    main.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(main.init.agentConnected, true);
  assert.ok(main.init.agentTokens > 0);
  main.startAgent();

  await t.test('capabilities are exchanged', async () => {
    const mark = server.eventCount;
    const guestCaps = await announce(main, [
      CAP_MOUSE_STATE,
      CAP_MONITORS_CONFIG,
      CAP_REPLY,
      CAP_CLIPBOARD_BY_DEMAND,
      CAP_CLIPBOARD_SELECTION,
      CAP_CLIPBOARD_GRAB_SERIAL,
    ]);
    for (const cap of [CAP_CLIPBOARD_BY_DEMAND, CAP_CLIPBOARD_SELECTION, CAP_CLIPBOARD_GRAB_SERIAL]) {
      assert.ok(guestCaps & (1 << cap), `guest announces cap ${cap}`);
    }
    const ev = await server.waitFor((e) => e.event === 'agent_caps', { after: mark });
    assert.equal(ev.request, true);
    assert.deepEqual(ev.caps, [0, 1, 2, 5, 6, 17]);
  });

  await t.test('client clipboard: grab, then the guest requests and receives the data', async () => {
    const mark = server.eventCount;
    // A serial the agent does not expect is stale (spice-vdagentd's rule): dropped, reported.
    await main.sendAgent(VD_AGENT_CLIPBOARD_GRAB, Buffer.concat([u32s(0, 5), u32s(CLIPBOARD_UTF8_TEXT)]));
    const stale = await server.waitFor((e) => e.event === 'clipboard_grab_stale', { after: mark });
    assert.deepEqual([stale.serial, stale.expected], [5, 0]);
    // selection prefix {u8 selection, 3 reserved} + serial + types; serials restart at 0 after our announce
    await main.sendAgent(VD_AGENT_CLIPBOARD_GRAB, Buffer.concat([u32s(0, 0), u32s(CLIPBOARD_UTF8_TEXT)]));
    const grab = await server.waitFor((e) => e.event === 'clipboard_grab', { after: mark });
    assert.equal(grab.selection, 0);
    assert.equal(grab.serial, 0);
    assert.deepEqual(grab.types, ['text']);
    await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
    const req = await main.nextAgentOfType(VD_AGENT_CLIPBOARD_REQUEST);
    assert.deepEqual([...req.data], [...u32s(0, CLIPBOARD_UTF8_TEXT)]);
    const text = 'client clipboard ✓';
    await main.sendAgent(
      VD_AGENT_CLIPBOARD,
      Buffer.concat([u32s(0, CLIPBOARD_UTF8_TEXT), Buffer.from(text)]),
    );
    const data = await server.waitFor((e) => e.event === 'clipboard', { after: mark });
    assert.equal(data.type, 'text');
    assert.equal(data.text, text);
    assert.equal(data.size, Buffer.byteLength(text));
    await main.sendAgent(VD_AGENT_CLIPBOARD_RELEASE, u32s(0));
    await server.waitFor((e) => e.event === 'clipboard_release', { after: mark });
  });

  await t.test('guest clipboard: grab with a serial, the client requests text and a PNG', async () => {
    const mark = server.eventCount;
    const text = 'guest says hi';
    const grabbed = await server.sendOk({ cmd: 'clipboard_grab', text });
    const grab = await main.nextAgentOfType(VD_AGENT_CLIPBOARD_GRAB);
    assert.equal(grab.data.readUInt8(0), 0, 'selection');
    assert.equal(grab.data.readUInt32LE(4), grabbed.serial, 'serial');
    assert.equal(grab.data.readUInt32LE(8), CLIPBOARD_UTF8_TEXT);
    await main.sendAgent(VD_AGENT_CLIPBOARD_REQUEST, u32s(0, CLIPBOARD_UTF8_TEXT));
    const clip = await main.nextAgentOfType(VD_AGENT_CLIPBOARD);
    assert.equal(clip.data.readUInt32LE(4), CLIPBOARD_UTF8_TEXT);
    assert.equal(clip.data.subarray(8).toString('utf8'), text);
    const req = await server.waitFor((e) => e.event === 'clipboard_request', { after: mark });
    assert.equal(req.answered, true);

    // a PNG on the PRIMARY selection, larger than one chunk
    const png = join(dir, 'clip.png');
    await writeSolidPng(png, 300, 200, [10, 200, 30]);
    const bytes = readFileSync(png);
    await server.sendOk({ cmd: 'clipboard_grab', png, selection: 1 });
    const grab2 = await main.nextAgentOfType(VD_AGENT_CLIPBOARD_GRAB);
    assert.equal(grab2.data.readUInt8(0), 1);
    assert.equal(grab2.data.readUInt32LE(8), CLIPBOARD_IMAGE_PNG);
    await main.sendAgent(VD_AGENT_CLIPBOARD_REQUEST, u32s(1, CLIPBOARD_IMAGE_PNG));
    const clip2 = await main.nextAgentOfType(VD_AGENT_CLIPBOARD);
    assert.equal(clip2.data.readUInt8(0), 1);
    assert.ok(clip2.data.subarray(8).equals(bytes), 'PNG bytes intact');
    // a type the guest does not hold is answered with NONE
    await main.sendAgent(VD_AGENT_CLIPBOARD_REQUEST, u32s(1, CLIPBOARD_UTF8_TEXT));
    const none = await main.nextAgentOfType(VD_AGENT_CLIPBOARD);
    assert.equal(none.data.readUInt32LE(4), 0);
    await server.sendOk({ cmd: 'clipboard_release', selection: 1 });
    const release = await main.nextAgentOfType(VD_AGENT_CLIPBOARD_RELEASE);
    assert.equal(release.data.readUInt8(0), 1);
  });

  await t.test('monitors config goes to the agent, which replies', async () => {
    const mark = server.eventCount;
    const layout = [
      { width: 1024, height: 768, x: 0, y: 0 },
      { width: 800, height: 600, x: 1024, y: 0 },
    ];
    await main.sendAgent(VD_AGENT_MONITORS_CONFIG, monitorsConfig(layout));
    const ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
    assert.equal(ev.via, 'agent');
    assert.equal(ev.flags, 1);
    assert.deepEqual(ev.monitors, [
      { width: 1024, height: 768, depth: 32, x: 0, y: 0 },
      { width: 800, height: 600, depth: 32, x: 1024, y: 0 },
    ]);
    const reply = await main.nextAgentOfType(VD_AGENT_REPLY);
    assert.deepEqual([...reply.data], [...u32s(VD_AGENT_MONITORS_CONFIG, 1)]);
  });

  await t.test('client mouse mode goes through the agent, with the display id', async () => {
    const inputs = await RawChannel.open({
      port: server.port!,
      channelType: E.SPICE_CHANNEL_INPUTS,
      connectionId: main.init.sessionId,
    });
    try {
      await inputs.nextOfType(E.SPICE_MSG_INPUTS_INIT);
      const request = Buffer.alloc(2);
      request.writeUInt16LE(E.SPICE_MOUSE_MODE_CLIENT, 0);
      main.channel.send(E.SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, request);
      await main.channel.next(
        (m) => m.type === E.SPICE_MSG_MAIN_MOUSE_MODE && m.body.readUInt16LE(2) === E.SPICE_MOUSE_MODE_CLIENT,
      );
      const mark = server.eventCount;
      const position = Buffer.alloc(11);
      position.writeUInt32LE(300, 0);
      position.writeUInt32LE(200, 4);
      position.writeUInt16LE(E.SPICE_MOUSE_BUTTON_MASK_LEFT, 8);
      position.writeUInt8(1, 10);
      inputs.send(E.SPICE_MSGC_INPUTS_MOUSE_POSITION, position);
      const ev = await server.waitFor((e) => e.event === 'agent_mouse', { after: mark });
      assert.equal(ev.x, 300);
      assert.equal(ev.y, 200);
      assert.equal(ev.display_id, 1);
      assert.notEqual(ev.buttons, 0);
    } finally {
      inputs.close();
    }
  });

  await t.test('file transfer: 150 KB in 64 KiB messages arrives intact', async () => {
    const mark = server.eventCount;
    const content = Buffer.alloc(150_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31 + (i >> 8)) & 0xff;
    await main.sendAgent(VD_AGENT_FILE_XFER_START, xferStart(7, 'dir/../report.bin', content.length));
    assert.equal(await xferStatus(main, 7), XFER_CAN_SEND_DATA);
    for (let offset = 0; offset < content.length; offset += 65536) {
      await main.sendAgent(VD_AGENT_FILE_XFER_DATA, xferData(7, content.subarray(offset, offset + 65536)));
    }
    assert.equal(await xferStatus(main, 7), XFER_SUCCESS);
    const done = await server.waitFor((e) => e.event === 'file_xfer_done', { after: mark });
    assert.equal(done.status, 'success');
    assert.equal(done.name, 'report.bin', 'only the basename is used');
    assert.equal(done.path, join(xferDir, 'report.bin'));
    assert.ok(readFileSync(join(xferDir, 'report.bin')).equals(content));
  });

  await t.test('file transfer: a second file of the same name is renamed; a cancel removes it', async () => {
    const mark = server.eventCount;
    await main.sendAgent(VD_AGENT_FILE_XFER_START, xferStart(8, 'report.bin', 5000));
    assert.equal(await xferStatus(main, 8), XFER_CAN_SEND_DATA);
    await main.sendAgent(VD_AGENT_FILE_XFER_DATA, xferData(8, Buffer.alloc(1000, 1)));
    await main.sendAgent(VD_AGENT_FILE_XFER_STATUS, u32s(8, XFER_CANCELLED));
    const done = await server.waitFor((e) => e.event === 'file_xfer_done', { after: mark });
    assert.equal(done.status, 'cancelled');
    assert.equal(
      done.path,
      join(xferDir, 'report (1).bin'),
      'renamed before the extension, as spice-vdagent does',
    );
    assert.equal(existsSync(join(xferDir, 'report (1).bin')), false);
    assert.deepEqual(readdirSync(xferDir), ['report.bin']);
  });
});

void test('without --xfer-dir transfers are disabled; --client-monitors-config qxl keeps configs from the agent', async (t) => {
  const server = await startTestServer({ width: 64, height: 48, agent: true, clientMonitorsConfig: 'qxl' });
  const main = await RawMain.open(server.port!);
  t.after(async () => {
    main.close();
    await server.stop();
  });
  main.startAgent();
  // Without FILE_XFER_DETAILED_ERRORS the agent says only ERROR (spice-vdagentd downgrades newer statuses).
  await announce(main, [CAP_MONITORS_CONFIG, CAP_REPLY]);
  await main.sendAgent(VD_AGENT_FILE_XFER_START, xferStart(1, 'a.txt', 3));
  assert.equal(await xferStatus(main, 1), XFER_ERROR);
  await announce(main, [CAP_MONITORS_CONFIG, CAP_REPLY, CAP_FILE_XFER_DETAILED_ERRORS]);
  await main.sendAgent(VD_AGENT_FILE_XFER_START, xferStart(2, 'a.txt', 3));
  assert.equal(await xferStatus(main, 2), XFER_DISABLED);
  const done = await server.waitFor((e) => e.event === 'file_xfer_done');
  assert.equal(done.status, 'disabled');

  const mark = server.eventCount;
  await main.sendAgent(VD_AGENT_MONITORS_CONFIG, monitorsConfig([{ width: 640, height: 480, x: 0, y: 0 }]));
  const ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
  assert.equal(ev.via, 'qxl');
  assert.deepEqual(ev.monitors, [{ width: 640, height: 480, depth: 32, x: 0, y: 0 }]);
});
