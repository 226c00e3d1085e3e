// UDPack in the connection configuration: spice+udpack:// URIs, the .vv x-udpack-* keys, the precedence of
// --udpack-public-key / --udpack-token over the file over SAFFRON_UDPACK_*, secrets kept out of logs, and the
// gateway command's --listen / --target parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfig, redactConfig, withoutSecrets } from '../../../main/spice/connect/config';
import { applyOverrides } from '../../../main/spice/connect/resolve';
import { isSpiceUri, parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseVvFile } from '../../../main/spice/connect/vv-file';
import { parseListen, parseTarget } from '../../../main/cli/commands/gateway';

const PEM = '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----';

test('spice+udpack://GATEWAY:PORT names the gateway; the port is required and only in the address', () => {
  assert.equal(isSpiceUri('spice+udpack://gw.example:5999'), true);
  const config = parseSpiceUri('spice+udpack://gw.example:5999?password=pw');
  assert.deepEqual(config.udpack, { gatewayHost: 'gw.example', gatewayPort: 5999 });
  assert.equal(config.password, 'pw');
  assert.equal(describeConfig(config), 'gw.example:5999 (UDPack gateway)');
  assert.deepEqual(parseSpiceUri('spice+udpack://[2001:db8::1]:7000').udpack, {
    gatewayHost: '2001:db8::1',
    gatewayPort: 7000,
  });
  assert.throws(() => parseSpiceUri('spice+udpack://gw.example'), /missing the gateway's UDP port/);
  assert.throws(() => parseSpiceUri('spice+udpack://gw.example?port=5999'), /gateway port in the address/);
});

test('.vv: x-udpack-gateway, an inline public key and a token; host/port are then not used', () => {
  const config = parseVvFile(
    [
      '[virt-viewer]',
      'type=spice',
      'host=10.0.0.5',
      'port=5900',
      'x-udpack-gateway=gw.example:5999',
      `x-udpack-public-key=${PEM}`,
      'x-udpack-token=tok',
    ].join('\n'),
  );
  assert.equal(config.udpack?.gatewayHost, 'gw.example');
  assert.equal(config.udpack?.gatewayPort, 5999);
  assert.match(config.udpack?.publicKeyPem ?? '', /^-----BEGIN PUBLIC KEY-----\nMIIB\n/);
  assert.equal(config.udpack?.token, 'tok');
  assert.ok(
    config.notes.some((n) => /host is not used/.test(n)),
    config.notes.join('; '),
  );
  // A gateway is enough: no host or port needed.
  assert.equal(
    parseVvFile('[virt-viewer]\ntype=spice\nx-udpack-gateway=[::1]:5999\n').udpack?.gatewayHost,
    '::1',
  );
  assert.throws(
    () => parseVvFile('[virt-viewer]\ntype=spice\nx-udpack-gateway=gw.example\n'),
    /x-udpack-gateway='gw.example' is not HOST:PORT/,
  );
  assert.throws(
    () => parseVvFile('[virt-viewer]\ntype=spice\nx-udpack-gateway=gw:1\nx-udpack-public-key=nonsense\n'),
    /does not contain a PEM public key/,
  );
  const stray = parseVvFile('[virt-viewer]\ntype=spice\nhost=h\nport=1\nx-udpack-token=t\n');
  assert.equal(stray.udpack, undefined);
  assert.ok(stray.unsupported.some((u) => /without x-udpack-gateway/.test(u.reason)));
});

test('precedence: option over the connection file over SAFFRON_UDPACK_*; the proxy is dropped with a note', () => {
  const fromFile = parseVvFile(
    `[virt-viewer]\ntype=spice\nx-udpack-gateway=gw:1\nx-udpack-public-key=${PEM}\nx-udpack-token=file\nproxy=http://p:3128\n`,
  );
  const env = { SAFFRON_UDPACK_TOKEN: 'env', SAFFRON_UDPACK_PUBLIC_KEY: '/env/key.pem' };
  const plain = applyOverrides(fromFile, { env });
  assert.equal(plain.udpack?.token, 'file', 'the file beats the environment');
  assert.ok(plain.udpack?.publicKeyPem, 'the inline key stays');
  assert.equal(plain.proxy, undefined);
  assert.ok(plain.notes.some((n) => /HTTP proxy is not used/.test(n)));
  const overridden = applyOverrides(fromFile, { env, udpackToken: 'flag', udpackPublicKeyFile: '/flag.pem' });
  assert.equal(overridden.udpack?.token, 'flag');
  assert.equal(overridden.udpack?.publicKeyFile, '/flag.pem');
  assert.equal(overridden.udpack?.publicKeyPem, undefined);
  const uri = applyOverrides(parseSpiceUri('spice+udpack://gw:1'), { env });
  assert.equal(uri.udpack?.token, 'env');
  assert.equal(uri.udpack?.publicKeyFile, '/env/key.pem');
  assert.throws(
    () => applyOverrides(parseSpiceUri('spice://h:1'), { env: {}, udpackToken: 'x' }),
    /apply only to spice\+udpack/,
  );
});

test('the token never reaches logs or stored connections', () => {
  const config = applyOverrides(parseSpiceUri('spice+udpack://gw:1'), {
    env: {},
    udpackToken: 'secret-token',
  });
  assert.equal(redactConfig(config).udpack?.token, '<redacted>');
  assert.equal(withoutSecrets(config).udpack?.token, undefined);
  assert.equal(JSON.stringify(withoutSecrets(config)).includes('secret-token'), false);
});

test('saffron gateway: --listen is udp://ADDR:PORT; --target a plain SPICE port or a UNIX socket, no password', () => {
  assert.deepEqual(parseListen('udp://0.0.0.0:5999'), { host: '0.0.0.0', port: 5999 });
  assert.deepEqual(parseListen('udp://[::]:5999'), { host: '::', port: 5999 });
  assert.throws(() => parseListen('0.0.0.0:5999'), /udp:\/\/ADDR:PORT/);
  assert.throws(() => parseListen('udp://h:70000'), /udp:\/\/ADDR:PORT/);
  assert.deepEqual(parseTarget('spice://127.0.0.1:5900'), { host: '127.0.0.1', port: 5900 });
  assert.deepEqual(parseTarget('spice+unix:///run/vm.sock'), { path: '/run/vm.sock' });
  assert.throws(() => parseTarget('spice+tls://h:5901'), /names only a TLS port/);
  assert.throws(() => parseTarget('spice://h:5900?password=x'), /must not carry a password/);
});
