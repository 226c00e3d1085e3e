import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_METHODS } from '../../../shared/contract';
import type { PortMessage, PortMessageKind, RequestMap, RequestMethod } from '../../../shared/contract';
import {
  MESSAGE_GUARDS,
  REQUEST_GUARDS,
  isPortMessage,
  isValidRequest,
  parseRequest,
  parseRequestText,
} from '../../../shared/contract-guards';
import { defaultSettings } from '../../../shared/settings';

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
  setSettings: { theme: 'dark', shortcuts: { fullscreen: 'Ctrl+Alt+F' } },
  audioOutput: { opusDecoder: true, opusEncoder: false, microphone: true },
  audioReport: {
    stream: 1,
    receivedMs: 100,
    bufferedMs: 40,
    outputLatencyMs: 12.5,
    underruns: 0,
    overruns: 1,
  },
  audioSettings: { volume: 80, micEnabled: true },
  recordData: { stream: 2, codec: 'pcm', data: new Uint8Array(1024) },
  recordStatus: { stream: 2, state: 'denied', message: 'Permission denied' },
  usbConnect: { key: 'host:1-4' },
  usbDisconnect: { key: 'cd:1' },
  usbShareImage: { path: '/home/me/debian.iso', imageKind: 'cd', writable: false },
  usbChooseImage: { imageKind: 'disk', writable: true },
  usbRemoveImage: { key: 'disk:2' },
  usbSetAutoShare: { on: false },
  usbReset: {},
  usbInstallUdevRule: { key: 'host:1-4' },
  usbViewFocus: { focused: true },
  agentSettings: { autoResize: false },
  viewSize: { width: 1280, height: 800, x: -1280, y: 0 },
  displayEnable: { display: 1, enabled: false },
  clipboardFetch: { requestId: 1, selection: 'clipboard', format: 'image' },
  clipboardHostGrab: { selection: 'primary', formats: ['text'], fingerprint: 'text:abc' },
  clipboardHostData: { requestId: 2, totalBytes: 10, offset: 4, data: new Uint8Array(6) },
  transferFiles: { files: [{ fileId: 1, name: 'a.txt', sizeBytes: 12 }] },
  transferData: { fileId: 1, readId: 3, data: new Uint8Array(12) },
  transferReadFailed: { fileId: 1, readId: 3, message: 'NotReadableError' },
  transferCancel: {},
  transferPick: {},
  videoDecoders: { codecs: [2, 3, 4] },
  videoFeedback: { channelId: 0, streamId: 3, drops: 2, error: '' },
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
    ['usbConnect', { key: '' }],
    ['usbConnect', { key: 'k'.repeat(65) }],
    ['usbConnect', { key: 3 }],
    ['usbShareImage', { path: '', imageKind: 'cd', writable: false }],
    ['usbShareImage', { path: '/a'.repeat(3000), imageKind: 'cd', writable: false }],
    ['usbShareImage', { path: '/a.iso', imageKind: 'floppy', writable: false }],
    ['usbShareImage', { path: '/a.iso', imageKind: 'cd' }],
    ['usbChooseImage', { imageKind: 'cd', writable: 'yes' }],
    ['usbSetAutoShare', { on: 1 }],
    ['usbReset', { all: true }],
    ['usbViewFocus', {}],
  ];
  for (const [method, payload] of bad)
    assert.equal(
      isValidRequest(method, payload),
      false,
      `${method} ${JSON.stringify(payload)?.slice(0, 80)}`,
    );
});

