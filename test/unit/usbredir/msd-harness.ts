// Drives a virtual mass-storage device the way a VM does, through the usbredir host engine and a simulated guest:
// CBW on bulk OUT, data and CSW on bulk IN.
import { silentLogger } from '../../../main/spice/logger';
import { UsbredirHost } from '../../../main/spice/usbredir/usbredir-host';
import type { UsbDeviceSource } from '../../../main/spice/usbredir/usb-device';
import * as P from '../../../main/spice/usbredir/usbredir-proto';
import { GuestSim } from './guest-sim';

export interface Csw {
  tag: number;
  residue: number;
  status: number;
}

/** Every harness made, so a test file can release their images at the end. */
export const harnesses: MsdHarness[] = [];

export class MsdHarness {
  readonly guest: GuestSim;
  readonly host: UsbredirHost;
  private nextId = 1n;
  private tag = 1;

  constructor(caps?: number[]) {
    this.guest = new GuestSim(caps);
    this.host = new UsbredirHost({ write: (b) => this.guest.fromHost(b), logger: silentLogger });
    harnesses.push(this);
  }

  async dispose(): Promise<void> {
    await this.host.close()?.close();
  }

  async start(source: UsbDeviceSource): Promise<void> {
    await this.send(this.guest.hello());
    await this.host.attach(source.description, await source.open());
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.host.receive(bytes);
  }

  id(): bigint {
    return this.nextId++;
  }

  async control(
    requesttype: number,
    request: number,
    value: number,
    index: number,
    length: number,
    data = new Uint8Array(0),
  ) {
    const id = this.id();
    await this.send(
      this.guest.encode({
        type: P.usb_redir_control_packet,
        id,
        endpoint: requesttype & 0x80,
        request,
        requesttype,
        status: 0,
        value,
        index,
        length: requesttype & 0x80 ? length : data.length,
        data: requesttype & 0x80 ? new Uint8Array(0) : data,
      }),
    );
    return this.guest.next(P.usb_redir_control_packet, (p) => p.id === id);
  }

  async bulkOut(data: Uint8Array) {
    const id = this.id();
    await this.send(
      this.guest.encode({
        type: P.usb_redir_bulk_packet,
        id,
        endpoint: 0x02,
        status: 0,
        length: data.length,
        stream_id: 0,
        data,
      }),
    );
    return this.guest.next(P.usb_redir_bulk_packet, (p) => p.id === id);
  }

  /** Sends a bulk IN request; returns its id and a promise of the reply. */
  async bulkInStart(length: number) {
    const id = this.id();
    await this.send(
      this.guest.encode({
        type: P.usb_redir_bulk_packet,
        id,
        endpoint: 0x81,
        status: 0,
        length,
        stream_id: 0,
        data: new Uint8Array(0),
      }),
    );
    return { id, reply: this.guest.next(P.usb_redir_bulk_packet, (p) => p.id === id) };
  }

  async bulkIn(length: number) {
    return (await this.bulkInStart(length)).reply;
  }

  cbw(cdb: number[], length: number, dirIn: boolean, lun = 0): Uint8Array {
    const b = Buffer.alloc(31);
    b.writeUInt32LE(0x43425355, 0);
    b.writeUInt32LE(this.tag++, 4);
    b.writeUInt32LE(length, 8);
    b[12] = dirIn ? 0x80 : 0;
    b[13] = lun;
    b[14] = cdb.length;
    Buffer.from(cdb).copy(b, 15);
    return b;
  }

  async csw(): Promise<Csw> {
    const r = await this.bulkIn(13);
    const b = Buffer.from(r.data);
    if (b.length !== 13 || b.readUInt32LE(0) !== 0x53425355)
      throw new Error(`not a CSW: ${b.toString('hex')} status ${r.status}`);
    return { tag: b.readUInt32LE(4), residue: b.readUInt32LE(8), status: b[12]! };
  }

  /** One SCSI command with an IN data stage. */
  async scsiIn(cdb: number[], length: number): Promise<{ data: Uint8Array; csw: Csw }> {
    await this.bulkOut(this.cbw(cdb, length, true));
    const r = length > 0 ? await this.bulkIn(length) : null;
    return { data: r?.data ?? new Uint8Array(0), csw: await this.csw() };
  }

  async scsiNone(cdb: number[]): Promise<Csw> {
    await this.bulkOut(this.cbw(cdb, 0, false));
    return this.csw();
  }

  async scsiOut(cdb: number[], data: Uint8Array): Promise<Csw> {
    await this.bulkOut(this.cbw(cdb, data.length, false));
    await this.bulkOut(data);
    return this.csw();
  }

  async sense(): Promise<[number, number, number]> {
    const { data } = await this.scsiIn([0x03, 0, 0, 0, 18, 0], 18);
    return [data[2]! & 0x0f, data[12]!, data[13]!];
  }
}
