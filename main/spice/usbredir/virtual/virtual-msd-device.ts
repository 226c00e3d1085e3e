// A USB mass-storage device made in software: device / configuration / string descriptors, the standard and
// class (Bulk-Only) control requests, and bulk endpoints 0x81 (IN) and 0x02 (OUT) wired to a Bulk-Only Transport
// over a SCSI target. sharedCd() and sharedDisk() build one around an ISO or a disk image; the image is opened when
// the device is connected and closed when it is disconnected.
import { basename } from 'node:path';
import type {
  OpenUsbDevice,
  UsbDeviceDescription,
  UsbDeviceLayout,
  UsbDeviceSource,
  UsbSetup,
  UsbTransferResult,
  UsbTransferStatus,
} from '../usb-device';
import { UsbDeviceError } from '../usb-device';
import { openImageFile } from './image-file';
import { BulkOnlyTransport } from './msd-bot';
import type { InquiryIdentity, ScsiTarget } from './scsi-common';
import { ScsiCdrom } from './scsi-cdrom';
import { ScsiDisk } from './scsi-disk';

/** spice-gtk's shared-CD ids (so filters written for remote-viewer's shared CD match ours). */
export const VIRTUAL_CD_VENDOR_ID = 0x2b23;
export const VIRTUAL_CD_PRODUCT_ID = 0xcdcd;
export const VIRTUAL_DISK_PRODUCT_ID = 0xd15c;

const EP_IN = 0x81;
const EP_OUT = 0x02;
const MAX_CONTROL_REPLY = 4096;

export interface VirtualMsdIdentity {
  vendorId: number;
  productId: number;
  manufacturer: string;
  product: string;
  serial: string;
  speed: 'full' | 'high';
}

function utf16Descriptor(text: string): Uint8Array {
  const units = [...text].slice(0, 126).map((c) => c.charCodeAt(0) & 0xffff);
  const b = new Uint8Array(2 + 2 * units.length);
  b[0] = b.length;
  b[1] = 3;
  units.forEach((u, i) => {
    b[2 + 2 * i] = u & 0xff;
    b[3 + 2 * i] = u >>> 8;
  });
  return b;
}

/** The descriptors of a single-interface Bulk-Only SCSI device. */
export function msdDescriptors(id: VirtualMsdIdentity): {
  device: Uint8Array;
  config: Uint8Array;
  qualifier: Uint8Array;
} {
  const mps = id.speed === 'high' ? 512 : 64;
  const device = Uint8Array.of(
    18, 1, 0x00, 0x02, 0, 0, 0, 64,
    id.vendorId & 0xff, id.vendorId >>> 8, id.productId & 0xff, id.productId >>> 8,
    0x00, 0x01, 1, 2, 3, 1,
  ); // prettier-ignore
  const config = Uint8Array.of(
    9, 2, 32, 0, 1, 1, 0, 0x80, 50,
    9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0,
    7, 5, EP_IN, 2, mps & 0xff, mps >>> 8, 0,
    7, 5, EP_OUT, 2, mps & 0xff, mps >>> 8, 0,
  ); // prettier-ignore
  const qualifier = Uint8Array.of(10, 6, 0x00, 0x02, 0, 0, 0, 64, 1, 0);
  return { device, config, qualifier };
}

class VirtualMsd implements OpenUsbDevice {
  private configuration = 1;
  private readonly bot: BulkOnlyTransport;
  private readonly descriptors: ReturnType<typeof msdDescriptors>;
  private closed = false;

  constructor(
    private readonly id: VirtualMsdIdentity,
    private readonly target: ScsiTarget,
  ) {
    this.bot = new BulkOnlyTransport(target);
    this.descriptors = msdDescriptors(id);
  }

  layout(): UsbDeviceLayout {
    const mps = this.id.speed === 'high' ? 512 : 64;
    return {
      configuration: this.configuration,
      interfaces: this.configuration
        ? [{ number: 0, alternate: 0, class: 0x08, subclass: 0x06, protocol: 0x50 }]
        : [],
      endpoints: this.configuration
        ? [
            { address: EP_IN, type: 'bulk', maxPacketSize: mps, interval: 0, interfaceNumber: 0 },
            { address: EP_OUT, type: 'bulk', maxPacketSize: mps, interval: 0, interfaceNumber: 0 },
          ]
        : [],
    };
  }

