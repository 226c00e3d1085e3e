// USB options given on a command line, as plain data: the app's remote-viewer-style options (`--share-cd FILE`,
// `--usb-redirect-on-connect FILTER`, `--usb-auto-redirect FILTER`, and spice-gtk's long spellings) are taken out of
// an argv, filters are checked here so a typo is reported before connecting.
import { SpiceError } from '../errors';
import { parseUsbFilter } from './usbredir-filter';

export interface UsbAppOptions {
  shareCd: string[];
  redirectOnConnect?: string;
  autoRedirect?: string;
}

const NAMES: Record<string, keyof UsbAppOptions> = {
  'share-cd': 'shareCd',
  'spice-share-cd': 'shareCd',
  'usb-redirect-on-connect': 'redirectOnConnect',
  'spice-usbredir-redirect-on-connect': 'redirectOnConnect',
  'usb-auto-redirect': 'autoRedirect',
  'spice-usbredir-auto-redirect-filter': 'autoRedirect',
};

/** Takes the USB options out of `argv`; returns them and the other arguments. Throws SpiceError('config'). */
export function extractUsbAppOptions(argv: readonly string[]): { usb: UsbAppOptions; rest: string[] } {
  const usb: UsbAppOptions = { shareCd: [] };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const field = m ? NAMES[m[1]!] : undefined;
    if (!m || !field) {
      rest.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') throw new SpiceError('config', `option --${m[1]} needs a value`);
    if (field === 'shareCd') usb.shareCd.push(value);
    else {
      parseUsbFilter(value);
      usb[field] = value;
    }
  }
  return { usb, rest };
}
