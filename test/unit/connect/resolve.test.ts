import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTarget } from '../../../main/spice/connect/resolve';
import { describeConfig, redactConfig, withoutSecrets } from '../../../main/spice/connect/config';
import { SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_MAIN } from '../../../main/spice/protocol/enums';

void test('URI with overrides; SPICE_PROXY applies when nothing else sets a proxy', async () => {
  const c = await resolveTarget('spice://h:5900', {
    password: 'pw',
    env: { SPICE_PROXY: 'http://envproxy:8080' },
    caFile: '/tmp/ca.pem',
    hostSubject: 'CN=h',
    secureChannels: [SPICE_CHANNEL_MAIN],
  });
  assert.equal(c.password, 'pw');
  assert.deepEqual(c.proxy, { scheme: 'http', host: 'envproxy', port: 8080 });
  assert.equal(c.caFile, '/tmp/ca.pem');
  assert.equal(c.hostSubject, 'CN=h');
  assert.deepEqual(c.secureChannels, [SPICE_CHANNEL_MAIN]);
  assert.equal(describeConfig(c), 'h:5900 via proxy envproxy:8080');
});

void test('precedence: option > .vv proxy > SPICE_PROXY; empty option disables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-resolve-'));
  try {
    const path = join(dir, 'c.vv');
    writeFileSync(
      path,
      '[virt-viewer]\ntype=spice\nhost=h\ntls-port=5901\nproxy=http://fileproxy:3128\nsecure-channels=display\n',
    );
    const env = { SPICE_PROXY: 'envproxy:1' };
    assert.equal((await resolveTarget(path, { env }))?.proxy?.host, 'fileproxy');
    assert.equal((await resolveTarget(path, { env, proxy: 'http://cli:9' })).proxy?.host, 'cli');
    assert.equal((await resolveTarget(path, { env, proxy: '' })).proxy, undefined);
    const merged = await resolveTarget(path, { env, secureChannels: [SPICE_CHANNEL_MAIN] });
    assert.deepEqual(merged.secureChannels, [SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_MAIN]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('other URL schemes are refused clearly', async () => {
  await assert.rejects(resolveTarget('vnc://h:5900', { env: {} }), /'vnc:\/\/' addresses are not supported/);
  await assert.rejects(resolveTarget('  ', { env: {} }), /no connection given/);
});

void test('secrets never survive redaction', async () => {
  const c = await resolveTarget('spice://h:1?password=hunter2', { env: {}, proxy: 'http://u:proxypw@p:1' });
  const red = JSON.stringify(redactConfig(c));
  assert.ok(!red.includes('hunter2') && !red.includes('proxypw'));
  const stripped = withoutSecrets(c);
  assert.equal(stripped.password, undefined);
  assert.equal(stripped.proxy?.password, undefined);
  assert.equal(stripped.proxy?.username, 'u');
  assert.equal(c.password, 'hunter2', 'the original is untouched');
});
