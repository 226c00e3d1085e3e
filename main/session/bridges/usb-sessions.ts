// USB redirection per session, for the session process: builds each session's usbredir feature from the connection
// (.vv enable-usbredir, usb-filter, usb-redirect-on-connect) and the command line (--usb-auto-redirect,
// --usb-redirect-on-connect win over the .vv), and remembers which device manager belongs to which session so the
// USB bridge finds it when the session starts. The host backend is shared by every session of the process.
import type { ConnectionConfig } from '../../spice/connect/config';
import { errorMessage } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import type { UsbBackend } from '../../spice/usbredir/usb-device';
import type { UsbDeviceManager } from '../../spice/usbredir/usb-device-manager';
import {
  usbRedirectionFeature,
  type UsbRedirectionFeature,
} from '../../spice/usbredir/usb-redirection-feature';
import { DEFAULT_AUTOCONNECT_FILTER, parseUsbFilter } from '../../spice/usbredir/usbredir-filter';
import type { UsbLaunchOptions } from './usb-launch-options';

export interface UsbFilters {
  autoConnectFilter: string;
  redirectOnConnectFilter?: string;
  /** Filters from the .vv that do not parse (ignored, reported). */
  problems: string[];
}

/** The filters a session uses: the command line's, else the .vv's, else the default; a bad .vv filter is ignored. */
export function usbFiltersFor(config: ConnectionConfig, launch: UsbLaunchOptions): UsbFilters {
  const problems: string[] = [];
  const valid = (key: string, filter: string | undefined): string | undefined => {
    if (filter === undefined) return undefined;
    try {
      parseUsbFilter(filter);
      return filter;
    } catch (e) {
      problems.push(`${key}: ${errorMessage(e)}; ignored`);
      return undefined;
    }
  };
  const auto = launch.autoRedirect ?? valid('usb-filter', config.usb.filter) ?? DEFAULT_AUTOCONNECT_FILTER;
  const onConnect =
    launch.redirectOnConnect ?? valid('usb-redirect-on-connect', config.usb.redirectOnConnect);
  return {
    autoConnectFilter: auto,
    ...(onConnect !== undefined ? { redirectOnConnectFilter: onConnect } : {}),
    problems,
  };
}

export interface UsbSessionsOptions {
  logger: Logger;
  launch: UsbLaunchOptions;
  /** The host's devices (NodeUsbBackend in the session process); absent = shared images only. */
  backend?: UsbBackend;
}

export class UsbSessions {
  private readonly managers = new WeakMap<object, { manager: UsbDeviceManager; filters: UsbFilters }>();

  constructor(readonly options: UsbSessionsOptions) {}

  /** The usbredir feature for a session of `config`; undefined when the .vv disables USB redirection. */
  featureFor(config: ConnectionConfig): { feature: UsbRedirectionFeature; filters: UsbFilters } | undefined {
    if (config.usb.enableUsbredir === false) return undefined;
    const filters = usbFiltersFor(config, this.options.launch);
    const feature = usbRedirectionFeature({
      logger: this.options.logger,
      ...(this.options.backend ? { backend: this.options.backend } : {}),
      autoConnectFilter: filters.autoConnectFilter,
      ...(filters.redirectOnConnectFilter !== undefined
        ? { redirectOnConnectFilter: filters.redirectOnConnectFilter }
        : {}),
    });
    return { feature, filters };
  }

  /** Records that `session` carries `manager` (the session factory calls it once it built the session). */
  bind(session: object, manager: UsbDeviceManager, filters: UsbFilters): void {
    this.managers.set(session, { manager, filters });
  }

  managerOf(session: object): { manager: UsbDeviceManager; filters: UsbFilters } | undefined {
    return this.managers.get(session);
  }
}
