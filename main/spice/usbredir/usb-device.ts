// The device seam of USB redirection: what the usbredir host engine needs from a device it forwards to the VM.
// Real host devices (main/usb, through the `usb` package) and virtual devices written here (a CD-ROM serving an ISO,
// a disk serving an image file) implement the same interfaces, so the engine and the device manager never know
// which is which. A backend lists devices and reports hotplug; it is injected into the session.

export type UsbSpeed = 'low' | 'full' | 'high' | 'super' | 'unknown';
export type UsbEndpointType = 'control' | 'iso' | 'bulk' | 'interrupt';

/** Outcome of one transfer, as usbredir reports it to the guest. */
export type UsbTransferStatus = 'ok' | 'stall' | 'ioerror' | 'timeout' | 'babble' | 'cancelled' | 'inval';

export interface UsbTransferResult {
  status: UsbTransferStatus;
  /** IN transfers: the bytes read (at most the requested length). */
  data?: Uint8Array;
  /** OUT transfers: bytes written. */
  written?: number;
}

/** A SETUP packet (USB 2.0 §9.3). bit 7 of requestType = IN. */
export interface UsbSetup {
  requestType: number;
  request: number;
  value: number;
  index: number;
  /** wLength: bytes to read (IN) or the size of `data` (OUT). */
  length: number;
}

export interface UsbEndpointLayout {
  /** bEndpointAddress: number | 0x80 for IN. */
  address: number;
  type: UsbEndpointType;
  maxPacketSize: number;
  /** bInterval as in the descriptor. */
  interval: number;
  interfaceNumber: number;
}

export interface UsbInterfaceLayout {
  number: number;
  /** The active alternate setting. */
  alternate: number;
  class: number;
  subclass: number;
  protocol: number;
}

/** The active configuration as the guest must see it (usbredir interface_info + ep_info). */
export interface UsbDeviceLayout {
  /** bConfigurationValue, 0 = unconfigured. */
  configuration: number;
  interfaces: UsbInterfaceLayout[];
  endpoints: UsbEndpointLayout[];
}

/** Static facts about a device, plain data (the picker shows them; filters check them). */
export interface UsbDeviceDescription {
  /** Stable while the device stays plugged in: "host:BUS-PORTS" for host devices, "cd:1", "disk:2" for virtual ones. */
  key: string;
  kind: 'host' | 'virtual-cd' | 'virtual-disk';
  /** Human readable, already sanitised for terminals and windows. */
  label: string;
  vendorId: number;
  productId: number;
  deviceVersionBcd: number;
  deviceClass: number;
  deviceSubclass: number;
  deviceProtocol: number;
  speed: UsbSpeed;
  manufacturer?: string;
  product?: string;
  serial?: string;
  /** Host devices: bus name and address (lsusb's "Bus 001 Device 004"). */
  bus?: string;
  address?: number;
  /** Interfaces of the active (or first) configuration, for filters. */
  interfaces: { class: number; subclass: number; protocol: number }[];
  /** Any isochronous endpoint in any configuration: such devices cannot be redirected (the `usb` package has no iso). */
  hasIsochronous: boolean;
}

/** Why a device could not be opened or used; `code` decides the message and whether to retry. */
export type UsbDeviceErrorCode =
  'busy' | 'permission' | 'gone' | 'unsupported' | 'io' | 'rejected' | 'no-channel';

export class UsbDeviceError extends Error {
  readonly code: UsbDeviceErrorCode;
  /** What the user can do about it (e.g. the udev rule to add), when there is something. */
  readonly hint: string | undefined;
  constructor(code: UsbDeviceErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'UsbDeviceError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** A device opened for redirection. Transfers never throw: failures are statuses; `gone` devices report ioerror. */
export interface OpenUsbDevice {
  layout(): UsbDeviceLayout;
  control(setup: UsbSetup, data: Uint8Array | null, signal: AbortSignal): Promise<UsbTransferResult>;
  /** IN endpoints: `dataOrLength` is the length to read; OUT: the bytes to write. */
  bulk(endpoint: number, dataOrLength: Uint8Array | number, signal: AbortSignal): Promise<UsbTransferResult>;
  interrupt(
    endpoint: number,
    dataOrLength: Uint8Array | number,
    signal: AbortSignal,
  ): Promise<UsbTransferResult>;
  setConfiguration(value: number): Promise<UsbTransferStatus>;
  setAltSetting(interfaceNumber: number, alternate: number): Promise<UsbTransferStatus>;
  /** Resets the device; rejects with UsbDeviceError('gone') when it did not come back. */
  reset(): Promise<void>;
  /** Releases everything (interfaces, kernel drivers back, handles). Idempotent. */
  close(): Promise<void>;
}

/** A device that can be redirected: its description, and how to open it. */
export interface UsbDeviceSource {
  readonly description: UsbDeviceDescription;
  /** Opens and claims the device; rejects with UsbDeviceError (busy, permission, gone, …). */
  open(): Promise<OpenUsbDevice>;
}

export interface UsbBackendEvents {
  /** A device was plugged in. */
  added(device: UsbDeviceSource): void;
  /** The device with this key was unplugged. */
  removed(key: string): void;
}

/** The host's USB devices. main/usb implements it with the `usb` package; tests may use their own. */
export interface UsbBackend {
  /** The devices now present. Never throws: a machine without USB support gives [] and a notice. */
  list(): Promise<{ devices: UsbDeviceSource[]; notice?: string }>;
  /** Starts hotplug reports; returns a function that stops them. */
  watch(events: UsbBackendEvents): () => void;
}
