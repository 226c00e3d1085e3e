// The USB launch options (the app's and `saffron web`'s command line → the session process), the filters a session
// uses, and the checks a typed image path passes before it is shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { DEFAULT_AUTOCONNECT_FILTER } from '../../../main/spice/usbredir/usbredir-filter';
import { extractUsbLaunchArgs, isUsbLaunchOptions } from '../../../main/session/bridges/usb-launch-options';
import { usbFiltersFor } from '../../../main/session/bridges/usb-sessions';
import { checkImagePath, normalizeTypedPath } from '../../../main/session/bridges/usb-images';
import { launchTarget, usbLaunchOptions } from '../../../main/app/launch-args';

const MASS_STORAGE = '0x08,-1,-1,-1,1|-1,-1,-1,-1,0';

void test('command line: remote-viewer spellings, --share-disk(-rw), relative paths, the rest untouched', () => {
  const { usb, rest } = extractUsbLaunchArgs(
    [
      'spice://h:5900',
      '--spice-share-cd',
      'a.iso',
      '--share-disk=/img/b.img',
      '--share-disk-rw',
      'c.img',
      `--spice-usbredir-auto-redirect-filter=${MASS_STORAGE}`,
      '--usb-redirect-on-connect',
      '-1,0x0781,-1,-1,1',
      '--listen',
      '127.0.0.1:0',
    ],
    '/home/u',
  );
  assert.deepEqual(rest, ['spice://h:5900', '--listen', '127.0.0.1:0']);
  assert.deepEqual(usb.images, [
    { path: '/home/u/a.iso', imageKind: 'cd', writable: false },
    { path: '/img/b.img', imageKind: 'disk', writable: false },
    { path: '/home/u/c.img', imageKind: 'disk', writable: true },
  ]);
  assert.equal(usb.autoRedirect, MASS_STORAGE);
  assert.equal(usb.redirectOnConnect, '-1,0x0781,-1,-1,1');
  assert.ok(isUsbLaunchOptions({ ...usb, typedImagePaths: false }));
  assert.throws(() => extractUsbLaunchArgs(['--share-disk'], '/'), /needs a value/);
  assert.throws(() => extractUsbLaunchArgs(['--usb-auto-redirect', 'banana'], '/'));
});

void test('the app: a --share-cd value is not taken for the launch target; bad USB options are reported, not fatal', () => {
  assert.deepEqual(launchTarget(['--share-cd', 'boot.vv', 'spice://h:1'], '/u'), {
    kind: 'uri',
    uri: 'spice://h:1',
  });
  const problems: string[] = [];
  assert.deepEqual(
    usbLaunchOptions(['--usb-auto-redirect', 'x'], '/', (p) => problems.push(p)),
    {
      images: [],
      typedImagePaths: false,
    },
  );
  assert.equal(problems.length, 1);
});

void test('filters: the command line beats the .vv, a bad .vv filter is a problem and the default applies', () => {
  const config = parseSpiceUri('spice://h:1');
  config.usb.filter = MASS_STORAGE;
  config.usb.redirectOnConnect = '-1,-1,-1,-1,1';
  const launch = { images: [], typedImagePaths: false };
  assert.deepEqual(usbFiltersFor(config, launch), {
    autoConnectFilter: MASS_STORAGE,
    redirectOnConnectFilter: '-1,-1,-1,-1,1',
    problems: [],
  });
  assert.equal(
    usbFiltersFor(config, { ...launch, autoRedirect: '-1,-1,-1,-1,0' }).autoConnectFilter,
    '-1,-1,-1,-1,0',
  );
  config.usb.filter = 'nonsense';
  const bad = usbFiltersFor(config, launch);
  assert.equal(bad.autoConnectFilter, DEFAULT_AUTOCONNECT_FILTER);
  assert.equal(bad.problems.length, 1);
});

void test('typed image paths: absolute or ~/ only; devices, folders and empty files refused with a hint', async () => {
  assert.equal(normalizeTypedPath('  /a/b.iso ', '/home/u'), '/a/b.iso');
  assert.equal(normalizeTypedPath('~/b.iso', '/home/u'), '/home/u/b.iso');
  assert.equal(normalizeTypedPath('b.iso', '/home/u'), undefined);
  assert.equal(normalizeTypedPath('/a\0b', '/home/u'), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'saffron-usb-path-'));
  try {
    const empty = join(dir, 'empty.iso');
    writeFileSync(empty, '');
    const ok = join(dir, 'ok.iso');
    writeFileSync(ok, Buffer.alloc(2048));
    const cd = { imageKind: 'cd' as const, writable: false };
    const where = 'this computer' as const;
    assert.deepEqual(await checkImagePath(ok, cd, where), { ok: true, path: ok });
    for (const [path, pattern] of [
      ['/dev/null', /not a regular file/],
      [dir, /is a folder/],
      [empty, /is empty/],
      [join(dir, 'nope.iso'), /does not exist/],
    ] as const) {
      const r = await checkImagePath(path, cd, where);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.message, pattern);
      assert.ok(r.ok || r.hint, `${path}: a hint`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
