import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VV_KEYS,
  checkVvVersion,
  compareBuildId,
  loadVvFile,
  parseVvFile,
} from '../../../main/spice/connect/vv-file';
import type { ConnectionConfig } from '../../../main/spice/connect/config';
import { SpiceError } from '../../../main/spice/errors';
import {
  SPICE_CHANNEL_DISPLAY,
  SPICE_CHANNEL_INPUTS,
  SPICE_CHANNEL_MAIN,
  SPICE_CHANNEL_USBREDIR,
} from '../../../main/spice/protocol/enums';

const BASE = '[virt-viewer]\ntype=spice\nhost=vm.example\nport=5900\n';
const PEM = '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n';

const isUnsupported = (c: ConnectionConfig, key: string): boolean => c.unsupported.some((u) => u.key === key);

/** One row per [virt-viewer] key: the line to add (replacing BASE's own line for that key) and a check. */
const rows: Record<(typeof VV_KEYS)[number], [string, (c: ConnectionConfig) => void]> = {
  type: ['type=SPICE', (c) => assert.equal(c.host, 'vm.example')],
  version: ['version=2.0-1', (c) => assert.deepEqual(c.version, { required: '2.0-1' })],
  versions: [
    'versions=debian12:3.0;win10:4.0',
    (c) => assert.ok(c.notes.some((n) => n.includes('versions='))),
  ],
  'newer-version-url': [
    'version=99.0\nnewer-version-url=https://example/get',
    (c) => {
      assert.equal(c.version?.newerVersionUrl, 'https://example/get');
      assert.throws(
        () => checkVvVersion(c),
        /at least remote-viewer version 99\.0.*see https:\/\/example\/get/,
      );
    },
  ],
  'unix-path': [
    'unix-path=/run/vm.sock',
    (c) => {
      assert.equal(c.unixPath, '/run/vm.sock');
      assert.equal(c.port, undefined);
    },
  ],
  host: ['host=[::1]', (c) => assert.equal(c.host, '::1')],
  port: ['port=5999', (c) => assert.equal(c.port, 5999)],
  'tls-port': ['tls-port=61000', (c) => assert.equal(c.tlsPort, 61000)],
  username: [
    'username=alice',
    (c) => {
      assert.equal(c.username, 'alice');
      assert.ok(isUnsupported(c, 'username'));
    },
  ],
  password: ['password=s3cret;x\\s', (c) => assert.equal(c.password, 's3cret;x ')],
  'disable-channels': [
    'disable-channels=usbredir;INPUTS;bogus',
    (c) => {
      assert.deepEqual(c.disableChannels, [SPICE_CHANNEL_USBREDIR, SPICE_CHANNEL_INPUTS]);
      assert.ok(c.unsupported.some((u) => u.key === 'disable-channels' && u.reason.includes('bogus')));
    },
  ],
  'tls-ciphers': ['tls-ciphers=HIGH:!aNULL', (c) => assert.equal(c.tlsCiphers, 'HIGH:!aNULL')],
  ca: [
    `ca=${PEM}`,
    (c) => assert.equal(c.ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'),
  ],
  'host-subject': [
    'host-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1',
    (c) => assert.equal(c.hostSubject, 'OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1'),
  ],
  fullscreen: ['fullscreen=1', (c) => assert.equal(c.fullscreen, true)],
  title: ['title=VM 100 - web', (c) => assert.equal(c.title, 'VM 100 - web')],
  'toggle-fullscreen': [
    'toggle-fullscreen=Shift+F11',
    (c) => assert.equal(c.hotkeys.toggleFullscreen, 'Shift+F11'),
  ],
  'release-cursor': ['release-cursor=Ctrl+Alt+R', (c) => assert.equal(c.hotkeys.releaseCursor, 'Ctrl+Alt+R')],
  'zoom-in': ['zoom-in=ctrl+plus', (c) => assert.equal(c.hotkeys.zoomIn, 'ctrl+plus')],
  'zoom-out': ['zoom-out=ctrl+minus', (c) => assert.equal(c.hotkeys.zoomOut, 'ctrl+minus')],
  'zoom-reset': ['zoom-reset=ctrl+0', (c) => assert.equal(c.hotkeys.zoomReset, 'ctrl+0')],
  'smartcard-insert': [
    'smartcard-insert=shift+f8',
    (c) => assert.equal(c.hotkeys.smartcardInsert, 'shift+f8'),
  ],
  'smartcard-remove': [
    'smartcard-remove=shift+f9',
    (c) => assert.equal(c.hotkeys.smartcardRemove, 'shift+f9'),
  ],
  'secure-attention': [
    'secure-attention=Ctrl+Alt+Ins',
    (c) => assert.equal(c.hotkeys.secureAttention, 'Ctrl+Alt+Ins'),
  ],
  'usb-device-reset': [
    'usb-device-reset=ctrl+shift+r',
    (c) => assert.equal(c.hotkeys.usbDeviceReset, 'ctrl+shift+r'),
  ],
  'enable-smartcard': [
    'enable-smartcard=1',
    (c) => {
      assert.equal(c.enableSmartcard, true);
      assert.ok(isUnsupported(c, 'enable-smartcard'));
    },
  ],
  'enable-usbredir': [
    'enable-usbredir=1',
    (c) => {
      assert.equal(c.usb.enableUsbredir, true);
      assert.ok(isUnsupported(c, 'enable-usbredir'));
    },
  ],
  'enable-usb-autoshare': ['enable-usb-autoshare=1', (c) => assert.equal(c.usb.autoshare, true)],
  'usb-filter': [
    'usb-filter=-1,-1,-1,-1,0',
    (c) => {
      assert.equal(c.usb.filter, '-1,-1,-1,-1,0');
      assert.ok(isUnsupported(c, 'usb-filter'));
    },
  ],
  'usb-redirect-on-connect': [
    'usb-redirect-on-connect=0x03,-1,-1,-1,1',
    (c) => assert.equal(c.usb.redirectOnConnect, '0x03,-1,-1,-1,1'),
  ],
  'color-depth': [
    'color-depth=16',
    (c) => {
      assert.equal(c.colorDepth, 16);
      assert.ok(isUnsupported(c, 'color-depth'));
    },
  ],
  'disable-effects': [
    'disable-effects=wallpaper;font-smooth;sparkles',
    (c) => {
      assert.deepEqual(c.disableEffects, ['wallpaper', 'font-smooth']);
      assert.ok(c.unsupported.some((u) => u.key === 'disable-effects' && u.reason.includes('sparkles')));
    },
  ],
  'secure-channels': [
    'secure-channels=main;display',
    (c) => assert.deepEqual(c.secureChannels, [SPICE_CHANNEL_MAIN, SPICE_CHANNEL_DISPLAY]),
  ],
  'delete-this-file': ['delete-this-file=1', (c) => assert.equal(c.deleteThisFile, true)],
  proxy: [
    'proxy=http://user:pw@proxy.example:3128',
    (c) =>
      assert.deepEqual(c.proxy, {
        scheme: 'http',
        host: 'proxy.example',
        port: 3128,
        username: 'user',
        password: 'pw',
      }),
  ],
};

function withLine(line: string): string {
  const key = line.split('=')[0] ?? '';
  const base = BASE.split('\n')
    .filter((l) => !l.startsWith(`${key}=`) && !(key === 'unix-path' && /^(host|port)=/.test(l)))
    .join('\n');
  return `${base}\n${line}\n`;
}

void test('the table covers every remote-viewer key', () => {
  assert.deepEqual(Object.keys(rows).sort(), [...VV_KEYS].sort());
});

for (const [key, [line, check]] of Object.entries(rows)) {
  void test(`key ${key}`, () => {
    const config = parseVvFile(withLine(line));
    check(config);
    // no known key is ever reported as unknown
    assert.ok(!config.unsupported.some((u) => u.reason === 'unknown key ignored' && u.key === key));
  });
}

void test('secure-channels=all; secure-channels is case-insensitive', () => {
  assert.equal(parseVvFile(withLine('secure-channels=all')).secureChannels, 'all');
  assert.deepEqual(parseVvFile(withLine('secure-channels=Main;')).secureChannels, [SPICE_CHANNEL_MAIN]);
});

void test('capabilities silence what the caller implements', () => {
  const c = parseVvFile(withLine('enable-usbredir=1\nusb-filter=-1,-1,-1,-1,1\nenable-smartcard=1'), {
    capabilities: { usbredir: true, smartcard: true },
  });
  assert.deepEqual(c.unsupported, []);
});

void test('ports of -1/0 mean "none"', () => {
  const c = parseVvFile('[virt-viewer]\ntype=spice\nhost=h\nport=-1\ntls-port=5901\n');
  assert.equal(c.port, undefined);
  assert.equal(c.tlsPort, 5901);
});

void test('unknown keys are reported, x- keys and [ovirt] handled', () => {
  const c = parseVvFile(
    `${BASE}frobnicate=1\nx-vendor=2\n[ovirt]\nhost=engine.example\nvm-guid=1234\njsessionid=abc\nsso-token=tok\nca=${PEM}\nadmin=1\nmystery=3\n`,
  );
  assert.ok(c.unsupported.some((u) => u.key === 'frobnicate' && u.reason === 'unknown key ignored'));
  assert.ok(!c.unsupported.some((u) => u.key === 'x-vendor'));
  assert.deepEqual(c.ovirt, {
    host: 'engine.example',
    vmGuid: '1234',
    jsessionid: 'abc',
    ssoToken: 'tok',
    ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    admin: true,
  });
  assert.ok(isUnsupported(c, '[ovirt]'));
  assert.ok(isUnsupported(c, '[ovirt] mystery'));
});

void test('a Proxmox file with CRLF line ends', () => {
  const text = [
    '[virt-viewer]',
    'secure-attention=Ctrl+Alt+Ins',
    'delete-this-file=1',
    'proxy=http://pve1.example.com:3128',
    'type=spice',
    'toggle-fullscreen=Shift+F11',
    'release-cursor=Ctrl+Alt+R',
    'host-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example.com',
    'tls-port=61000',
    'title=VM 100 - web',
    'password=ticket123',
    `ca=${PEM}`,
    'host=pvespiceproxy:65f0c0de:100:pve1::0123456789abcdef0123456789abcdef01234567',
    '',
  ].join('\r\n');
  const c = parseVvFile(text);
  assert.equal(c.host, 'pvespiceproxy:65f0c0de:100:pve1::0123456789abcdef0123456789abcdef01234567');
  assert.equal(c.tlsPort, 61000);
  assert.equal(c.port, undefined);
  assert.equal(c.password, 'ticket123');
  assert.equal(c.deleteThisFile, true);
  assert.deepEqual(c.proxy, { scheme: 'http', host: 'pve1.example.com', port: 3128 });
  assert.ok(c.ca?.endsWith('-----END CERTIFICATE-----\n'));
  assert.deepEqual(c.unsupported, []);
});

const malformed: [string, string, RegExp][] = [
  ['empty file', '', /\[virt-viewer\] group is missing/],
  ['no [virt-viewer] group', '[other]\ntype=spice\n', /\[virt-viewer\] group is missing/],
  ['no type', '[virt-viewer]\nhost=h\nport=1\n', /'type' is missing/],
  ['vnc', '[virt-viewer]\ntype=vnc\nhost=h\nport=1\n', /VNC/],
  ['ovirt type', '[virt-viewer]\ntype=ovirt\n', /oVirt REST API/],
  ['unknown type', '[virt-viewer]\ntype=rdp\n', /unknown connection type 'rdp'/],
  ['no host', '[virt-viewer]\ntype=spice\nport=1\n', /neither host nor unix-path/],
  ['no port', '[virt-viewer]\ntype=spice\nhost=h\n', /neither port nor tls-port/],
  [
    'port not a number',
    '[virt-viewer]\ntype=spice\nhost=h\nport=59OO\n',
    /'port' \('59OO'\) is not a number/,
  ],
  ['port too large', '[virt-viewer]\ntype=spice\nhost=h\nport=70000\n', /port=70000 is not a port number/],
  ['bad boolean', `${BASE}fullscreen=yes\n`, /'fullscreen' \('yes'\) is not a number/],
  ['bad escape', `${BASE}password=a\\qb\n`, /invalid escape/],
  ['bad ca', `${BASE}ca=not a pem\n`, /'ca' does not contain a PEM/],
  ['bad proxy', `${BASE}proxy=socks5://p:1080\n`, /unsupported scheme/],
  ['bad color depth', `${BASE}color-depth=24\n`, /color-depth=24 must be 16 or 32/],
  ['disable all channels', `${BASE}disable-channels=all\n`, /disable every channel/],
  ['empty hotkey', `${BASE}zoom-in=\n`, /hotkey 'zoom-in' is empty/],
  ['garbage line', `${BASE}this is not ini\n`, /line 5: .* is not a key=value pair/],
  ['binary', '\0\x01\x02', /NUL/],
];
for (const [name, text, re] of malformed) {
  void test(`malformed: ${name}`, () => {
    assert.throws(
      () => parseVvFile(text),
      (e: unknown) => e instanceof SpiceError && e.code === 'config' && re.test(e.message),
    );
  });
}

void test('compareBuildId like virt_viewer_compare_buildid', () => {
  assert.equal(compareBuildId('1.1-1', '1.0-1'), 1);
  assert.equal(compareBuildId('1.0-2', '1.0-1'), 1);
  assert.equal(compareBuildId('1.10', '1.7'), 1);
  assert.equal(compareBuildId('2.0', '11.0'), -1);
  assert.equal(compareBuildId('11.0', '11.0'), 0);
  assert.equal(compareBuildId('11', '11.0'), 0);
  assert.equal(compareBuildId('1.0rc1', '1.0'), undefined);
  assert.doesNotThrow(() => checkVvVersion(parseVvFile(withLine('version=2.0'))));
  assert.doesNotThrow(() => checkVvVersion(parseVvFile(withLine('version=banana'))));
  assert.throws(
    () => checkVvVersion(parseVvFile(withLine('version=11.1'))),
    /at least remote-viewer version 11\.1/,
  );
});

void test('loadVvFile deletes per delete-this-file unless VIRT_VIEWER_KEEP_FILE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-vv-'));
  try {
    const path = join(dir, 'console.vv');
    writeFileSync(path, `${BASE}delete-this-file=1\n`);
    const kept = await loadVvFile(path, { env: { VIRT_VIEWER_KEEP_FILE: '1' } });
    assert.ok(existsSync(path));
    assert.ok(kept.notes.some((n) => n.includes('VIRT_VIEWER_KEEP_FILE')));
    const c = await loadVvFile(path, { env: {} });
    assert.equal(c.port, 5900);
    assert.ok(!existsSync(path), 'file deleted');
    await assert.rejects(loadVvFile(path, { env: {} }), /no such file .*can be opened only once/);

    // not deleted when it does not ask, nor when it does not parse
    writeFileSync(path, BASE);
    await loadVvFile(path, { env: {} });
    assert.ok(existsSync(path));
    writeFileSync(path, '[virt-viewer]\ndelete-this-file=1\n');
    await assert.rejects(loadVvFile(path, { env: {} }), (e: unknown) => {
      assert.ok(e instanceof SpiceError && e.message.startsWith(`${path}: invalid connection file`));
      return true;
    });
    assert.ok(existsSync(path));

    // deleted even when the version check then fails (as remote-viewer does)
    writeFileSync(path, `${BASE}delete-this-file=1\nversion=999\n`);
    await assert.rejects(loadVvFile(path, { env: {} }), /version 999/);
    assert.ok(!existsSync(path));

    await assert.rejects(loadVvFile(dir, { env: {} }), /is not a file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
