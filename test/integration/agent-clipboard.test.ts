// The clipboard both ways between a real SpiceSession and the test server's vdagent through libspice-server: text
// (UTF-8, CRLF for a Windows agent), multi-chunk PNG, PRIMARY, guest BMP/JPEG/TIFF converted to PNG, grab loops,
// the size cap both ways (with and without the agent honouring MAX_CLIPBOARD), and token exhaustion while the
// agent takes no data.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { clipboardFingerprint } from '../../main/spice/agent/clipboard-content';
import * as V from '../../main/spice/agent/vd-agent';
import { RecordingClipboard, agentState, startAgentSession } from '../support/agent-session';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A noisy picture (compresses badly, so its PNG spans many 2 KB chunks). */
async function noisyImage(width: number, height: number): Promise<{ raw: Buffer; png: Buffer }> {
  const raw = Buffer.alloc(width * height * 4);
  let s = 12345;
  for (let i = 0; i < raw.length; i += 4) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    raw.set([s >>> 24, (s >>> 16) & 255, (s >>> 8) & 255, 255], i);
  }
  return {
    raw,
    png: await sharp(raw, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer(),
  };
}

async function rgbaOf(png: Uint8Array): Promise<Buffer> {
  return sharp(png).ensureAlpha().raw().toBuffer();
}

