// usbredirfilter rules: parsing as usbredirfilter_string_to_rules (strtol base 0, empty rules skipped), the
// canonical string form, and usbredirfilter_check's passes (device class, interfaces, non-boot HID skipping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_AUTOCONNECT_FILTER,
  checkUsbFilter,
  formatUsbFilter,
  parseUsbFilter,
  type UsbFilterSubject,
} from '../../../main/spice/usbredir/usbredir-filter';

const dev = (over: Partial<UsbFilterSubject> = {}): UsbFilterSubject => ({
  device_class: 0,
  vendor_id: 0x0781,
  product_id: 0x5567,
  device_version_bcd: 0x0100,
  interfaces: [{ class: 8, subclass: 6, protocol: 0x50 }],
  ...over,
});

void test('parses decimal, hex, octal and -1, skipping empty rules', () => {
  const rules = parseUsbFilter('|0x08,-1,0x0781,010,1||3,-1,-1,-1,0|');
  assert.deepEqual(rules, [
    { device_class: 8, vendor_id: -1, product_id: 0x781, device_version_bcd: 8, allow: true },
    { device_class: 3, vendor_id: -1, product_id: -1, device_version_bcd: -1, allow: false },
  ]);
  assert.equal(formatUsbFilter(rules), '0x08,-1,0x0781,0x0008,1|0x03,-1,-1,-1,0');
  assert.deepEqual(parseUsbFilter(formatUsbFilter(rules)), rules);
  assert.deepEqual(parseUsbFilter(''), []);
});

void test('bad rules are refused with the rule named', () => {
  for (const bad of [
    '8,-1,-1,1',
    '8,-1,-1,-1,1,1',
    '0x,-1,-1,-1,1',
    '256,-1,-1,-1,1',
    '8,0x10000,-1,-1,1',
    '8,-2,-1,-1,1',
    'a,b,c,d,e',
    '8,-1,-1,-1,1x',
  ]) {
    assert.throws(
      () => parseUsbFilter(bad),
      (e: Error) => e.message.includes(`'${bad}'`),
      bad,
    );
  }
});

void test('the default auto-connect filter never shares HID and shares everything else', () => {
  const rules = parseUsbFilter(DEFAULT_AUTOCONNECT_FILTER);
  assert.equal(checkUsbFilter(rules, dev()), 'allow');
  assert.equal(checkUsbFilter(rules, dev({ interfaces: [{ class: 3, subclass: 1, protocol: 2 }] })), 'deny');
  assert.equal(checkUsbFilter(rules, dev({ device_class: 3, interfaces: [] })), 'deny');
});

void test('a device matching no rule is denied (no-match), and any deny wins', () => {
  const rules = parseUsbFilter('0x08,-1,-1,-1,1');
  assert.equal(checkUsbFilter(rules, dev()), 'allow');
  assert.equal(
    checkUsbFilter(rules, dev({ interfaces: [{ class: 0xff, subclass: 0, protocol: 0 }] })),
    'no-match',
  );
  assert.equal(
    checkUsbFilter(rules, dev({ interfaces: [{ class: 0xff, subclass: 0, protocol: 0 }] }), {
      defaultAllow: true,
    }),
    'allow',
  );
  const two = dev({
    interfaces: [
      { class: 8, subclass: 6, protocol: 0x50 },
      { class: 0xe0, subclass: 1, protocol: 1 },
    ],
  });
  assert.equal(checkUsbFilter(parseUsbFilter('0xe0,-1,-1,-1,0|-1,-1,-1,-1,1'), two), 'deny');
});

void test('device class 0x00/0xef is not checked; other device classes are', () => {
  const denyVendor = parseUsbFilter('0xff,-1,-1,-1,0|-1,-1,-1,-1,1');
  assert.equal(checkUsbFilter(denyVendor, dev({ device_class: 0xef })), 'allow');
  assert.equal(checkUsbFilter(denyVendor, dev({ device_class: 0xff })), 'deny');
});

void test('non-boot HID interfaces of multi-interface devices are skipped, unless all are', () => {
  const noHid = parseUsbFilter('0x03,-1,-1,-1,0|-1,-1,-1,-1,1');
  const audioWithKeys = dev({
    interfaces: [
      { class: 1, subclass: 1, protocol: 0 },
      { class: 3, subclass: 0, protocol: 0 },
    ],
  });
  assert.equal(checkUsbFilter(noHid, audioWithKeys), 'allow');
  assert.equal(checkUsbFilter(noHid, audioWithKeys, { dontSkipNonBootHid: true }), 'deny');
  const onlyHid = dev({
    interfaces: [
      { class: 3, subclass: 0, protocol: 0 },
      { class: 3, subclass: 0, protocol: 0 },
    ],
  });
  assert.equal(checkUsbFilter(noHid, onlyHid), 'deny');
});
