// The virtual CD-ROM and disk end to end through the usbredir host engine: descriptors, Bulk-Only Transport,
// SCSI MMC/SBC commands with their sense data, cancel, reset recovery, disconnect with ack, the guest's filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError } from '../../../main/spice/errors';
import { sharedCd, sharedDisk } from '../../../main/spice/usbredir/virtual/virtual-msd-device';
import * as P from '../../../main/spice/usbredir/usbredir-proto';
import { MsdHarness, harnesses } from './msd-harness';

const dir = mkdtempSync(join(tmpdir(), 'saffron-vcd-'));
const ISO_BLOCKS = 100;
const iso = Buffer.alloc(ISO_BLOCKS * 2048 - 100); // not a multiple of 2048: the last block is zero-padded
for (let i = 0; i < iso.length; i++) iso[i] = (i * 7 + (i >> 11)) & 0xff;
writeFileSync(join(dir, 'a.iso'), iso);
const disk = Buffer.alloc(64 * 512, 0x11);
writeFileSync(join(dir, 'disk.img'), disk);
test.after(async () => {
  for (const h of harnesses) await h.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function cd(): Promise<MsdHarness> {
  const h = new MsdHarness();
  await h.start(sharedCd(join(dir, 'a.iso'), { index: 1 }));
  return h;
}

void test('attach: hello, 64-bit ids, then ep_info, interface_info and device_connect', async () => {
  const h = await cd();
  assert.equal(h.guest.take(P.usb_redir_hello).length, 1);
  assert.equal(h.host.wireLayout.ids64, true);
  const [ep] = h.guest.take(P.usb_redir_ep_info);
  assert.equal(ep!.ep_type[16 + 1], P.usb_redir_type_bulk);
  assert.equal(ep!.ep_type[2], P.usb_redir_type_bulk);
  assert.equal(ep!.max_packet_size[17], 512);
  const [info] = h.guest.take(P.usb_redir_interface_info);
  assert.deepEqual(
    [
      info!.interface_count,
      info!.interface_class[0],
      info!.interface_subclass[0],
      info!.interface_protocol[0],
    ],
    [1, 8, 6, 0x50],
  );
  const [conn] = h.guest.take(P.usb_redir_device_connect);
  assert.deepEqual(
    [conn!.vendor_id, conn!.product_id, conn!.speed, conn!.device_version_bcd],
    [0x2b23, 0xcdcd, 2, 0x0100],
  );
});

void test('standard and class control requests', async () => {
  const h = await cd();
  const dev = await h.control(0x80, 6, 0x0100, 0, 64);
  assert.equal(dev.status, 0);
  assert.equal(dev.data.length, 18);
  assert.equal(dev.data[1], 1);
  const cfg = await h.control(0x80, 6, 0x0200, 0, 255);
  assert.equal(cfg.data.length, 32);
  const short = await h.control(0x80, 6, 0x0200, 0, 9);
  assert.equal(short.data.length, 9, 'truncated to wLength');
  const lun = await h.control(0xa1, 0xfe, 0, 0, 1);
  assert.deepEqual([...lun.data], [0]);
  const str = await h.control(0x80, 6, 0x0302, 0x409, 255);
  assert.equal(Buffer.from(str.data.subarray(2)).toString('utf16le'), 'Virtual CD-ROM');
  const bad = await h.control(0xc0, 0x42, 0, 0, 4);
  assert.equal(bad.status, P.usb_redir_stall);
});

void test('SCSI: unit attention, inquiry, capacity, reads, TOC, configuration, events, mode sense', async () => {
  const h = await cd();
  assert.equal(
    (await h.scsiNone([0, 0, 0, 0, 0, 0])).status,
    1,
    'first TUR reports the power-on unit attention',
  );
  assert.deepEqual(await h.sense(), [6, 0x29, 0]);
  assert.equal((await h.scsiNone([0, 0, 0, 0, 0, 0])).status, 0);
  const inq = await h.scsiIn([0x12, 0, 0, 0, 36, 0], 36);
  assert.equal(inq.data[0], 5);
  assert.equal(inq.data[1], 0x80);
  assert.match(Buffer.from(inq.data.subarray(8, 32)).toString('latin1'), /^SAFFRON Virtual CD-ROM/);
  const cap = await h.scsiIn([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8);
  assert.equal(Buffer.from(cap.data).readUInt32BE(0), ISO_BLOCKS - 1);
  assert.equal(Buffer.from(cap.data).readUInt32BE(4), 2048);
  const rd = await h.scsiIn([0x28, 0, 0, 0, 0, 16, 0, 0, 4, 0], 4 * 2048);
  assert.equal(rd.csw.status, 0);
  assert.equal(rd.csw.residue, 0);
  assert.ok(Buffer.from(rd.data).equals(iso.subarray(16 * 2048, 20 * 2048)));
  const last = await h.scsiIn([0xa8, 0, 0, 0, 0, ISO_BLOCKS - 1, 0, 0, 0, 1, 0, 0], 2048);
  assert.ok(Buffer.from(last.data.subarray(0, 1948)).equals(iso.subarray((ISO_BLOCKS - 1) * 2048)));
  assert.ok(
    last.data.subarray(1948).every((b) => b === 0),
    'zero padded',
  );
  const past = await h.scsiIn([0x28, 0, 0, 0, 0, ISO_BLOCKS - 1, 0, 0, 2, 0], 4096);
  assert.equal(past.csw.status, 1);
  assert.deepEqual(await h.sense(), [5, 0x21, 0]);
  const toc = await h.scsiIn([0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0], 100);
  assert.equal(Buffer.from(toc.data).readUInt16BE(0), 18);
  assert.equal(toc.data[4 + 2], 1);
  assert.equal(toc.data[12 + 2], 0xaa);
  assert.equal(Buffer.from(toc.data).readUInt32BE(12 + 4), ISO_BLOCKS);
  const tocMsf = await h.scsiIn([0x43, 2, 0, 0, 0, 0, 0, 0, 100, 0], 100);
  assert.deepEqual([...tocMsf.data.subarray(8, 12)], [0, 0, 2, 0], 'track 1 at 00:02:00');
  const conf = await h.scsiIn([0x46, 0, 0, 0, 0, 0, 0, 1, 0, 0], 256);
  assert.equal(Buffer.from(conf.data).readUInt16BE(6), 0x0008, 'current profile CD-ROM');
  const gesn = await h.scsiIn([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
  assert.deepEqual([gesn.data[2], gesn.data[4], gesn.data[5]], [4, 2, 2], 'media class: new media, present');
  const gesn2 = await h.scsiIn([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
  assert.equal(gesn2.data[4], 0, 'the event is reported once');
  assert.equal(
    (await h.scsiIn([0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)).csw.status,
    1,
    'asynchronous GESN refused',
  );
  const ms = await h.scsiIn([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64, 0], 64);
  assert.equal(ms.data[8], 0x2a);
  assert.equal((await h.scsiIn([0x1a, 0, 0x3f, 0, 255, 0], 255)).csw.status, 0);
  assert.equal((await h.scsiIn([0x1a, 0, 0xc0 | 0x2a, 0, 255, 0], 255)).csw.status, 1, 'saved values');
  assert.deepEqual(await h.sense(), [5, 0x39, 0]);
  assert.equal((await h.scsiNone([0xee, 0, 0, 0, 0, 0])).status, 1);
  assert.deepEqual(await h.sense(), [5, 0x20, 0]);
  const readCd = await h.scsiIn([0xbe, 0, 0, 0, 0, 1, 0, 0, 1, 0x10, 0, 0], 2048);
  assert.ok(Buffer.from(readCd.data).equals(iso.subarray(2048, 4096)));
  assert.equal(
    (await h.scsiIn([0xbe, 0, 0, 0, 0, 1, 0, 0, 1, 0xf8, 0, 0], 2352)).csw.status,
    1,
    'raw sectors do not exist',
  );
});

void test('eject honours PREVENT ALLOW MEDIUM REMOVAL; load brings the medium back with a unit attention', async () => {
  const h = await cd();
  await h.scsiNone([0, 0, 0, 0, 0, 0]);
  await h.sense();
  assert.equal((await h.scsiNone([0x1e, 0, 0, 0, 1, 0])).status, 0);
  assert.equal((await h.scsiNone([0x1b, 0, 0, 0, 2, 0])).status, 1);
  assert.deepEqual(await h.sense(), [5, 0x53, 2]);
  await h.scsiNone([0x1e, 0, 0, 0, 0, 0]);
  assert.equal((await h.scsiNone([0x1b, 0, 0, 0, 2, 0])).status, 0);
  assert.equal((await h.scsiNone([0, 0, 0, 0, 0, 0])).status, 1);
  assert.deepEqual(await h.sense(), [2, 0x3a, 2]);
  const ev = await h.scsiIn([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
  assert.deepEqual([ev.data[4], ev.data[5]], [3, 1], 'media removal, tray open');
  await h.scsiNone([0x1b, 0, 0, 0, 3, 0]);
  assert.equal((await h.scsiNone([0, 0, 0, 0, 0, 0])).status, 1);
  assert.deepEqual(await h.sense(), [6, 0x28, 0]);
  assert.equal((await h.scsiNone([0, 0, 0, 0, 0, 0])).status, 0);
});

void test('Bulk-Only cases: short data, zero data, invalid CBW, reset recovery', async () => {
  const h = await cd();
  await h.scsiNone([0, 0, 0, 0, 0, 0]);
  await h.sense();
  // Host asks 96 bytes of INQUIRY (36 exist): short transfer, residue 60.
  const inq = await h.scsiIn([0x12, 0, 0, 0, 96, 0], 96);
  assert.equal(inq.data.length, 36);
  assert.equal(inq.csw.residue, 60);
  // Host expects IN data for TEST UNIT READY: a zero-length transfer, then the CSW with the full residue.
  const tur = await h.scsiIn([0, 0, 0, 0, 0, 0], 512);
  assert.equal(tur.data.length, 0);
  assert.deepEqual([tur.csw.status, tur.csw.residue], [0, 512]);
  // LUN 1 does not exist.
  await h.bulkOut(h.cbw([0, 0, 0, 0, 0, 0], 0, false, 1));
  assert.equal((await h.csw()).status, 1);
  // A garbage CBW stalls both pipes until Bulk-Only reset + clear halt.
  assert.equal((await h.bulkOut(Buffer.alloc(31))).status, P.usb_redir_stall);
  assert.equal((await h.bulkIn(13)).status, P.usb_redir_stall);
  await h.control(0x21, 0xff, 0, 0, 0);
  await h.control(0x02, 0x01, 0, 0x81, 0);
  await h.control(0x02, 0x01, 0, 0x02, 0);
  assert.equal((await h.scsiNone([0, 0, 0, 0, 0, 0])).status, 0);
});

void test('a cancelled IN transfer answers cancelled and its bytes are not lost', async () => {
  const h = await cd();
  await h.scsiNone([0, 0, 0, 0, 0, 0]);
  await h.sense();
  const waiting = await h.bulkInStart(13); // nothing to read yet: it waits for a command
  await h.send(h.guest.encode({ type: P.usb_redir_cancel_data_packet, id: waiting.id }));
  assert.equal((await waiting.reply).status, P.usb_redir_cancelled);
  const rd = await h.scsiIn([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], 2048);
  assert.ok(Buffer.from(rd.data).equals(iso.subarray(0, 2048)));
});

void test('detach sends device_disconnect and waits for the ack; the guest filter and reject are honoured', async () => {
  const h = await cd();
  let detached: string | undefined;
  h.host.on('detached', (e) => (detached = e.reason));
  const device = h.host.detach('request');
  assert.ok(device);
  await device.close();
  assert.equal(h.guest.take(P.usb_redir_device_disconnect).length, 1);
  assert.equal(detached, 'request');
  const ack = h.host.waitForAck(2000);
  await h.send(h.guest.encode({ type: P.usb_redir_device_disconnect_ack, id: 0n }));
  await ack;
  // The guest's filter forbids mass storage.
  await h.send(
    h.guest.encode({ type: P.usb_redir_filter_filter, id: 0n, filter: '0x08,-1,-1,-1,0|-1,-1,-1,-1,1' }),
  );
  const src = sharedCd(join(dir, 'a.iso'), { index: 2 });
  assert.equal(h.host.guestAllows(src.description), false);
  const opened = await src.open();
  await assert.rejects(h.host.attach(src.description, opened), /USB filter does not accept/);
  await opened.close();
  // A device the guest rejects after connect is detached and reported.
  const h2 = await cd();
  let reason: string | undefined;
  h2.host.on('detached', (e) => (reason = e.reason));
  await h2.send(h2.guest.encode({ type: P.usb_redir_filter_reject, id: 0n }));
  assert.equal(reason, 'rejected');
  assert.equal(h2.host.attachedKey, null);
});

void test('32-bit ids when the guest lacks 64bits_ids; ids wider than 32 bits are never sent then', async () => {
  const h = new MsdHarness([P.usb_redir_cap_connect_device_version, P.usb_redir_cap_ep_info_max_packet_size]);
  await h.start(sharedCd(join(dir, 'a.iso'), { index: 3 }));
  assert.equal(h.host.wireLayout.ids64, false);
  const r = await h.control(0x80, 6, 0x0100, 0, 18);
  assert.equal(r.data.length, 18);
});

void test('a malformed packet from the guest throws ProtocolError (the channel is dropped, not the session)', async () => {
  const h = await cd();
  const bad = Buffer.alloc(16);
  bad.writeUInt32LE(77, 0);
  assert.throws(() => h.host.receive(bad), ProtocolError);
});

void test('disk: read-write writes reach the file; read-only reports write protect', async () => {
  const rw = new MsdHarness();
  await rw.start(sharedDisk(join(dir, 'disk.img'), { index: 4, writable: true }));
  await rw.scsiNone([0, 0, 0, 0, 0, 0]);
  await rw.sense();
  const data = Buffer.alloc(1024, 0xab);
  assert.equal((await rw.scsiOut([0x2a, 0, 0, 0, 0, 2, 0, 0, 2, 0], data)).status, 0);
  assert.equal((await rw.scsiNone([0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0])).status, 0);
  assert.ok(readFileSync(join(dir, 'disk.img')).subarray(1024, 2048).equals(data));
  const back = await rw.scsiIn([0x28, 0, 0, 0, 0, 2, 0, 0, 2, 0], 1024);
  assert.ok(Buffer.from(back.data).equals(data));
  const cap16 = await rw.scsiIn([0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], 32);
  assert.equal(Buffer.from(cap16.data).readUInt32BE(4), 63);
  const ro = new MsdHarness();
  await ro.start(sharedDisk(join(dir, 'disk.img'), { index: 5 }));
  await ro.scsiNone([0, 0, 0, 0, 0, 0]);
  await ro.sense();
  assert.equal((await ro.scsiOut([0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], Buffer.alloc(512))).status, 1);
  assert.deepEqual(await ro.sense(), [7, 0x27, 0]);
  const ms = await ro.scsiIn([0x1a, 0, 0x3f, 0, 255, 0], 255);
  assert.equal(ms.data[2]! & 0x80, 0x80, 'WP bit');
});