void test('clipboard through libspice-server', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-agent-clip-'));
  const clipboard = new RecordingClipboard();
  const s = await startAgentSession({ agent: true }, { clipboard });
  const { server, session } = s;
  const agent = session.agent;
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await t.test('our capabilities and the size cap reach the agent', async () => {
    const caps = await server.waitFor((e) => e.event === 'agent_caps' && e.request === true);
    for (const c of [
      V.VD_AGENT_CAP_CLIPBOARD_BY_DEMAND,
      V.VD_AGENT_CAP_CLIPBOARD_SELECTION,
      V.VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL,
      V.VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB,
      V.VD_AGENT_CAP_MAX_CLIPBOARD,
      V.VD_AGENT_CAP_SPARSE_MONITORS_CONFIG,
      V.VD_AGENT_CAP_MONITORS_CONFIG_POSITION,
      V.VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS,
    ]) {
      assert.ok((caps.caps as number[]).includes(c), `announces ${V.VD_AGENT_CAP_NAMES[c]}`);
    }
    const max = await server.waitFor((e) => e.event === 'max_clipboard');
    assert.equal(max.max, 100 * 1024 * 1024);
  });

  await t.test('guest → host: UTF-8 text on CLIPBOARD, announced to the shell, read on demand', async () => {
    const mark = clipboard.events.length;
    const text = 'Grüße aus dem Gast ✓ 😀\nzweite Zeile';
    await server.sendOk({ cmd: 'clipboard_grab', text });
    await clipboard.next((e) => e === 'grab clipboard text', mark);
    assert.deepEqual(agent.clipboard.guestOffers('clipboard'), ['text']);
    assert.deepEqual(await agent.clipboard.readGuest('clipboard', 'text'), { kind: 'text', text });
    assert.equal(await agent.clipboard.readGuest('clipboard', 'image'), null, 'no image offered');
  });

  await t.test('guest → host: a multi-chunk PNG on PRIMARY arrives intact', async () => {
    const mark = clipboard.events.length;
    const { png } = await noisyImage(120, 90);
    assert.ok(png.length > 10 * 2048, `${png.length} bytes span many chunks`);
    const file = join(dir, 'noise.png');
    writeFileSync(file, png);
    await server.sendOk({ cmd: 'clipboard_grab', png: file, selection: 1 });
    await clipboard.next((e) => e === 'grab primary image', mark);
    const got = await agent.clipboard.readGuest('primary', 'image');
    assert.equal(got?.kind, 'image');
    assert.equal(sha256((got as { png: Uint8Array }).png), sha256(png));
    await server.sendOk({ cmd: 'clipboard_release', selection: 1 });
    await clipboard.next((e) => e === 'release primary', mark);
  });

  await t.test('guest → host: BMP, JPEG and TIFF become PNG', async () => {
    const { raw } = await noisyImage(40, 30);
    const input = sharp(raw, { raw: { width: 40, height: 30, channels: 4 } });
    const tiff = await input.clone().tiff({ compression: 'lzw' }).toBuffer();
    const jpeg = await input.clone().jpeg({ quality: 90 }).toBuffer();
    // BMP: 32-bit BGRX bottom-up with the file header
    const bmp = Buffer.alloc(54 + 40 * 30 * 4);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(40, 18);
    bmp.writeInt32LE(30, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(32, 28);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const src = (y * 40 + x) * 4;
        const dst = 54 + ((29 - y) * 40 + x) * 4;
        bmp.set([raw[src + 2]!, raw[src + 1]!, raw[src]!, 0], dst);
      }
    }
    for (const [type, bytes, exact] of [
      ['bmp', bmp, true],
      ['tiff', tiff, true],
      ['jpg', jpeg, false],
    ] as const) {
      const file = join(dir, `clip.${type}`);
      writeFileSync(file, bytes);
      const mark = clipboard.events.length;
      await server.sendOk({ cmd: 'clipboard_grab', file, type });
      await clipboard.next((e) => e === 'grab clipboard image', mark);
      const got = await agent.clipboard.readGuest('clipboard', 'image');
      assert.equal(got?.kind, 'image', type);
      const png = (got as { png: Uint8Array }).png;
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${type} came out as PNG`);
      const pixels = await rgbaOf(png);
      if (exact) assert.ok(pixels.equals(raw), `${type}: same pixels`);
      else assert.equal(pixels.length, raw.length, `${type}: same size`);
    }
  });

  await t.test('host → guest: text and a multi-chunk PNG, on CLIPBOARD and PRIMARY', async () => {
    clipboard.host.clipboard = { kind: 'text', text: 'from the host ✓\nline 2' };
    const mark = server.eventCount;
    assert.ok(agent.clipboard.hostGrab('clipboard', ['text']));
    const grab = await server.waitFor((e) => e.event === 'clipboard_grab', { after: mark });
    assert.deepEqual([grab.selection, grab.types], [0, ['text']]);
    await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
    const data = await server.waitFor((e) => e.event === 'clipboard', { after: mark });
    assert.equal(data.text, 'from the host ✓\nline 2', 'LF for a Linux agent');

    const { png } = await noisyImage(100, 100);
    clipboard.host.primary = { kind: 'image', png };
    const mark2 = server.eventCount;
    agent.clipboard.hostGrab('primary', ['image']);
    await server.waitFor((e) => e.event === 'clipboard_grab' && e.selection === 1, { after: mark2 });
    await server.sendOk({ cmd: 'clipboard_request', type: 'png', selection: 1 });
    const img = await server.waitFor((e) => e.event === 'clipboard' && e.selection === 1, { after: mark2 });
    assert.equal(img.size, png.length);
    assert.equal(img.sha256, sha256(png));
    agent.clipboard.hostRelease('primary');
    await server.waitFor((e) => e.event === 'clipboard_release' && e.selection === 1, { after: mark2 });
  });

  await t.test('grab loop: the guest data the shell writes to the host is not grabbed back', async () => {
    const mark = clipboard.events.length;
    await server.sendOk({ cmd: 'clipboard_grab', text: 'loop me' });
    await clipboard.next((e) => e === 'grab clipboard text', mark);
    const content = await agent.clipboard.readGuest('clipboard', 'text');
    // The shell writes it to the OS clipboard, sees the change, and reports it with the fingerprint.
    const serverMark = server.eventCount;
    assert.equal(agent.clipboard.hostGrab('clipboard', ['text'], clipboardFingerprint(content!)), false);
    // A real host copy afterwards is the next grab the agent sees (so the echo never went out).
    assert.equal(
      agent.clipboard.hostGrab('clipboard', ['image'], clipboardFingerprint({ kind: 'text', text: 'new' })),
      true,
    );
    const next = await server.waitFor(
      (e) => e.event === 'clipboard_grab' || e.event === 'clipboard_grab_stale',
      {
        after: serverMark,
      },
    );
    assert.deepEqual([next.event, next.types], ['clipboard_grab', ['png']]);
  });

  await t.test('a Windows agent (GUEST_LINEEND_CRLF) gets CRLF and gives LF', async () => {
    const linux = (await server.sendOk({ cmd: 'agent_announce' })).caps as number[];
    const windows = [
      ...linux.filter((c) => c !== V.VD_AGENT_CAP_GUEST_LINEEND_LF),
      V.VD_AGENT_CAP_GUEST_LINEEND_CRLF,
    ];
    await server.sendOk({ cmd: 'agent_announce', caps: windows });
    await agentState(session, (st) => st.lineEnding === 'crlf');
    clipboard.host.clipboard = { kind: 'text', text: 'a\nb\n' };
    const mark = server.eventCount;
    agent.clipboard.hostGrab('clipboard', ['text']);
    await server.waitFor((e) => e.event === 'clipboard_grab', { after: mark });
    await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
    assert.equal((await server.waitFor((e) => e.event === 'clipboard', { after: mark })).text, 'a\r\nb\r\n');
    const cmark = clipboard.events.length;
    await server.sendOk({ cmd: 'clipboard_grab', text: 'x\r\ny\r\n' });
    await clipboard.next((e) => e === 'grab clipboard text', cmark);
    assert.deepEqual(await agent.clipboard.readGuest('clipboard', 'text'), { kind: 'text', text: 'x\ny\n' });
    await server.sendOk({ cmd: 'agent_announce', caps: linux });
    await agentState(session, (st) => st.lineEnding === 'lf');
  });

  await t.test(
    'token exhaustion: with the agent taking nothing, only the granted chunks go out; all of it later',
    async () => {
      const text = 'z'.repeat(300_000);
      clipboard.host.clipboard = { kind: 'text', text };
      const mark = server.eventCount;
      agent.clipboard.hostGrab('clipboard', ['text']);
      await server.waitFor((e) => e.event === 'clipboard_grab', { after: mark });
      await server.sendOk({ cmd: 'agent_stall', stalled: true });
      const before = agent.transport.chunksSent;
      await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
      // Wait until the answer is queued and sending has stopped for lack of tokens.
      for (let i = 0; i < 100 && agent.transport.pendingBytes === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      const stuck = agent.transport.chunksSent - before;
      assert.equal(agent.transport.tokens, 0, 'every token spent');
      assert.ok(stuck < Math.ceil(300_000 / 2048), `only ${stuck} chunks went out`);
      assert.ok(agent.transport.pendingBytes > 100_000, 'the rest waits in the outbox');
      await server.sendOk({ cmd: 'agent_stall', stalled: false });
      const data = await server.waitFor((e) => e.event === 'clipboard', { after: mark, timeoutMs: 20_000 });
      assert.equal(data.size, text.length);
      assert.equal(data.sha256, sha256(text));
      assert.equal(agent.transport.pendingMessages, 0);
    },
  );
});

void test('clipboard size cap with a 64 KB limit', { timeout: 60_000 }, async (t) => {
  const clipboard = new RecordingClipboard();
  const notices: string[] = [];
  const s = await startAgentSession({ agent: true }, { clipboard, maxClipboardBytes: 64 * 1024 });
  const { server, session } = s;
  session.agent.on('notice', (n) => notices.push(`${n.code}: ${n.message}`));
  t.after(() => s.close());
  const big = 'q'.repeat(200_000);

  await t.test(
    'an agent that honours MAX_CLIPBOARD withholds the data: a clear notice, a too-large error',
    async () => {
      assert.equal((await server.waitFor((e) => e.event === 'max_clipboard')).max, 64 * 1024);
      const mark = clipboard.events.length;
      await server.sendOk({ cmd: 'clipboard_grab', text: big });
      await clipboard.next((e) => e === 'grab clipboard text', mark);
      await assert.rejects(
        session.agent.clipboard.readGuest('clipboard', 'text'),
        /larger than the 64 KB limit/,
      );
      assert.match(notices.at(-1)!, /clipboard-too-large/);
    },
  );

  await t.test(
    'an agent that sends it anyway: skipped by its declared size, and the next paste works',
    async () => {
      const linux = (await server.sendOk({ cmd: 'agent_announce' })).caps as number[];
      await server.sendOk({
        cmd: 'agent_announce',
        caps: linux.filter((c) => c !== V.VD_AGENT_CAP_MAX_CLIPBOARD),
      });
      await agentState(session, (st) => !st.caps.includes('MAX_CLIPBOARD'));
      // That agent still knows our earlier MAX_CLIPBOARD; a new client announce resets it on its side.
      await server.sendOk({ cmd: 'agent_disconnect' });
      await server.sendOk({ cmd: 'agent_connect' });
      await agentState(session, (st) => st.ready);
      await server.sendOk({
        cmd: 'agent_announce',
        caps: linux.filter((c) => c !== V.VD_AGENT_CAP_MAX_CLIPBOARD),
      });
      await agentState(session, (st) => st.ready && !st.caps.includes('MAX_CLIPBOARD'));
      const mark = clipboard.events.length;
      await server.sendOk({ cmd: 'clipboard_grab', text: big });
      await clipboard.next((e) => e === 'grab clipboard text', mark);
      await assert.rejects(
        session.agent.clipboard.readGuest('clipboard', 'text'),
        (e: Error & { code?: string }) => {
          return e.code === 'too-large' && /\(196 KB\) is larger than the 64 KB limit/.test(e.message);
        },
      );
      const mark2 = clipboard.events.length;
      await server.sendOk({ cmd: 'clipboard_grab', text: 'small again' });
      await clipboard.next((e) => e === 'grab clipboard text', mark2);
      assert.deepEqual(await session.agent.clipboard.readGuest('clipboard', 'text'), {
        kind: 'text',
        text: 'small again',
      });
    },
  );

  await t.test('host → guest over the cap: the guest gets nothing, the user a notice', async () => {
    clipboard.host.clipboard = { kind: 'text', text: big };
    const mark = server.eventCount;
    session.agent.clipboard.hostGrab('clipboard', ['text']);
    await server.waitFor((e) => e.event === 'clipboard_grab', { after: mark });
    await server.sendOk({ cmd: 'clipboard_request', type: 'text' });
    const data = await server.waitFor((e) => e.event === 'clipboard', { after: mark });
    assert.deepEqual([data.type, data.size], ['none', 0]);
    assert.match(notices.at(-1)!, /host clipboard .* larger than the 64 KB limit/);
  });
});
