// Bounded, seeded fuzzing of every text parser in connect/ and the host-subject parser: mutated valid inputs
// must either parse or fail with a SpiceError — never another exception, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseProxyUrl } from '../../../main/spice/connect/proxy-url';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { parseHostSubject } from '../../../main/spice/transport/cert-subject';
import { SpiceError } from '../../../main/spice/errors';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const ALPHABET = ':/?&=;#[]@%\\,\n\r \t+-.0123456789abcxyzSPICE\0\u00e9';

function mutate(input: string, random: () => number): string {
  let s = input;
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (s.length + 1));
    const ch = ALPHABET[Math.floor(random() * ALPHABET.length)] ?? '';
    switch (Math.floor(random() * 3)) {
      case 0:
        s = s.slice(0, at) + ch + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      default:
        s = s.slice(0, at) + ch + s.slice(at + 1);
    }
  }
  return s;
}

function fuzz(name: string, seeds: string[], parse: (text: string) => unknown, rounds: number): void {
  void test(`fuzz: ${name}`, () => {
    const random = rng(0x5eed + name.length);
    for (let i = 0; i < rounds; i++) {
      const input = mutate(seeds[i % seeds.length] ?? '', random);
      try {
        parse(input);
      } catch (e) {
        assert.ok(e instanceof SpiceError, `${JSON.stringify(input)} threw ${String(e)}`);
      }
    }
  });
}

fuzz(
  'spice URIs',
  [
    'spice://host:5900',
    'spice+tls://[::1]:5901',
    'spice+unix:///run/vm.sock',
    'spice://h?port=1&tls-port=2&password=a%20b',
  ],
  parseSpiceUri,
  3000,
);
fuzz('proxy URLs', ['http://u:p@proxy:3128', 'http://[::1]:8080/', 'proxy.lan'], parseProxyUrl, 3000);
fuzz(
  'host-subject',
  ['C=IL,O=Red Hat,CN=a\\,b', 'OU=PVE Cluster Node,O=Proxmox,CN=pve1'],
  parseHostSubject,
  3000,
);
fuzz(
  '.vv files',
  [
    '[virt-viewer]\ntype=spice\nhost=h\nport=5900\ntls-port=5901\npassword=x\nsecure-channels=main;display\n' +
      'disable-channels=usbredir\nca=-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----\\n\n' +
      'proxy=http://p:3128\ndelete-this-file=1\nversion=2.0\ncolor-depth=16\ndisable-effects=all\n[ovirt]\nhost=e\nadmin=1\n',
  ],
  (text) => parseVvFile(text),
  3000,
);
