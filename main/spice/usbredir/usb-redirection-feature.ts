// USB redirection as a session feature: a factory for its usbredir channels and a device manager that owns the
// devices, closed when the session ends. The caller (CLI, session process) injects the host backend and keeps the
// manager (`feature.manager`).
import { UsbredirChannel } from '../channels/usbredir-channel';
import * as E from '../protocol/enums';
import type { SessionFeature } from '../session-feature';
import { UsbDeviceManager, type UsbDeviceManagerOptions } from './usb-device-manager';

export interface UsbRedirectionOptions extends UsbDeviceManagerOptions {
  /** LZ4-compress data sent to the VM when the server accepts it (default true). */
  compress?: boolean;
}

export interface UsbRedirectionFeature extends SessionFeature {
  readonly manager: UsbDeviceManager;
}

export function usbRedirectionFeature(options: UsbRedirectionOptions): UsbRedirectionFeature {
  const manager = new UsbDeviceManager(options);
  return {
    name: 'usbredir',
    manager,
    channels: new Map([
      [
        E.SPICE_CHANNEL_USBREDIR,
        (ctx) => new UsbredirChannel(ctx, manager.channelHooks, { compress: options.compress ?? true }),
      ],
    ]),
    close: () => void manager.close(),
  };
}
