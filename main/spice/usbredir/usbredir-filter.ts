// usbredirfilter rules (usbredir's usbredirfilter.h): `class,vendor,product,version,allow|…`, each value decimal,
// 0x-hex or 0-octal (strtol base 0), -1 = any. A device is checked once with its device class (skipped for class
// 0x00 and 0xef) and once per interface class; the first matching rule of each pass decides, a deny anywhere
// denies, and a pass that matches no rule denies (unless `defaultAllow`). Interfaces that are non-boot HID
// (class 3, subclass 0, protocol 0) are skipped on multi-interface devices (e.g. an audio device's volume keys),
// unless that skips every interface.
import { SpiceError } from '../errors';

export interface UsbFilterRule {
  /** 0-255, -1 = any */
  device_class: number;
  /** 0-65535, -1 = any */
  vendor_id: number;
  product_id: number;
  device_version_bcd: number;
  allow: boolean;
}

/** What a filter needs to know about a device. */
export interface UsbFilterSubject {
  device_class: number;
  vendor_id: number;
  product_id: number;
  device_version_bcd: number;
  interfaces: readonly { class: number; subclass: number; protocol: number }[];
}

export type UsbFilterVerdict = 'allow' | 'deny' | 'no-match';

/** spice-gtk's default auto-connect filter: never HID (keyboards, mice), anything else. */
export const DEFAULT_AUTOCONNECT_FILTER = '0x03,-1,-1,-1,0|-1,-1,-1,-1,1';

const MAX_FILTER_CHARS = 64 * 1024;
const MAX_RULES = 1024;

function parseValue(token: string): number | undefined {
  // strtol(token, &end, 0) with *end required to be '\0': leading blanks, sign, 0x / 0 prefixes.
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(token);
  if (!m) return undefined;
  const body = m[2]!;
  const magnitude = /^0[xX]/.test(body)
    ? parseInt(body.slice(2), 16)
    : body.length > 1 && body.startsWith('0')
      ? parseInt(body.slice(1), 8)
      : parseInt(body, 10);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** Parses a filter string; throws SpiceError('config') naming the bad rule. Empty rules are skipped (strtok). */
export function parseUsbFilter(text: string, tokenSep = ',', ruleSep = '|'): UsbFilterRule[] {
  if (text.length > MAX_FILTER_CHARS)
    throw new SpiceError('config', `USB filter is longer than ${MAX_FILTER_CHARS} characters`);
  const rules: UsbFilterRule[] = [];
  for (const rule of splitAny(text, ruleSep)) {
    const tokens = splitAny(rule, tokenSep);
    const values = tokens.map(parseValue);
    const bad = (why: string): SpiceError =>
      new SpiceError(
        'config',
        `bad USB filter rule '${rule}': ${why} (expected class,vendor,product,version,allow with -1 for any, e.g. 0x08,-1,-1,-1,1)`,
      );
    if (tokens.length !== 5) throw bad(`${tokens.length} fields instead of 5`);
    const at = values.findIndex((v) => v === undefined);
    if (at >= 0) throw bad(`'${tokens[at]}' is not a number`);
    const [cls, vendor, product, version, allow] = values as number[];
    if (cls! < -1 || cls! > 255) throw bad('class must be -1 or 0-255');
    for (const v of [vendor!, product!, version!])
      if (v < -1 || v > 0xffff) throw bad('vendor, product and version must be -1 or 0-0xffff');
    rules.push({
      device_class: cls!,
      vendor_id: vendor!,
      product_id: product!,
      device_version_bcd: version!,
      allow: allow !== 0,
    });
    if (rules.length > MAX_RULES)
      throw new SpiceError('config', `USB filter has more than ${MAX_RULES} rules`);
  }
  return rules;
}

function splitAny(text: string, seps: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (seps.includes(ch)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') out.push(cur);
  return out;
}

function hexOrAny(v: number, digits: number): string {
  return v === -1 ? '-1' : `0x${v.toString(16).padStart(digits, '0')}`;
}

/** Rules back to the canonical string form (usbredirfilter_rules_to_string). */
export function formatUsbFilter(rules: readonly UsbFilterRule[]): string {
  return rules
    .map(
      (r) =>
        `${hexOrAny(r.device_class, 2)},${hexOrAny(r.vendor_id, 4)},${hexOrAny(r.product_id, 4)},${hexOrAny(r.device_version_bcd, 4)},${r.allow ? 1 : 0}`,
    )
    .join('|');
}

function checkOne(
  rules: readonly UsbFilterRule[],
  cls: number,
  d: UsbFilterSubject,
  defaultAllow: boolean,
): UsbFilterVerdict | null {
  for (const r of rules) {
    if (
      (r.device_class === -1 || r.device_class === cls) &&
      (r.vendor_id === -1 || r.vendor_id === d.vendor_id) &&
      (r.product_id === -1 || r.product_id === d.product_id) &&
      (r.device_version_bcd === -1 || r.device_version_bcd === d.device_version_bcd)
    )
      return r.allow ? null : 'deny';
  }
  return defaultAllow ? null : 'no-match';
}

export interface UsbFilterCheckOptions {
  /** A pass matching no rule allows instead of denying (usbredirfilter_fl_default_allow). */
  defaultAllow?: boolean;
  /** Check non-boot HID interfaces too (usbredirfilter_fl_dont_skip_non_boot_hid). */
  dontSkipNonBootHid?: boolean;
}

/** usbredirfilter_check: 'allow', 'deny' (a deny rule matched) or 'no-match' (some pass matched nothing). */
export function checkUsbFilter(
  rules: readonly UsbFilterRule[],
  d: UsbFilterSubject,
  options: UsbFilterCheckOptions = {},
): UsbFilterVerdict {
  const defaultAllow = options.defaultAllow ?? false;
  if (d.device_class !== 0x00 && d.device_class !== 0xef) {
    const r = checkOne(rules, d.device_class, d, defaultAllow);
    if (r) return r;
  }
  let skipped = 0;
  for (const i of d.interfaces) {
    if (
      !options.dontSkipNonBootHid &&
      d.interfaces.length > 1 &&
      i.class === 0x03 &&
      i.subclass === 0 &&
      i.protocol === 0
    ) {
      skipped++;
      continue;
    }
    const r = checkOne(rules, i.class, d, defaultAllow);
    if (r) return r;
  }
  if (d.interfaces.length > 0 && skipped === d.interfaces.length)
    return checkUsbFilter(rules, d, { ...options, dontSkipNonBootHid: true });
  return 'allow';
}
