// What the USB picker shows, from one 'usb-state' message: the summary line, a row per host device and per shared
// image (label, ids, state, toggle, error with what to do, the fixes offered) and how an image may be added.
// Plain data, no DOM: unit-tested under Node, rendered by usb-picker.ts.
import type { UsbDeviceEntry, UsbStateMessage } from '../../shared/session-contract';
import { hotkeyLabel } from '../../shared/spice-hotkey';
import { usbText } from './strings';

export interface UsbRowModel {
  key: string;
  label: string;
  /** "0781:5567", plus the image kind for images. */
  detail: string;
  stateText: string;
  /** The toggle: on = shared (or wanted, for images). */
  checked: boolean;
  /** The toggle cannot be used (not redirectable, no session for host devices, a transition under way). */
  disabled: boolean;
  state: UsbDeviceEntry['state'];
  autoShare: boolean;
  /** Shown in place of the error when the device can never be shared. */
  reason?: string;
  error?: { code: string; message: string; hint?: string; fixLabel?: string };
  /** Images: the path, and "Stop sharing" is offered. */
  path?: string;
}

export interface UsbPickerModel {
  summary: string;
  notice?: string;
  autoShare: boolean;
  hostTitle: string;
  hostRows: UsbRowModel[];
  imageRows: UsbRowModel[];
  add: { mode: 'path' | 'dialog' | 'none'; pathLabel: string };
  resetLabel: string;
  /** Reset makes sense: something is shared with the VM. */
  canReset: boolean;
  hotkey: string;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function row(d: UsbDeviceEntry, session: boolean): UsbRowModel {
  const image = d.kind !== 'host';
  const kindText =
    d.kind === 'cd'
      ? usbText('usb.image.cd')
      : d.writable
        ? usbText('usb.image.disk-rw')
        : usbText('usb.image.disk');
  const waiting = image && d.shared === true && d.state === 'available';
  const r: UsbRowModel = {
    key: d.key,
    label: d.label,
    detail: image
      ? `${kindText} · ${hex4(d.vendorId)}:${hex4(d.productId)}`
      : `${hex4(d.vendorId)}:${hex4(d.productId)}`,
    stateText: waiting ? usbText('usb.state.wanted') : usbText(`usb.state.${d.state}`),
    checked: image ? d.shared === true : d.state === 'connected' || d.state === 'connecting',
    disabled:
      !d.redirectable || d.state === 'connecting' || d.state === 'disconnecting' || (!image && !session),
    state: d.state,
    autoShare: d.autoShare,
  };
  if (!d.redirectable) r.reason = usbText('usb.not-redirectable', { reason: d.reason ?? '' });
  if (d.path !== undefined) r.path = d.path;
  if (d.error)
    r.error = {
      code: d.error.code,
      message: d.error.message,
      ...(d.error.hint !== undefined ? { hint: d.error.hint } : {}),
      ...(d.error.fix === 'udev-rule' ? { fixLabel: usbText('usb.fix.udev-rule') } : {}),
    };
  return r;
}

export function pickerModel(state: UsbStateMessage, shell: 'electron' | 'web'): UsbPickerModel {
  const session = state.availability === 'ready' || state.availability === 'waiting';
  const where = shell === 'web' ? usbText('usb.where.web') : usbText('usb.where.electron');
  const hotkey = hotkeyLabel(state.resetHotkey);
  return {
    summary: usbText(`usb.availability.${state.availability}`, {
      free: state.channels.free,
      total: state.channels.total,
    }),
    ...(state.notice !== undefined ? { notice: state.notice } : {}),
    autoShare: state.autoShare,
    hostTitle: usbText('usb.section.host', { where }),
    hostRows: state.devices.filter((d) => d.kind === 'host').map((d) => row(d, session)),
    imageRows: state.devices.filter((d) => d.kind !== 'host').map((d) => row(d, session)),
    add: { mode: state.imageSource, pathLabel: usbText('usb.add.path-label', { where }) },
    resetLabel: usbText('usb.reset', { hotkey }),
    canReset: state.devices.some((d) => d.state === 'connected'),
    hotkey,
  };
}
