import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_METHODS } from '../../../shared/ipc';
import type { RequestMap, RequestMethod } from '../../../shared/ipc';
import { REQUEST_GUARDS, isValidRequest, parseRequestEnvelope } from '../../../shared/ipc-guards';

const VALID: { [M in RequestMethod]: RequestMap[M] } = {
  viewReady: {},
  connect: { host: 'vm.example', port: 5900, tls: false, password: 'x' },
  connectUri: { uri: 'spice://127.0.0.1:5900' },
  openVv: { fileName: 'a.vv', text: '[virt-viewer]\ntype=spice\nhost=h\nport=1\n' },
  disconnect: {},
  reconnect: {},
  forgetRecent: { id: 'spice://h:1' },
  key: { scancode: 0x11d, down: true },
  keyModifiers: { modifiers: 7 },
  releaseKeys: {},
  sendKeys: { combo: 'ctrl-alt-del' },
  mouseMotion: { dx: -5, dy: 3, buttons: 1 },
  mousePosition: { x: 10, y: 20, buttons: 0 },
  mouseButton: { button: 4, down: true, buttons: 8 },
  requestMouseMode: { mode: 2 },
  frameAck: { seq: 12 },
  command: { command: 'zoom-fit' },
};

void test('every method has a guard that accepts a valid payload', () => {
  for (const method of REQUEST_METHODS) {
    assert.equal(typeof REQUEST_GUARDS[method], 'function', method);
    assert.equal(isValidRequest(method, VALID[method]), true, method);
  }
});

void test('guards reject wrong types, extra keys, out-of-range numbers and non-objects', () => {
  const bad: [RequestMethod, unknown][] = [
    ['viewReady', { extra: 1 }],
    ['viewReady', null],
    ['viewReady', []],
    ['connect', { host: '', port: 5900, tls: false }],
    ['connect', { host: 'h', port: 0, tls: false }],
    ['connect', { host: 'h', port: 70000, tls: false }],
    ['connect', { host: 'h', port: 5900.5, tls: false }],
    ['connect', { host: 'h', port: 5900, tls: 'yes' }],
    ['connect', { host: 'h'.repeat(300), port: 5900, tls: false }],
    ['connect', { host: 'h', port: 5900, tls: false, admin: true }],
    ['key', { scancode: 0, down: true }],
    ['key', { scancode: 0x80, down: true }],
    ['key', { scancode: 0x100, down: true }],
    ['key', { scancode: 0x180, down: true }],
    ['key', { scancode: 0x1000, down: true }],
    ['key', { scancode: 0x1e }],
    ['key', { scancode: '30', down: true }],
    ['keyModifiers', { modifiers: 8 }],
    ['sendKeys', { combo: 'rm -rf' }],
    ['mouseMotion', { dx: Infinity, dy: 0, buttons: 0 }],
    ['mouseMotion', { dx: NaN, dy: 0, buttons: 0 }],
    ['mouseMotion', { dx: 0, dy: 0, buttons: 128 }],
    ['mousePosition', { x: -1, y: 0, buttons: 0 }],
    ['mousePosition', { x: 1e9, y: 0, buttons: 0 }],
    ['mouseButton', { button: 0, down: true, buttons: 0 }],
    ['mouseButton', { button: 8, down: true, buttons: 0 }],
    ['requestMouseMode', { mode: 3 }],
    ['frameAck', { seq: -1 }],
    ['command', { command: 'format-disk' }],
    ['openVv', { fileName: 'a.vv', text: 'x'.repeat((1 << 20) + 1) }],
  ];
  for (const [method, payload] of bad)
    assert.equal(
      isValidRequest(method, payload),
      false,
      `${method} ${JSON.stringify(payload)?.slice(0, 80)}`,
    );
});

void test('WebSocket envelopes: parsed only when method and payload are both valid', () => {
  assert.deepEqual(parseRequestEnvelope('{"method":"key","payload":{"scancode":30,"down":true}}'), {
    method: 'key',
    payload: { scancode: 30, down: true },
  });
  for (const text of [
    'not json',
    '[]',
    'null',
    '{"method":"key"}',
    '{"method":"eval","payload":{}}',
    '{"method":"key","payload":{"scancode":30,"down":true},"x":1}',
    '{"method":"__proto__","payload":{}}',
    '{"method":"toString","payload":{}}',
  ])
    assert.equal(parseRequestEnvelope(text), undefined, text);
  assert.equal(parseRequestEnvelope('{"method":"viewReady","payload":{}}', 10), undefined);
});

void test('fuzz: random JSON never throws and never validates malformed payloads as something else', () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const atoms = [0, -1, 1.5, 0x1e, 'x', '', true, null, {}, [], 1e300, 'spice://h:1'];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const keys = [
    'host',
    'port',
    'tls',
    'scancode',
    'down',
    'dx',
    'dy',
    'buttons',
    'x',
    'y',
    'button',
    'seq',
    'mode',
    'combo',
    'command',
    'zz',
  ];
  for (let i = 0; i < 3000; i++) {
    const payload: Record<string, unknown> = {};
    const n = Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) payload[pick(keys)] = pick(atoms);
    const method = pick(REQUEST_METHODS);
    const text = JSON.stringify({ method, payload });
    const parsed = parseRequestEnvelope(text);
    if (parsed) assert.equal(isValidRequest(parsed.method, parsed.payload), true);
  }
});
