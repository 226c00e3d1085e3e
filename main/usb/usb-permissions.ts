// What to tell the user when the OS will not let us open a USB device, per OS, and the Linux udev rule (with the
// pkexec command line the app offers as a one-click "install rule"). Plain data; no USB access here.

/** process.platform values; 'linux', 'win32' and 'darwin' get specific advice. */
export type UsbPlatform = string;

export const UDEV_RULE_PATH = '/etc/udev/rules.d/70-saffron-usb.rules';

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * A udev rule granting the logged-in user (uaccess, via systemd-logind) access to one device model, or to every
 * USB device when no ids are given.
 */
export function udevRule(ids?: { vendorId: number; productId: number }): string {
  const match = ids
    ? `, ATTR{idVendor}=="${hex4(ids.vendorId)}", ATTR{idProduct}=="${hex4(ids.productId)}"`
    : '';
  return `SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device"${match}, TAG+="uaccess"`;
}

/**
 * The command the app runs (after asking) to install the rule: pkexec shows the OS's own password prompt; the
 * rule text is passed as an argument, never through a shell.
 */
export function udevInstallCommand(rule: string, path = UDEV_RULE_PATH): { file: string; args: string[] } {
  const script =
    'printf "%s\\n" "$1" >> "$2" && udevadm control --reload-rules && udevadm trigger --subsystem-match=usb';
  return { file: 'pkexec', args: ['/bin/sh', '-c', script, 'saffron-udev', rule, path] };
}

/** The message for a device the OS would not open. */
export function permissionHint(
  platform: UsbPlatform,
  device: { vendorId: number; productId: number; label: string },
): string {
  switch (platform) {
    case 'linux':
      return (
        `Linux does not let this user open ${device.label} (/dev/bus/usb). Add a udev rule, e.g. in ${UDEV_RULE_PATH}:\n` +
        `  ${udevRule(device)}\n` +
        'then run: sudo udevadm control --reload-rules && sudo udevadm trigger (or unplug and replug the device). ' +
        'The desktop app can install this rule for you (it asks for your password through pkexec).'
      );
    case 'win32':
      return (
        `Windows has no WinUSB driver bound to ${device.label}. Install it with Zadig (https://zadig.akeo.ie): ` +
        `pick the device (${hex4(device.vendorId)}:${hex4(device.productId)}), choose WinUSB, Replace Driver. ` +
        'The device then works only through WinUSB programs until you restore its driver in Device Manager.'
      );
    case 'darwin':
      return (
        `macOS keeps ${device.label} for its own driver. Redirection works for devices without a macOS driver ` +
        '(vendor-specific devices); for others (storage, keyboards) macOS only releases the device to a program ' +
        'running as root or signed with the USB capture entitlement — run Saffron with sudo, or eject the device ' +
        'in Finder first for storage devices.'
      );
    default:
      return `The operating system refused access to ${device.label}; check the device permissions.`;
  }
}

/** The message for a device another program (or an OS driver that would not let go) holds. */
export function busyHint(platform: UsbPlatform, label: string): string {
  if (platform === 'linux')
    return `${label} is in use by another program (or a kernel driver that cannot be detached); close it and try again.`;
  if (platform === 'win32') return `${label} is in use by another program; close it and try again.`;
  return `${label} is in use (by another program or the OS); close it or eject it and try again.`;
}
