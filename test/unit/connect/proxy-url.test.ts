import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyUrl, redactProxyUrl } from '../../../main/spice/connect/proxy-url';

void test('proxy URL forms', () => {
  assert.deepEqual(parseProxyUrl('http://pve1.example.com:3128'), {
    scheme: 'http',
    host: 'pve1.example.com',
    port: 3128,
  });
  assert.deepEqual(parseProxyUrl('proxy.lan'), { scheme: 'http', host: 'proxy.lan', port: 3128 });
  assert.deepEqual(parseProxyUrl('http://us%40r:p%3Ass@[::1]:8080/'), {
    scheme: 'http',
    host: '::1',
    port: 8080,
    username: 'us@r',
    password: 'p:ss',
  });
  assert.deepEqual(parseProxyUrl('HTTP://bob@10.0.0.1'), {
    scheme: 'http',
    host: '10.0.0.1',
    port: 3128,
    username: 'bob',
  });
});

void test('bad proxy URLs', () => {
  assert.throws(() => parseProxyUrl('socks5://h:1080'), /unsupported scheme 'socks5'/);
  assert.throws(() => parseProxyUrl('https://h:3129'), /HTTPS proxies/);
  assert.throws(() => parseProxyUrl('http://h:99999'), /not a port number/);
  assert.throws(() => parseProxyUrl('http://'), /missing host/);
  assert.throws(() => parseProxyUrl('http://h/path'), /path/);
  assert.throws(() => parseProxyUrl('::1:3128'), /brackets/);
});

void test('redactProxyUrl hides the password', () => {
  assert.equal(redactProxyUrl('http://u:secret@h:1'), 'http://u:<redacted>@h:1');
  assert.equal(redactProxyUrl('http://h:1'), 'http://h:1');
});