void test('envelopes (WebSocket text, port clones): parsed only when method and payload are both valid', () => {
  assert.deepEqual(parseRequestText('{"method":"key","payload":{"scancode":30,"down":true}}'), {
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
    assert.equal(parseRequestText(text), undefined, text);
  assert.equal(parseRequestText('{"method":"viewReady","payload":{}}', 10), undefined);
  assert.deepEqual(parseRequest({ method: 'frameAck', payload: { seq: 3 } }), {
    method: 'frameAck',
    payload: { seq: 3 },
  });
  for (const value of [null, 'key', { method: 'key' }, { method: 'frameAck', payload: { seq: 3 }, extra: 1 }])
    assert.equal(parseRequest(value), undefined, JSON.stringify(value));
});

const px = (w: number, h: number): Uint8Array => new Uint8Array(w * h * 4);
const VALID_MESSAGES: { [K in PortMessageKind]: Extract<PortMessage, { kind: K }> } = {
  view: { kind: 'view', monitor: 1, title: 'vm (display 2)', shell: 'web' },
  surface: { kind: 'surface', width: 1920, height: 1080 },
  damage: { kind: 'damage', rect: { left: 2, top: 3, right: 5, bottom: 4 }, pixels: px(3, 1) },
  'frame-end': { kind: 'frame-end', seq: 9 },
  'cursor-shape': {
    kind: 'cursor-shape',
    cursor: { width: 2, height: 2, hotX: 1, hotY: 1, pixels: px(2, 2) },
  },
  'cursor-state': { kind: 'cursor-state', x: -3, y: 10, visible: true },
  command: { kind: 'command', command: 'zoom-in' },
  status: { kind: 'status', state: 'error', message: 'no', errorCode: 'auth-failed', canReconnect: true },
  notice: { kind: 'notice', level: 'warning', message: 'insecure' },
  recent: {
    kind: 'recent',
    entries: [{ id: 'spice://h:1', label: 'h:1', host: 'h', port: 1, tls: false, lastUsedMs: 5 }],
  },
  'mouse-mode': { kind: 'mouse-mode', mode: 2, supported: 3 },
  modifiers: { kind: 'modifiers', modifiers: 4 },
  settings: { kind: 'settings', settings: defaultSettings(), persistent: true },
  hotkeys: {
    kind: 'hotkeys',
    hotkeys: { 'toggle-fullscreen': 'shift+f11', 'release-cursor': '<Ctrl><Alt>r' },
  },
  'audio-state': {
    kind: 'audio-state',
    output: true,
    playback: 'playing',
    record: 'idle',
    volume: 100,
    muted: false,
    guestMuted: false,
    micEnabled: false,
    micMuted: false,
    micProcessing: true,
    micOpus: false,
    micStatus: 'off',
  },
  'audio-start': {
    kind: 'audio-start',
    stream: 1,
    codec: 'opus',
    channels: 2,
    sampleRate: 48000,
    minLatencyMs: 0,
  },
  'audio-frame': {
    kind: 'audio-frame',
    stream: 1,
    timeMs: 5,
    samples: 480,
    sentAtMs: 1.5,
    data: new Uint8Array(40),
  },
  'audio-stop': { kind: 'audio-stop', stream: 1 },
  'audio-gain': { kind: 'audio-gain', gains: [1, 0.5] },
  'record-start': {
    kind: 'record-start',
    stream: 2,
    codec: 'pcm',
    channels: 2,
    sampleRate: 48000,
    frameSamples: 480,
    processing: true,
  },
  'record-stop': { kind: 'record-stop', stream: 2 },
  'usb-state': {
    kind: 'usb-state',
    availability: 'ready',
    channels: { total: 2, free: 1 },
    autoShare: true,
    imageSource: 'path',
    devices: [
      {
        key: 'host:1-4',
        kind: 'host',
        label: 'SanDisk Cruzer',
        vendorId: 0x0781,
        productId: 0x5567,
        state: 'available',
        autoShare: true,
        redirectable: true,
        error: { code: 'permission', message: 'denied', hint: 'add a udev rule', fix: 'udev-rule' },
      },
      {
        key: 'cd:1',
        kind: 'cd',
        label: 'CD: debian.iso',
        vendorId: 0x2b23,
        productId: 0xcdcd,
        state: 'connected',
        path: '/isos/debian.iso',
        shared: true,
        autoShare: true,
        redirectable: true,
      },
    ],
    notice: 'no USB subsystem',
    resetHotkey: { code: 'KeyR', ctrl: true, shift: true, alt: false, meta: false },
  },
  'usb-result': { kind: 'usb-result', level: 'error', message: 'no such file', hint: 'type the full path' },
  'agent-state': {
    kind: 'agent-state',
    connected: true,
    clipboard: true,
    fileTransfer: false,
    settings: { autoResize: true, clipboardToGuest: true, clipboardToHost: false },
    displays: [true, false],
  },
  'clipboard-offer': { kind: 'clipboard-offer', selection: 'clipboard', formats: ['text', 'image'] },
  'clipboard-data': {
    kind: 'clipboard-data',
    requestId: 4,
    format: 'text',
    fingerprint: 'text:1',
    data: new Uint8Array(3),
  },
  'clipboard-fetch-failed': { kind: 'clipboard-fetch-failed', requestId: 4, message: 'too large' },
  'clipboard-host-request': { kind: 'clipboard-host-request', requestId: 5, format: 'image' },
  'transfer-read': { kind: 'transfer-read', fileId: 1, readId: 2, position: 0, length: 65536 },
  'transfer-progress': {
    kind: 'transfer-progress',
    items: [{ id: 1, name: 'a.txt', sizeBytes: 12, sentBytes: 0, state: 'failed', error: 'disk full' }],
    totals: { files: 1, finished: 0, failed: 1, totalBytes: 12, sentBytes: 0 },
  },
  'video-stream': {
    kind: 'video-stream',
    channelId: 0,
    streamId: 2,
    codec: 2,
    topDown: true,
    rect: { left: -10, top: 0, right: 310, bottom: 240 },
    clip: [{ left: 0, top: 0, right: 20, bottom: 20 }],
  },
  'video-frame': {
    kind: 'video-frame',
    channelId: 0,
    streamId: 2,
    delayMs: -40,
    width: 320,
    height: 240,
    rect: { left: 0, top: 0, right: 320, bottom: 240 },
    data: new Uint8Array(100),
  },
  'video-stream-end': { kind: 'video-stream-end', channelId: 0, streamId: 2 },
};

void test('every message kind has a guard that accepts a valid message (what the view checks on arrival)', () => {
  for (const [kind, message] of Object.entries(VALID_MESSAGES)) {
    assert.equal(typeof MESSAGE_GUARDS[kind as PortMessageKind], 'function', kind);
    assert.equal(isPortMessage(message), true, kind);
  }
});

void test('message guards reject wrong sizes, extra keys, unknown kinds and non-objects', () => {
  const bad: unknown[] = [
    null,
    'status',
    { kind: 'exec' },
    { ...VALID_MESSAGES.view, extra: 1 },
    { ...VALID_MESSAGES.view, shell: 'other' },
    { kind: 'surface', width: 100000, height: 1 },
    { kind: 'damage', rect: { left: 0, top: 0, right: 2, bottom: 2 }, pixels: px(2, 1) },
    { kind: 'damage', rect: { left: 2, top: 0, right: 2, bottom: 2 }, pixels: px(0, 2) },
    { kind: 'damage', rect: { left: 0, top: 0, right: 2, bottom: 2 }, pixels: new ArrayBuffer(16) },
    { kind: 'cursor-shape', cursor: { width: 2, height: 2, hotX: 2, hotY: 0, pixels: px(2, 2) } },
    { kind: 'cursor-shape', cursor: { width: 2000, height: 1, hotX: 0, hotY: 0, pixels: px(2000, 1) } },
    { kind: 'status', state: 'exploded', message: '', canReconnect: false },
    { kind: 'notice', level: 'info', message: 'x'.repeat(5000) },
    { ...VALID_MESSAGES['video-stream'], clip: [{ left: 5, top: 0, right: 5, bottom: 1 }] },
    { ...VALID_MESSAGES['video-stream'], codec: 0 },
    { ...VALID_MESSAGES['video-frame'], data: [1, 2] },
    { ...VALID_MESSAGES['video-frame'], width: 0 },
    { ...VALID_MESSAGES['video-stream-end'], streamId: -1 },
    { kind: 'recent', entries: [{ id: 'x' }] },
    { kind: 'modifiers', modifiers: 8 },
    { kind: 'frame-end', seq: -1 },
    { ...VALID_MESSAGES['usb-state'], availability: 'maybe' },
    { ...VALID_MESSAGES['usb-state'], channels: { total: 1, free: 2 } },
    { ...VALID_MESSAGES['usb-state'], resetHotkey: { code: 'Key R', ctrl: 1, shift: 0, alt: 0, meta: 0 } },
    { ...VALID_MESSAGES['usb-state'], devices: new Array(129).fill(VALID_MESSAGES['usb-state'].devices[0]) },
    {
      ...VALID_MESSAGES['usb-state'],
      devices: [{ ...VALID_MESSAGES['usb-state'].devices[0], vendorId: 0x10000 }],
    },
    {
      ...VALID_MESSAGES['usb-state'],
      devices: [{ ...VALID_MESSAGES['usb-state'].devices[0], error: { code: 'melted', message: 'x' } }],
    },
    {
      ...VALID_MESSAGES['usb-state'],
      devices: [{ ...VALID_MESSAGES['usb-state'].devices[0], state: 'exploded' }],
    },
    { kind: 'usb-result', level: 'warning', message: 'x' },
  ];
  for (const value of bad) assert.equal(isPortMessage(value), false, JSON.stringify(value)?.slice(0, 80));
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
    const parsed = parseRequestText(text);
    if (parsed) assert.equal(isValidRequest(parsed.method, parsed.payload), true);
  }
});
