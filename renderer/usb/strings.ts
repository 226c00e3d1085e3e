// The USB picker's user-facing strings: an English table with stable ids and {name} placeholders, until the
// catalogue of the UI redesign (issue 18) takes them over.
export const USB_STRINGS = {
  'usb.title': 'USB devices',
  'usb.toolbar-button': 'USB',
  'usb.toolbar-tooltip': 'Share USB devices and images with the VM ({hotkey} resets them)',
  'usb.close': 'Close',
  'usb.availability.idle': 'Connect to a VM to share USB devices with it.',
  'usb.availability.disabled': 'USB redirection is turned off for this connection (enable-usbredir=0).',
  'usb.availability.waiting': 'Waiting for the VM’s USB redirection channels…',
  'usb.availability.ready': '{free} of {total} USB redirection channels free.',
  'usb.availability.no-channels':
    'This VM has no USB redirection channel. Add one (libvirt: <redirdev bus="usb" type="spicevmc"/>; QEMU: -device usb-redir with a spicevmc chardev).',
  'usb.auto-share': 'Share devices plugged in while this window has focus',
  'usb.section.host': 'Devices on {where}',
  'usb.section.images': 'Shared images',
  'usb.where.web': 'the machine running saffron web',
  'usb.where.electron': 'this computer',
  'usb.no-host-devices': 'No USB devices found.',
  'usb.no-images': 'No images shared.',
  'usb.state.available': 'Not shared',
  'usb.state.connecting': 'Connecting…',
  'usb.state.connected': 'Shared with the VM',
  'usb.state.disconnecting': 'Giving back…',
  'usb.state.wanted': 'Shared when a channel is free',
  'usb.share-toggle': 'Share {label} with the VM',
  'usb.not-redirectable': 'Cannot be shared: {reason}',
  'usb.auto-share-badge': 'auto',
  'usb.auto-share-badge-tooltip': 'The auto-share filter allows this device',
  'usb.image.cd': 'CD-ROM',
  'usb.image.disk': 'Disk',
  'usb.image.disk-rw': 'Disk (writable)',
  'usb.image.remove': 'Stop sharing',
  'usb.fix.udev-rule': 'Install udev rule…',
  'usb.add.title': 'Share an ISO/disk image',
  'usb.add.path-label': 'Path on {where}',
  'usb.add.path-placeholder': '/home/you/debian.iso',
  'usb.add.kind-cd': 'as a CD-ROM (ISO)',
  'usb.add.kind-disk': 'as a disk',
  'usb.add.writable': 'The VM may write to it',
  'usb.add.share': 'Share',
  'usb.add.choose-cd': 'Share an ISO image…',
  'usb.add.choose-disk': 'Share a disk image…',
  'usb.add.none':
    'Images can be shared from saffron web’s command line (--share-cd FILE, --share-disk FILE), or by typing a path when it listens on a loopback address.',
  'usb.add.empty-path': 'Type the full path of an image file.',
  'usb.reset': 'Reset shared devices ({hotkey})',
} as const;

export type UsbStringId = keyof typeof USB_STRINGS;

/** The string `id` with its {name} placeholders filled in (missing ones stay visible, never "undefined"). */
export function usbText(id: UsbStringId, params: Record<string, string | number> = {}): string {
  return USB_STRINGS[id].replace(/\{([a-z]+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
