// The host's USB devices through the `usb` package (3.x, WebUSB-style, on nusb) — the only module that imports it
// (lint-enforced). Lists devices, reports hotplug, and opens a device for redirection: detaches kernel drivers
// (Linux), claims every interface, runs control / bulk / interrupt transfers, resets, and on close releases the
// interfaces and gives the kernel drivers back. A machine without a USB subsystem lists no devices, with a notice.
import type { UsbConfiguration, UsbDevice as NativeUsbDevice } from 'usb/index.js';
import { errorMessage } from '../spice/errors';
import type { Logger } from '../spice/logger';
import type {
  OpenUsbDevice,
  UsbBackend,
  UsbBackendEvents,
  UsbDeviceDescription,
  UsbDeviceLayout,
  UsbDeviceSource,
  UsbEndpointLayout,
  UsbSetup,
  UsbTransferResult,
  UsbTransferStatus,
} from '../spice/usbredir/usb-device';
import { UsbDeviceError } from '../spice/usbredir/usb-device';
import { busyHint, permissionHint } from './usb-permissions';

type NativeModule = typeof import('usb/index.js');

/** usbredirhost's control timeout. Bulk and interrupt transfers wait as long as the device needs. */
const CONTROL_TIMEOUT_MS = 5000;
const NO_TIMEOUT = 0;

export interface NodeUsbBackendOptions {
  logger: Logger;
  platform?: NodeJS.Platform;
  /** Loads the native module (tests may pass another loader). */
  load?: () => Promise<NativeModule>;
}

const SPEEDS: Record<string, UsbDeviceDescription['speed']> = {
  low: 'low',
  full: 'full',
  high: 'high',
  super: 'super',
  superPlus: 'super',
};

function printable(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?').slice(0, 126);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function keyOf(d: NativeUsbDevice): string {
  return `host:${d.bus}-${d.address}`;
}

