// The one hook that puts USB redirection into a session: a factory for its usbredir channels and a device manager
// that owns the devices. The caller (CLI, session process) injects the host backend and keeps the manager.
import { UsbredirChannel } from '../channels/usbredir-channel';
import * as E from '../protocol/enums';
import type { SpiceSession } from '../session';
import { UsbDeviceManager, type UsbDeviceManagerOptions } from './usb-device-manager';

export interface UsbRedirectionOptions extends UsbDeviceManagerOptions {
  /** LZ4-compress data sent to the VM when the server accepts it (default true). */
  compress?: boolean;
}

export function installUsbRedirection(
  session: SpiceSession,
  options: UsbRedirectionOptions,
): UsbDeviceManager {
  const manager = new UsbDeviceManager(options);
  session.registerChannelFactory(
    E.SPICE_CHANNEL_USBREDIR,
    (ctx) => new UsbredirChannel(ctx, manager.channelHooks, { compress: options.compress ?? true }),
  );
  session.onDispose(() => {
    void manager.close();
  });
  return manager;
}