  control(setup: UsbSetup, data: Uint8Array | null): Promise<UsbTransferResult> {
    return Promise.resolve(this.controlSync(setup, data));
  }

  private reply(bytes: Uint8Array, setup: UsbSetup): UsbTransferResult {
    return { status: 'ok', data: bytes.subarray(0, Math.min(setup.length, MAX_CONTROL_REPLY)) };
  }

  private controlSync(setup: UsbSetup, data: Uint8Array | null): UsbTransferResult {
    const type = setup.requestType & 0x60;
    const recipient = setup.requestType & 0x1f;
    const isIn = (setup.requestType & 0x80) !== 0;
    if (type === 0x20 && recipient === 1 && (setup.index & 0xff) === 0) {
      if (setup.request === 0xff && !isIn) {
        this.bot.resetRecovery();
        return { status: 'ok', written: 0 };
      }
      if (setup.request === 0xfe && isIn) return this.reply(Uint8Array.of(0), setup);
      return { status: 'stall' };
    }
    if (type !== 0) return { status: 'stall' };
    switch (setup.request) {
      case 0x00: {
        // GET_STATUS
        if (recipient === 2) {
          const halted = (setup.index & 0x80 ? this.bot.halted.in : this.bot.halted.out) ? 1 : 0;
          return this.reply(Uint8Array.of(halted, 0), setup);
        }
        return this.reply(Uint8Array.of(0, 0), setup);
      }
      case 0x01: // CLEAR_FEATURE
        if (recipient === 2 && setup.value === 0) this.bot.clearHalt((setup.index & 0x80) !== 0);
        return { status: 'ok', written: 0 };
      case 0x03: // SET_FEATURE (remote wakeup, test mode): accepted
      case 0x05: // SET_ADDRESS: the VM's controller owns addresses
        return { status: 'ok', written: 0 };
      case 0x06:
        return this.getDescriptor(setup);
      case 0x08:
        return this.reply(Uint8Array.of(this.configuration), setup);
      case 0x09:
        if (setup.value > 1) return { status: 'stall' };
        this.configuration = setup.value;
        return { status: 'ok', written: 0 };
      case 0x0a:
        return this.reply(Uint8Array.of(0), setup);
      case 0x0b:
        return setup.value === 0 && setup.index === 0 ? { status: 'ok', written: 0 } : { status: 'stall' };
      default:
        void data;
        return { status: 'stall' };
    }
  }

  private getDescriptor(setup: UsbSetup): UsbTransferResult {
    const kind = setup.value >>> 8;
    const index = setup.value & 0xff;
    switch (kind) {
      case 1:
        return this.reply(this.descriptors.device, setup);
      case 2:
        return index === 0 ? this.reply(this.descriptors.config, setup) : { status: 'stall' };
      case 3: {
        if (index === 0) return this.reply(Uint8Array.of(4, 3, 0x09, 0x04), setup);
        const text = [this.id.manufacturer, this.id.product, this.id.serial][index - 1];
        return text === undefined ? { status: 'stall' } : this.reply(utf16Descriptor(text), setup);
      }
      case 6:
        return this.id.speed === 'high' ? this.reply(this.descriptors.qualifier, setup) : { status: 'stall' };
      default:
        return { status: 'stall' };
    }
  }

  bulk(endpoint: number, dataOrLength: Uint8Array | number, signal: AbortSignal): Promise<UsbTransferResult> {
    if (this.closed) return Promise.resolve({ status: 'ioerror' });
    if (endpoint === EP_IN && typeof dataOrLength === 'number') return this.bot.bulkIn(dataOrLength, signal);
    if (endpoint === EP_OUT && typeof dataOrLength !== 'number') return this.bot.bulkOut(dataOrLength);
    return Promise.resolve({ status: 'stall' });
  }

  interrupt(): Promise<UsbTransferResult> {
    return Promise.resolve({ status: 'stall' });
  }

  setConfiguration(value: number): Promise<UsbTransferStatus> {
    if (value > 1) return Promise.resolve('stall');
    this.configuration = value;
    return Promise.resolve('ok');
  }