/** The package types these getters with the DOM's WebUSB names; its own interfaces describe the same objects. */
function activeConfig(d: NativeUsbDevice): UsbConfiguration | null {
  const config: unknown = d.configuration;
  return (config as UsbConfiguration | undefined) ?? null;
}
function allConfigs(d: NativeUsbDevice): UsbConfiguration[] {
  const configs: unknown = d.configurations;
  return configs as UsbConfiguration[];
}
function endpointType(e: { type: unknown }): UsbEndpointLayout['type'] {
  const t = e.type as string;
  return t === 'isochronous' ? 'iso' : t === 'interrupt' ? 'interrupt' : t === 'control' ? 'control' : 'bulk';
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Static description of a native device (no open needed: nusb reads sysfs / the OS cache). */
export function describeNative(d: NativeUsbDevice): UsbDeviceDescription {
  const manufacturer = printable(safe(() => d.manufacturerName, null));
  const product = printable(safe(() => d.productName, null));
  const serial = printable(safe(() => d.serialNumber, null));
  const configs = safe(() => allConfigs(d), []);
  const active = safe(() => activeConfig(d), configs[0] ?? null) ?? configs[0];
  const interfaces = (active?.interfaces ?? []).map((i) => ({
    class: i.alternate.interfaceClass,
    subclass: i.alternate.interfaceSubclass,
    protocol: i.alternate.interfaceProtocol,
  }));
  const hasIsochronous = configs.some((c) =>
    c.interfaces.some((i) => i.alternates.some((a) => a.endpoints.some((e) => endpointType(e) === 'iso'))),
  );
  const name =
    [manufacturer, product].filter(Boolean).join(' ') ||
    `USB device ${hex4(d.vendorId)}:${hex4(d.productId)}`;
  const desc: UsbDeviceDescription = {
    key: keyOf(d),
    kind: 'host',
    label: name,
    vendorId: d.vendorId,
    productId: d.productId,
    deviceVersionBcd:
      ((d.deviceVersionMajor & 0xff) << 8) |
      ((d.deviceVersionMinor & 0xf) << 4) |
      (d.deviceVersionSubminor & 0xf),
    deviceClass: d.deviceClass,
    deviceSubclass: d.deviceSubclass,
    deviceProtocol: d.deviceProtocol,
    speed: SPEEDS[d.speed ?? ''] ?? 'unknown',
    bus: d.bus,
    address: d.address,
    interfaces,
    hasIsochronous,
  };
  if (manufacturer) desc.manufacturer = manufacturer;
  if (product) desc.product = product;
  if (serial) desc.serial = serial;
  return desc;
}

/** Maps an OS error from the native layer to what the user can act on. */
export function classifyUsbError(
  e: unknown,
  platform: string,
  d: UsbDeviceDescription,
  what: string,
): UsbDeviceError {
  const text = errorMessage(e);
  if (/permission denied|access denied|os error 13|EACCES|not permitted|os error 1\b/i.test(text))
    return new UsbDeviceError('permission', `${what}: permission denied`, {
      cause: e,
      hint: permissionHint(platform, d),
    });
  if (/busy|os error 16|EBUSY|already claimed|in use/i.test(text))
    return new UsbDeviceError('busy', `${what}: the device is busy`, {
      cause: e,
      hint: busyHint(platform, d.label),
    });
  if (/no such device|os error 19|ENODEV|not found|disconnected|os error 2\b/i.test(text))
    return new UsbDeviceError('gone', `${what}: the device is gone`, { cause: e });
  if (/not supported|NOT_SUPPORTED/i.test(text) && platform === 'win32')
    return new UsbDeviceError('permission', `${what}: no WinUSB driver`, {
      cause: e,
      hint: permissionHint(platform, d),
    });
  return new UsbDeviceError('io', `${what}: ${text}`, { cause: e });
}

export class NodeUsbBackend implements UsbBackend {
  private readonly log: Logger;
  private readonly platform: NodeJS.Platform;
  private readonly load: () => Promise<NativeModule>;
  private native: Promise<NativeModule> | null = null;

  constructor(options: NodeUsbBackendOptions) {
    this.log = options.logger;
    this.platform = options.platform ?? process.platform;
    this.load = options.load ?? (() => import('usb/index.js'));
  }

  private module(): Promise<NativeModule> {
    this.native ??= this.load();
    return this.native;
  }

  async list(): Promise<{ devices: UsbDeviceSource[]; notice?: string }> {
    let native: NativeModule;
    try {
      native = await this.module();
    } catch (e) {
      return {
        devices: [],
        notice: `USB support could not be loaded (${errorMessage(e)}); only shared images can be redirected`,
      };
    }
    try {
      const devices = await native.nativeGetDevices();
      return { devices: devices.filter((d) => d.deviceClass !== 0x09).map((d) => this.source(d)) };
    } catch (e) {
      const text = errorMessage(e);
      if (/\/sys\/bus\/usb|not found/i.test(text))
        return {
          devices: [],
          notice:
            'this machine has no USB subsystem (/sys/bus/usb is missing); only shared images can be redirected',
        };
      return { devices: [], notice: `listing USB devices failed: ${text}` };
    }
  }

  watch(events: UsbBackendEvents): () => void {
    let stopped = false;
    let emitter: InstanceType<NativeModule['Emitter']> | null = null;
    const known = new Map<string, string>(); // native handle → key
    void (async () => {
      try {
        const native = await this.module();
        if (stopped) return;
        emitter = new native.Emitter();
        await emitter.addAttach((d) => {
          if (stopped || d.deviceClass === 0x09) return;
          known.set(d.handle, keyOf(d));
          events.added(this.source(d));
        });
        await emitter.addDetach((handle) => {
          const key = known.get(handle);
          known.delete(handle);
          if (!stopped && key) events.removed(key);
        });
        for (const d of await native.nativeGetDevices().catch(() => [])) known.set(d.handle, keyOf(d));
      } catch (e) {
        this.log.warn(`USB hotplug is not available: ${errorMessage(e)}`);
      }
    })();
    return () => {
      stopped = true;
      const e = emitter;
      emitter = null;
      if (e) {
        e.removeAttach().catch(() => {});
        e.removeDetach().catch(() => {});
      }
    };
  }

  private source(d: NativeUsbDevice): UsbDeviceSource {
    const description = describeNative(d);
    return { description, open: () => NativeOpenDevice.open(d, description, this.platform, this.log) };
  }
}

function recipientOf(requestType: number): 'device' | 'interface' | 'endpoint' | 'other' {
  return (['device', 'interface', 'endpoint', 'other'] as const)[requestType & 3] ?? 'other';
}
function typeOf(requestType: number): 'standard' | 'class' | 'vendor' {
  return (['standard', 'class', 'vendor', 'vendor'] as const)[(requestType >>> 5) & 3] ?? 'vendor';
}

class NativeOpenDevice implements OpenUsbDevice {
  private readonly claimed = new Set<number>();
  private readonly detached = new Set<number>();
  private readonly intervals = new Map<number, number>();
  private readonly alternates = new Map<number, number>();
  private closed = false;
  private gone = false;

  private constructor(
    private readonly d: NativeUsbDevice,
    private readonly description: UsbDeviceDescription,
    private readonly platform: string,
    private readonly log: Logger,
  ) {}

  static async open(
    d: NativeUsbDevice,
    description: UsbDeviceDescription,
    platform: string,
    log: Logger,
  ): Promise<OpenUsbDevice> {
    const dev = new NativeOpenDevice(d, description, platform, log);
    try {
      await d.open();
    } catch (e) {
      throw classifyUsbError(e, platform, description, `cannot open ${description.label}`);
    }
    try {
      await dev.claimAll();
      await dev.readIntervals();
    } catch (e) {
      await dev.close();
      throw classifyUsbError(e, platform, description, `cannot claim ${description.label}`);
    }
    return dev;
  }

  private interfaceNumbers(): number[] {
    return safe(() => activeConfig(this.d)?.interfaces.map((i) => i.interfaceNumber) ?? [], []);
  }

  private async claimAll(): Promise<void> {
    for (const n of this.interfaceNumbers()) {
      if (this.platform === 'linux') {
        try {
          await this.d.detachKernelDriver(n);
          this.detached.add(n);
        } catch {
          // no driver bound, or detaching is not possible: claiming tells
        }
      }
      await this.d.claimInterface(n);
      this.claimed.add(n);
    }
  }

  /** bInterval is not in the package's descriptor objects: read the configuration descriptor once. */
  private async readIntervals(): Promise<void> {
    try {
      const setup = {
        requestType: 'standard',
        recipient: 'device',
        request: 6,
        value: 0x0200,
        index: 0,
      } as const;
      const head = await this.d.nativeControlTransferIn(setup, CONTROL_TIMEOUT_MS, 9);
      if (!head || head.length < 4) return;
      const total = Math.min(head[2]! | (head[3]! << 8), 4096);
      const all = await this.d.nativeControlTransferIn(setup, CONTROL_TIMEOUT_MS, total);
      if (!all) return;
      for (let at = 0; at + 2 <= all.length && all[at]! >= 2; at += all[at]!) {
        if (all[at + 1] === 5 && at + 7 <= all.length) this.intervals.set(all[at + 2]!, all[at + 6]!);
      }
    } catch (e) {
      this.log.debug(`reading endpoint intervals failed: ${errorMessage(e)}`);
    }
  }

  layout(): UsbDeviceLayout {
    const config = safe(() => activeConfig(this.d), null);
    if (!config) return { configuration: 0, interfaces: [], endpoints: [] };
    const endpoints: UsbEndpointLayout[] = [];
    const interfaces = config.interfaces.map((i) => {
      const altNumber = this.alternates.get(i.interfaceNumber) ?? i.alternate.alternateSetting;
      const alt = i.alternates.find((a) => a.alternateSetting === altNumber) ?? i.alternate;
      for (const e of alt.endpoints) {
        const address = e.endpointNumber | (e.direction === 'in' ? 0x80 : 0);
        endpoints.push({
          address,
          type: endpointType(e),
          maxPacketSize: e.packetSize,
          interval: this.intervals.get(address) ?? (endpointType(e) === 'interrupt' ? 1 : 0),
          interfaceNumber: i.interfaceNumber,
        });
      }
      return {
        number: i.interfaceNumber,
        alternate: alt.alternateSetting,
        class: alt.interfaceClass,
        subclass: alt.interfaceSubclass,
        protocol: alt.interfaceProtocol,
      };
    });
    return { configuration: config.configurationValue, interfaces, endpoints };
  }

  private failure(e: unknown, what: string): UsbTransferResult {
    const error = classifyUsbError(e, this.platform, this.description, what);
    if (error.code === 'gone') {
      this.gone = true;
      throw error;
    }
    return { status: /timed? ?out/i.test(errorMessage(e)) ? 'timeout' : 'ioerror' };
  }

  async control(setup: UsbSetup, data: Uint8Array | null): Promise<UsbTransferResult> {
    if (this.closed || this.gone) return { status: 'ioerror' };
    // CLEAR_FEATURE(ENDPOINT_HALT) must go through the OS so it resets its own toggle state.
    if (setup.requestType === 0x02 && setup.request === 0x01 && setup.value === 0) {
      try {
        await this.d.clearHalt(setup.index & 0x80 ? 'in' : 'out', setup.index & 0x0f);
        return { status: 'ok', written: 0 };
      } catch (e) {
        return this.failure(e, 'clear halt');
      }
    }
    const params = {
      requestType: typeOf(setup.requestType),
      recipient: recipientOf(setup.requestType),
      request: setup.request,
      value: setup.value,
      index: setup.index,
    };
    try {
      if (setup.requestType & 0x80) {
        const r = await this.d.nativeControlTransferIn(params, CONTROL_TIMEOUT_MS, setup.length);
        return r ? { status: 'ok', data: r } : { status: 'stall' };
      }
      const n = await this.d.nativeControlTransferOut(params, CONTROL_TIMEOUT_MS, data ?? new Uint8Array(0));
      return n >= 0 ? { status: 'ok', written: n } : { status: 'stall' };
    } catch (e) {
      return this.failure(e, 'control transfer');
    }
  }

  private async transfer(endpoint: number, dataOrLength: Uint8Array | number): Promise<UsbTransferResult> {
    if (this.closed || this.gone) return { status: 'ioerror' };
    try {
      if (typeof dataOrLength === 'number') {
        const r = await this.d.nativeTransferIn(endpoint & 0x0f, NO_TIMEOUT, dataOrLength);
        return r ? { status: 'ok', data: r } : { status: 'stall' };
      }
      const n = await this.d.nativeTransferOut(endpoint & 0x0f, NO_TIMEOUT, dataOrLength);
      return n >= 0 ? { status: 'ok', written: n } : { status: 'stall' };
    } catch (e) {
      if (this.closed) return { status: 'cancelled' };
      return this.failure(e, `transfer on endpoint 0x${endpoint.toString(16)}`);
    }
  }

  bulk(endpoint: number, dataOrLength: Uint8Array | number): Promise<UsbTransferResult> {
    return this.transfer(endpoint, dataOrLength);
  }

  interrupt(endpoint: number, dataOrLength: Uint8Array | number): Promise<UsbTransferResult> {
    return this.transfer(endpoint, dataOrLength);
  }

  async setConfiguration(value: number): Promise<UsbTransferStatus> {
    try {
      await this.releaseAll();
      await this.d.selectConfiguration(value);
      this.alternates.clear();
      await this.claimAll();
      return 'ok';
    } catch (e) {
      this.log.warn(`set configuration ${value}: ${errorMessage(e)}`);
      return 'stall';
    }
  }

  async setAltSetting(interfaceNumber: number, alternate: number): Promise<UsbTransferStatus> {
    try {
      await this.d.selectAlternateInterface(interfaceNumber, alternate);
      this.alternates.set(interfaceNumber, alternate);
      return 'ok';
    } catch (e) {
      this.log.warn(`set alt setting ${interfaceNumber}/${alternate}: ${errorMessage(e)}`);
      return 'stall';
    }
  }

  async reset(): Promise<void> {
    try {
      await this.d.reset();
    } catch (e) {
      throw classifyUsbError(e, this.platform, this.description, 'reset');
    }
  }

  private async releaseAll(): Promise<void> {
    for (const n of [...this.claimed]) {
      await this.d.releaseInterface(n).catch(() => {});
      this.claimed.delete(n);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseAll();
    for (const n of [...this.detached]) {
      await this.d.attachKernelDriver(n).catch((e: unknown) => {
        this.log.debug(`re-attaching the kernel driver of interface ${n}: ${errorMessage(e)}`);
      });
      this.detached.delete(n);
    }
    await this.d.close().catch(() => {});
  }
}