  setAltSetting(interfaceNumber: number, alternate: number): Promise<UsbTransferStatus> {
    return Promise.resolve(interfaceNumber === 0 && alternate === 0 ? 'ok' : 'stall');
  }

  reset(): Promise<void> {
    this.bot.usbReset();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bot.usbReset();
    await this.target.close();
  }
}

/** Terminal- and window-safe text from a file name. */
function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?').slice(0, 120);
}

function serialFor(key: string): string {
  let h = 0x811c9dc5;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `5AFF${h.toString(16).toUpperCase().padStart(8, '0')}`;
}

export interface SharedImageOptions {
  /** Distinguishes several shared images: keys are "cd:<index>" / "disk:<index>". */
  index: number;
  speed?: 'full' | 'high';
}

function source(description: UsbDeviceDescription, open: () => Promise<OpenUsbDevice>): UsbDeviceSource {
  return { description, open };
}

function describe(
  key: string,
  kind: 'virtual-cd' | 'virtual-disk',
  label: string,
  id: VirtualMsdIdentity,
): UsbDeviceDescription {
  return {
    key,
    kind,
    label,
    vendorId: id.vendorId,
    productId: id.productId,
    deviceVersionBcd: 0x0100,
    deviceClass: 0,
    deviceSubclass: 0,
    deviceProtocol: 0,
    speed: id.speed,
    manufacturer: id.manufacturer,
    product: id.product,
    serial: id.serial,
    interfaces: [{ class: 0x08, subclass: 0x06, protocol: 0x50 }],
    hasIsochronous: false,
  };
}

async function openImage(path: string, writable: boolean) {
  try {
    return await openImageFile(path, { writable });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new UsbDeviceError(
        'permission',
        `cannot open ${path}${writable ? ' for writing' : ''}: permission denied`,
        {
          cause: e,
        },
      );
    if (code === 'ENOENT') throw new UsbDeviceError('gone', `${path} does not exist`, { cause: e });
    throw new UsbDeviceError('io', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** A USB CD-ROM drive with `isoPath` inserted (remote-viewer's --spice-share-cd). */
export function sharedCd(
  isoPath: string,
  options: SharedImageOptions,
  events: { onTray?: (ejected: boolean) => void } = {},
): UsbDeviceSource {
  const key = `cd:${options.index}`;
  const id: VirtualMsdIdentity = {
    vendorId: VIRTUAL_CD_VENDOR_ID,
    productId: VIRTUAL_CD_PRODUCT_ID,
    manufacturer: 'Saffron',
    product: 'Virtual CD-ROM',
    serial: serialFor(`${key}:${isoPath}`),
    speed: options.speed ?? 'high',
  };
  const identity: InquiryIdentity = {
    vendor: 'SAFFRON',
    product: 'Virtual CD-ROM',
    revision: '1.0',
    serial: id.serial,
  };
  return source(describe(key, 'virtual-cd', `CD: ${printable(basename(isoPath))}`, id), async () => {
    const image = await openImage(isoPath, false);
    return new VirtualMsd(id, new ScsiCdrom(image, identity, events));
  });
}

/** A USB disk serving `imagePath` (raw), read-only unless `writable`. */
export function sharedDisk(
  imagePath: string,
  options: SharedImageOptions & { writable?: boolean },
): UsbDeviceSource {
  const key = `disk:${options.index}`;
  const writable = options.writable ?? false;
  const id: VirtualMsdIdentity = {
    vendorId: VIRTUAL_CD_VENDOR_ID,
    productId: VIRTUAL_DISK_PRODUCT_ID,
    manufacturer: 'Saffron',
    product: 'Virtual Disk',
    serial: serialFor(`${key}:${imagePath}`),
    speed: options.speed ?? 'high',
  };
  const identity: InquiryIdentity = {
    vendor: 'SAFFRON',
    product: 'Virtual Disk',
    revision: '1.0',
    serial: id.serial,
  };
  const label = `Disk${writable ? '' : ' (read-only)'}: ${printable(basename(imagePath))}`;
  return source(describe(key, 'virtual-disk', label, id), async () => {
    const image = await openImage(imagePath, writable);
    return new VirtualMsd(id, new ScsiDisk(image, identity));
  });
}
